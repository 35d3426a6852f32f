"""``get_logger``: a stdlib ``logging.Logger`` with cheaper enabled and disabled calls.

Everything else about it is stdlib: handlers, filters, propagation, ``logging.config``. Records from plain
stdlib loggers (third-party libraries) pass through the same handlers and the same processor pipeline.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from vigil.sdk.records import INTERNAL_FILES, caller_frame, make_record

INTERNAL_FILES.add(__file__)

_LogRecord = logging.LogRecord


def _level_method(level: int, name: str) -> Callable[..., None]:
    """``debug``, ``info``, ...: the level check reads the stdlib's per-logger cache directly, and the keywords
    are spelled out rather than ``**kwargs`` (packing a dict per call is measurable here)."""

    def log_at_level(
        self: VigilLogger,
        msg: object,
        *args: object,
        exc_info: Any = None,
        extra: dict[str, Any] | None = None,
        stack_info: bool = False,
        stacklevel: int = 1,
    ) -> None:
        try:
            enabled = self._cache[level]  # type: ignore[attr-defined]
        except KeyError:
            enabled = self.isEnabledFor(level)
        if enabled and not self.disabled:
            self._log(level, msg, args, exc_info, extra, stack_info, stacklevel)

    log_at_level.__name__ = log_at_level.__qualname__ = name
    return log_at_level


class VigilLogger(logging.Logger):
    """A ``logging.Logger`` whose level checks read the stdlib's own per-logger cache directly.

    ``Logger.setLevel`` and ``logging.disable`` clear that cache, so a level change is seen at once.
    The level names are attributes too, so ``@log_function_call(level=logger.DEBUG)`` reads as in the seed.
    """

    DEBUG = logging.DEBUG
    INFO = logging.INFO
    WARNING = logging.WARNING
    ERROR = logging.ERROR
    CRITICAL = logging.CRITICAL

    # False for a subclass that overrides makeRecord: its records must come from its own makeRecord.
    _builds_own_records = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._builds_own_records = cls.makeRecord is logging.Logger.makeRecord

    debug = _level_method(logging.DEBUG, "debug")
    info = _level_method(logging.INFO, "info")
    warning = _level_method(logging.WARNING, "warning")
    error = _level_method(logging.ERROR, "error")
    critical = fatal = _level_method(logging.CRITICAL, "critical")

    def exception(self, msg: object, *args: object, exc_info: Any = True, **kwargs: Any) -> None:
        self.error(msg, *args, exc_info=exc_info, **kwargs)

    def _log(
        self,
        level: int,
        msg: object,
        args: Any,
        exc_info: Any = None,
        extra: dict[str, Any] | None = None,
        stack_info: bool = False,
        stacklevel: int = 1,
    ) -> None:
        if stack_info or logging._logRecordFactory is not _LogRecord or not self._builds_own_records:  # type: ignore[attr-defined]
            # Customised record creation, or a stack to format: the stdlib's way, told to skip our frames.
            ours, frame = 0, sys._getframe(0)
            while frame is not None and frame.f_code.co_filename == __file__:
                ours, frame = ours + 1, frame.f_back
            super()._log(level, msg, args, exc_info, extra, stack_info, stacklevel + ours)
            return
        if exc_info:
            if isinstance(exc_info, BaseException):
                exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
            elif not isinstance(exc_info, tuple):
                exc_info = sys.exc_info()
        # Called from debug()/info()/...: two frames up is the caller. Anything else takes the general walk.
        frame = sys._getframe(2)
        if stacklevel != 1 or frame.f_code.co_filename in INTERNAL_FILES:
            frame = caller_frame(stacklevel)
        record = make_record(self.name, level, msg, args, exc_info, extra, frame)
        if self.filters or self.disabled:
            self.handle(record)
        else:
            self.callHandlers(record)


def get_logger(name: str | None = None) -> logging.Logger:
    """The logger called ``name`` (the root logger for ``None``), created as a ``VigilLogger`` if new.

    A logger some library already created keeps its class: it works the same, only without the fast path.
    """
    if name is None or name == "root":
        return logging.getLogger()
    manager = logging.Logger.manager
    with logging._lock:  # type: ignore[attr-defined]
        existing = manager.loggerDict.get(name)
        if isinstance(existing, logging.Logger):
            return existing
        previous = manager.loggerClass
        manager.loggerClass = VigilLogger
        try:
            return manager.getLogger(name)
        finally:
            manager.loggerClass = previous
