"""``ErrorCapture``: a block whose failure is logged with the block's context and kept for the code after it.

The block's fields are bound to the request context while it runs, so that every record logged inside carries
them, the failure record included, and none logged after it does.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from contextvars import Token
from types import TracebackType
from typing import Any

from vigil.sdk.context import bind, reset_context
from vigil.sdk.logger import get_logger

ExceptionTypes = type[BaseException] | tuple[type[BaseException], ...]


class ErrorCapture:
    """``with`` / ``async with``: on an exception of one of ``exceptions``, log it (at ``level``, with the
    traceback and the block's fields), keep it in ``exception`` and suppress it, or let it go on if ``reraise``.

    Other exceptions pass through unlogged and are not kept, and so do KeyboardInterrupt, SystemExit and a
    task's cancellation even when ``exceptions`` names them. The logger is the one named after the module that
    creates the capture unless given.

    One instance may serve several blocks one after another (each starts with ``exception`` back to None), but
    not two at once: entering it while it is inside a block raises RuntimeError.
    """

    def __init__(
        self,
        component: str | None = None,
        *,
        reraise: bool = False,
        logger: logging.Logger | None = None,
        level: int = logging.ERROR,
        message: str | None = None,
        exceptions: ExceptionTypes = (Exception,),
        **context: Any,
    ) -> None:
        self.fields: Mapping[str, Any] = context if component is None else {"component": component, **context}
        self.reraise = reraise
        self.logger = logger or get_logger(sys._getframe(1).f_globals.get("__name__"))
        self.level = level
        self.message = message or (f"{component} failed" if component else "error captured")
        self.exceptions = exceptions
        self.exception: BaseException | None = None
        self._token: Token[Mapping[str, Any]] | None = None

    @property
    def failed(self) -> bool:
        """Whether the last block raised an exception this capture handled."""
        return self.exception is not None

    def __enter__(self) -> ErrorCapture:
        if self._token is not None:
            raise RuntimeError("this ErrorCapture is already inside a block: use one per block")
        self.exception = None
        self._token = bind(**self.fields)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> bool:
        return self._finish(error)

    async def __aenter__(self) -> ErrorCapture:
        return self.__enter__()

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> bool:
        return self._finish(error)

    def _finish(self, error: BaseException | None) -> bool:
        token, self._token = self._token, None
        assert token is not None, "__exit__ without __enter__"
        try:
            if error is None or not isinstance(error, self.exceptions) or not isinstance(error, Exception):
                return False
            self.exception = error
            # Logged before the context is reset, so the record carries the block's fields. stacklevel 3 skips
            # this method and __exit__ (or __aexit__) to the frame of the ``with`` statement.
            self.logger.log(self.level, self.message, exc_info=error, stacklevel=3)
            return not self.reraise
        finally:
            reset_context(token)
