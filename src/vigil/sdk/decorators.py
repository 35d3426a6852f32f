"""Decorators that log what a function does: every call (``log_function_call``) or only its failures
(``handle_errors``), for plain functions, methods and coroutine functions alike.

Each resolves its logger once, when the function is decorated, so a call whose level is off costs one level
check. Records point at the code that called the decorated function, not at this module: the wrapper frames of
this file are counted into ``stacklevel``, so the two decorators stacked on one function still find the caller.
"""

from __future__ import annotations

import functools
import inspect
import logging
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar, overload

from vigil.sdk.logger import get_logger
from vigil.sdk.pipeline import current_pipeline
from vigil.sdk.redaction import Redactor

F = TypeVar("F", bound=Callable[..., Any])

ExceptionTypes = type[BaseException] | tuple[type[BaseException], ...]

# Used when the pipeline has no redactor of its own: arguments are where secrets leak most, so they are always
# masked, even for a plain stdlib handler that never runs the pipeline.
_fallback_redactor = Redactor()

# A method's receiver says nothing the qualified name does not, and its repr can be large.
_RECEIVERS = frozenset({"self", "cls"})


def _stacklevel() -> int:
    """The ``stacklevel`` that skips every frame of this file between the logging call and the code that called in."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
        level += 1
    return level


def _redactor() -> Redactor:
    """The pipeline's redactor, so that arguments are masked by the same rules as the rest of the record."""
    found = getattr(current_pipeline().builder, "redactor", None)
    return found if isinstance(found, Redactor) else _fallback_redactor


def _shown(value: Any, redactor: Redactor, limit: int) -> str:
    """``repr(value)`` with secrets masked, then cut to ``limit`` characters."""
    if isinstance(value, dict | list | tuple):
        # A secret *key* can only be recognised in the structure; once it is text, only secret-shaped values can.
        masked = redactor.redact(value)
        value = tuple(masked) if isinstance(value, tuple) else masked
    text: str = redactor.redact(repr(value))
    return text if len(text) <= limit else text[:limit] + "..."


