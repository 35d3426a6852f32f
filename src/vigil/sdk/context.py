"""Request context: fields that ride along on every record logged inside a scope.

The context is an immutable mapping held in a ``ContextVar``, so each thread and each asyncio task sees its own,
and a task started inside a scope inherits the fields of that scope. Binding replaces the mapping instead of
mutating it, which is what makes that inheritance safe.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from contextvars import ContextVar, Token
from types import MappingProxyType
from typing import Any, TypeVar

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_fields: ContextVar[Mapping[str, Any]] = ContextVar("vigil_context", default=_EMPTY)

F = TypeVar("F", bound=Callable[..., Any])


# The fields bound in the current thread or task (read-only). The ContextVar's own method: it runs for every
# record, and a wrapper function would double its cost.
get_context: Callable[[], Mapping[str, Any]] = _fields.get


def bind(**fields: Any) -> Token[Mapping[str, Any]]:
    """Add fields to the current context until it ends; returns a token for ``reset_context``."""
    return _fields.set(MappingProxyType({**_fields.get(), **fields}))


def unbind(*keys: str) -> None:
    """Remove fields from the current context."""
    current = _fields.get()
    _fields.set(MappingProxyType({k: v for k, v in current.items() if k not in keys}))


def clear_context() -> None:
    _fields.set(_EMPTY)


def reset_context(token: Token[Mapping[str, Any]]) -> None:
    """Restore the context as it was before the ``bind`` that returned ``token``."""
    _fields.reset(token)


class request_context:
    """Bind fields for the duration of a ``with`` block or of each call of a decorated function (sync or async)."""

    def __init__(self, **fields: Any) -> None:
        self.fields = fields
        self._tokens: list[Token[Mapping[str, Any]]] = []

    def __enter__(self) -> Mapping[str, Any]:
        self._tokens.append(bind(**self.fields))
        return _fields.get()

    def __exit__(self, *exc: object) -> None:
        _fields.reset(self._tokens.pop())

    def __call__(self, function: F) -> F:
        fields = self.fields
        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                token = bind(**fields)
                try:
                    return await function(*args, **kwargs)
                finally:
                    _fields.reset(token)

            return run_async  # type: ignore[return-value]

        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            token = bind(**fields)
            try:
                return function(*args, **kwargs)
            finally:
                _fields.reset(token)

        return run  # type: ignore[return-value]
