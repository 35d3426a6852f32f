"""The processors a record's event dict passes through before rendering.

An event builder turns a record into its first event dict; then each processor, ``(record, event) -> event``,
may add, change or drop keys and returns the dict to pass on (structlog's model, with the stdlib ``LogRecord``
alongside for what it knows: caller, exception, thread).
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from vigil.sdk.context import get_context
from vigil.sdk.records import RESERVED_ATTRIBUTES
from vigil.sdk.redaction import Redactor

Event = dict[str, Any]
Processor = Callable[[logging.LogRecord, Event], Event]
EventBuilder = Callable[[logging.LogRecord], Event]

_second: tuple[int, str] = (-1, "")  # replaced whole, never mutated: threads read it without a lock
_MILLISECONDS = [f".{ms:03d}Z" for ms in range(1000)]


def iso_timestamp(created: float) -> str:
    """``2025-06-28T12:34:56.789Z``: ISO 8601, UTC, milliseconds (the date part is cached per second)."""
    global _second
    seconds = int(created)
    cached = _second
    if cached[0] != seconds:
        cached = _second = (seconds, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)))
    return cached[1] + _MILLISECONDS[int((created - seconds) * 1000)]


def extra_fields(record: logging.LogRecord) -> Mapping[str, Any]:
    """The ``extra=`` fields of a record, whichever logger made it."""
    extra = record.__dict__.get("_vigil_extra")
    if extra is not None:
        return extra  # type: ignore[no-any-return]
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in RESERVED_ATTRIBUTES and not key.startswith("_vigil")
    }


class StandardEvent:
    """Build a record's event: the base fields, fixed fields (environment, app), the request context, the
    ``extra=`` fields and the exception, in that order, so a later source wins a clash. With a redactor, the
    message, context, extra fields and exception are masked on the way in.

    One callable rather than a chain of processors, because on the logging hot path each call costs; a context
    (immutable, shared by every record logged inside its scope) is redacted once, not per record.
    """

    def __init__(self, fixed: Mapping[str, Any] | None = None, redactor: Redactor | None = None) -> None:
        self.fixed = dict(redactor.clean(fixed)[0] if redactor and fixed else fixed or {})
        self.redactor = redactor
        self._contexts: dict[int, tuple[Mapping[str, Any], Mapping[str, Any]]] = {}

    def _fields_for(self, context: Mapping[str, Any]) -> Mapping[str, Any]:
        """The fixed fields and the (redacted) context, merged: once per context, since a context is immutable."""
        seen = self._contexts.get(id(context))
        if seen is not None and seen[0] is context:
            return seen[1]
        if len(self._contexts) >= 256:
            self._contexts.clear()
        cleaned = self.redactor.clean(context)[0] if self.redactor is not None else context
        merged = {**self.fixed, **cleaned}
        self._contexts[id(context)] = (context, merged)
        return merged

    def __call__(self, record: logging.LogRecord) -> Event:
        message = record.msg if type(record.msg) is str else str(record.msg)
        if record.args:
            message = message % record.args
        attributes = record.__dict__
        extra = attributes.get("_vigil_extra")
        if extra is None:
            extra = extra_fields(record)
        context = attributes.get("_vigil_context")
        if context is None:
            context = get_context()  # a record from another logger: the context is the caller's, right now
        redactor = self.redactor
        if redactor is not None:
            extra, message = redactor.clean(extra, message)
        event = {
            "timestamp": iso_timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
            "module": record.module,
            "function": record.funcName,
            "line": record.lineno,
            "process_id": record.process,
            "thread_id": record.thread,
        }
        if context:
            seen = self._contexts.get(id(context))
            event.update(seen[1] if seen is not None and seen[0] is context else self._fields_for(context))
        elif self.fixed:
            event.update(self.fixed)
        if extra:
            event.update(extra)
        if record.exc_info or record.stack_info:
            add_exception(record, event)
            if redactor is not None and "exception" in event:
                event["exception"] = redactor.redact(event["exception"])
        return event


def structured_exception(error: BaseException, depth: int = 0) -> Event:
    """An exception as data: type, message, frames, and the exception it came from: ``cause`` for
    ``raise ... from ...``, ``context`` for one raised while handling another (five levels at most)."""
    frames = [
        {"file": frame.filename, "line": frame.lineno, "function": frame.name, "code": frame.line}
        for frame in traceback.extract_tb(error.__traceback__)
    ]
    described: Event = {
        "type": _qualified_name(type(error)),
        "message": str(error),
        "traceback": frames,
    }
    if depth < 5:
        if error.__cause__ is not None:
            described["cause"] = structured_exception(error.__cause__, depth + 1)  # raise ... from ...
        elif error.__context__ is not None and not error.__suppress_context__:
            described["context"] = structured_exception(error.__context__, depth + 1)  # raised while handling
    return described


def _qualified_name(kind: type[BaseException]) -> str:
    module = kind.__module__
    return kind.__qualname__ if module in ("builtins", "__main__") else f"{module}.{kind.__qualname__}"


def add_exception(record: logging.LogRecord, event: Event) -> Event:
    exc_info = record.exc_info
    if exc_info and exc_info[1] is not None:
        event["exception"] = structured_exception(exc_info[1])
    elif exc_info and exc_info[0] is not None:
        event["exception"] = {"type": _qualified_name(exc_info[0]), "message": "", "traceback": []}
    if record.stack_info:
        event["stack"] = record.stack_info
    return event