class _CallLog:
    """What a ``log_function_call`` wrapper needs, worked out once per decorated function."""

    def __init__(
        self,
        function: Callable[..., Any],
        level: int,
        logger: logging.Logger | None,
        log_args: bool,
        log_result: bool,
        max_value_length: int,
    ) -> None:
        self.name = function.__qualname__
        self.level = level
        self.logger = logger or get_logger(function.__module__)
        self.log_args = log_args
        self.log_result = log_result
        self.limit = max_value_length
        self.message = f"call {self.name}"
        self.failure = f"call {self.name} failed"
        try:
            self.signature: inspect.Signature | None = inspect.signature(function)
        except (TypeError, ValueError):  # some builtins have none
            self.signature = None
        first = next(iter(self.signature.parameters), None) if self.signature else None
        self.receiver = first if first in _RECEIVERS else None

    def enabled(self) -> bool:
        return self.logger.isEnabledFor(self.level)

    def start(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """The record's fields known before the call: its name and, by parameter name, its arguments."""
        fields: dict[str, Any] = {"call": self.name}
        if self.log_args:
            redactor = _redactor()
            fields["arguments"] = {
                name: redactor.mask if redactor.secret_key(name) else _shown(value, redactor, self.limit)
                for name, value in self._named(args, kwargs).items()
            }
        return fields

    def _named(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        if self.signature is not None:
            try:
                bound = self.signature.bind(*args, **kwargs)
            except TypeError:
                pass  # the call raises the same TypeError; the arguments are shown as given
            else:
                named: dict[str, Any] = {}
                for name, value in bound.arguments.items():
                    if self.signature.parameters[name].kind is inspect.Parameter.VAR_KEYWORD:
                        named.update(value)  # each by its own name, so that ``password=`` is recognised
                    elif name != self.receiver:
                        named[name] = value
                return named
        return {**{str(position): value for position, value in enumerate(args)}, **kwargs}

    def returned(self, fields: dict[str, Any], started: float, result: Any) -> None:
        if self.log_result:
            fields["result"] = _shown(result, _redactor(), self.limit)
        fields["duration_ms"] = (time.perf_counter() - started) * 1000.0
        self.logger.log(self.level, self.message, extra=fields, stacklevel=_stacklevel())

    def raised(self, fields: dict[str, Any], started: float, error: BaseException) -> None:
        fields["duration_ms"] = (time.perf_counter() - started) * 1000.0
        self.logger.log(logging.ERROR, self.failure, exc_info=error, extra=fields, stacklevel=_stacklevel())


@overload
def log_function_call(level: F, /) -> F: ...


@overload
def log_function_call(
    level: int = logging.DEBUG,
    *,
    logger: logging.Logger | None = None,
    log_args: bool = True,
    log_result: bool = True,
    max_value_length: int = 1000,
) -> Callable[[F], F]: ...


def log_function_call(
    level: Any = logging.DEBUG,
    *,
    logger: logging.Logger | None = None,
    log_args: bool = True,
    log_result: bool = True,
    max_value_length: int = 1000,
) -> Any:
    """Log each call of the decorated function once it returns: ``call <qualname>`` at ``level``, with its
    arguments as passed, by parameter name, its result (both as reprs, masked and cut to ``max_value_length``) and
    ``duration_ms``. A call that raises an ``Exception`` is logged at ERROR with the exception and re-raised.

    Nothing is logged, and the arguments are never looked at, while ``level`` is off for the logger
    (``get_logger(function.__module__)`` unless given). Usable bare (``@log_function_call``) or with arguments.
    """
    if callable(level):
        return log_function_call()(level)

    def decorate(function: F) -> F:
        log = _CallLog(function, level, logger, log_args, log_result, max_value_length)
        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def call_async(*args: Any, **kwargs: Any) -> Any:
                if not log.enabled():
                    return await function(*args, **kwargs)
                fields = log.start(args, kwargs)
                started = time.perf_counter()
                try:
                    result = await function(*args, **kwargs)
                except Exception as error:
                    log.raised(fields, started, error)
                    raise
                log.returned(fields, started, result)
                return result

            return call_async  # type: ignore[return-value]

        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            if not log.enabled():
                return function(*args, **kwargs)
            fields = log.start(args, kwargs)
            started = time.perf_counter()
            try:
                result = function(*args, **kwargs)
            except Exception as error:
                log.raised(fields, started, error)
                raise
            log.returned(fields, started, result)
            return result

        return call  # type: ignore[return-value]

    return decorate


@overload
def handle_errors(reraise: F, /) -> F: ...


@overload
def handle_errors(
    reraise: bool = False,
    fallback_value: Any = None,
    *,
    exceptions: ExceptionTypes = (Exception,),
    logger: logging.Logger | None = None,
    level: int = logging.ERROR,
    message: str | None = None,
) -> Callable[[F], F]: ...


def handle_errors(
    reraise: Any = False,
    fallback_value: Any = None,
    *,
    exceptions: ExceptionTypes = (Exception,),
    logger: logging.Logger | None = None,
    level: int = logging.ERROR,
    message: str | None = None,
) -> Any:
    """Log an exception of one of ``exceptions`` raised by the decorated function (at ``level``, with the
    traceback and a ``call`` field), then return ``fallback_value`` as it is, or re-raise it if ``reraise``.

    Other exceptions pass through unlogged, and so do KeyboardInterrupt, SystemExit and a task's cancellation
    even when ``exceptions`` names them. ``fallback_value`` is never called, and one object is returned by
    every failed call, so prefer an immutable one. Usable bare (``@handle_errors``) or with arguments.
    """
    if callable(reraise):
        return handle_errors()(reraise)

    def decorate(function: F) -> F:
        log = logger or get_logger(function.__module__)
        name = function.__qualname__
        text = message or f"{name} failed"
        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def call_async(*args: Any, **kwargs: Any) -> Any:
                try:
                    return await function(*args, **kwargs)
                except exceptions as error:
                    if not isinstance(error, Exception):
                        raise
                    log.log(level, text, exc_info=error, extra={"call": name}, stacklevel=_stacklevel())
                    if reraise:
                        raise
                    return fallback_value

            return call_async  # type: ignore[return-value]

        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except exceptions as error:
                if not isinstance(error, Exception):
                    raise
                log.log(level, text, exc_info=error, extra={"call": name}, stacklevel=_stacklevel())
                if reraise:
                    raise
                return fallback_value

        return call  # type: ignore[return-value]

    return decorate
