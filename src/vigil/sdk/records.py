"""Building ``logging.LogRecord`` objects without the stdlib's per-call overhead.

``LogRecord.__init__`` recomputes facts that rarely change (process id and name, the file and module of a code
object) and ``Logger.findCaller`` walks the stack through ``os.path.normcase``. Here those facts are cached, and
the record's ``__dict__`` is filled in one ``update``, so that a record costs about a microsecond. The result is a
plain ``LogRecord`` with every attribute the stdlib sets, so third-party handlers and formatters see no difference.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Mapping
from types import CodeType, FrameType
from typing import Any

from vigil.sdk.context import get_context

# Frames in these files belong to the logging machinery, not to the caller (Vigil's logger adds its own).
INTERNAL_FILES = {logging.__file__, __file__}

# Attributes a LogRecord has before ``extra`` is merged; ``extra`` may not override them (as in the stdlib).
RESERVED_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}

_HAS_TASK_NAME = sys.version_info >= (3, 12)
_start_time: float = logging._startTime  # type: ignore[attr-defined]
_level_names: dict[int, str] = logging._levelToName  # type: ignore[attr-defined]
_code_names: dict[str, tuple[str, str]] = {}
_process: dict[str, Any] = {}


def _forget_process() -> None:
    _process.clear()


os.register_at_fork(after_in_child=_forget_process)


def _process_facts() -> dict[str, Any]:
    if not _process:
        name: str | None = "MainProcess" if logging.logMultiprocessing else None
        multiprocessing = sys.modules.get("multiprocessing")
        if multiprocessing is not None and logging.logMultiprocessing:
            with contextlib.suppress(Exception):  # the stdlib is equally forgiving here
                name = multiprocessing.current_process().name
        _process.update(process=os.getpid() if logging.logProcesses else None, processName=name)
    return _process


def _file_names(code: CodeType) -> tuple[str, str]:
    path = code.co_filename
    names = _code_names.get(path)
    if names is None:
        filename = os.path.basename(path)
        names = _code_names[path] = (filename, os.path.splitext(filename)[0])
    return names


def caller_frame(stacklevel: int = 1) -> FrameType | None:
    """The frame that called into logging, skipping logging's own frames, then ``stacklevel - 1`` more."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename in INTERNAL_FILES:
        frame = frame.f_back
    while stacklevel > 1 and frame is not None and frame.f_back is not None:
        frame = frame.f_back  # past the outermost frame, the stdlib stops at it: so do we
        stacklevel -= 1
    return frame


def make_record(
    name: str,
    level: int,
    msg: object,
    args: Any,
    exc_info: Any,
    extra: dict[str, Any] | None,
    frame: FrameType | None,
) -> logging.LogRecord:
    record = logging.LogRecord.__new__(logging.LogRecord)
    now = time.time()
    if frame is not None:
        code = frame.f_code
        pathname, lineno, func = code.co_filename, frame.f_lineno, code.co_name
        filename, module = _file_names(code)
    else:
        pathname, lineno, func, filename, module = (
            "(unknown file)",
            0,
            "(unknown function)",
            "(unknown file)",
            "Unknown",
        )
    if args and len(args) == 1 and isinstance(args[0], Mapping) and args[0]:
        args = args[0]  # the stdlib's rule for ``log("%(key)s", {"key": 1})``
    thread = threading.current_thread() if logging.logThreads else None
    process = _process or _process_facts()
    # One dict literal, assigned whole: several times cheaper than ``__dict__.update(**...)``.
    attributes = {
        "name": name,
        "msg": msg,
        "args": args,
        "levelname": _level_names.get(level) or logging.getLevelName(level),
        "levelno": level,
        "pathname": pathname,
        "filename": filename,
        "module": module,
        "exc_info": exc_info,
        "exc_text": None,
        "stack_info": None,
        "lineno": lineno,
        "funcName": func,
        "created": now,
        "msecs": (now - int(now)) * 1000.0,
        "relativeCreated": (now - _start_time) * 1000.0,
        # The Thread attributes behind the ``ident`` and ``name`` properties: a property call costs as much.
        "thread": thread._ident if thread else None,  # type: ignore[attr-defined]
        "threadName": thread._name if thread else None,  # type: ignore[attr-defined]
        "processName": process["processName"],
        "process": process["process"],
        # The request context as it was at the call, for destinations that build events on another thread.
        "_vigil_context": get_context(),
    }
    if _HAS_TASK_NAME:
        attributes["taskName"] = _task_name()
    if extra:
        if not RESERVED_ATTRIBUTES.isdisjoint(extra):
            clash = sorted(RESERVED_ATTRIBUTES.intersection(extra))[0]
            raise KeyError(f"Attempt to overwrite {clash!r} in LogRecord")
        attributes.update(extra)
        attributes["_vigil_extra"] = extra
    record.__dict__ = attributes
    return record


def _task_name() -> str | None:
    asyncio = sys.modules.get("asyncio")
    if asyncio is None or not getattr(logging, "logAsyncioTasks", True):
        return None
    try:
        task = asyncio.current_task()
    except RuntimeError:
        return None
    return task.get_name() if task is not None else None
