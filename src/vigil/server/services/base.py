"""How a service module declares its operations: methods marked with the AWS operation name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vigil.engine.logs.scope import Scope

Params = dict[str, Any]
Result = dict[str, Any]


@dataclass(frozen=True)
class RequestContext:
    scope: Scope
    request_id: str


Handler = Callable[[RequestContext, Params], Result]


def with_next_token(out: Result, next_token: str | None) -> Result:
    """``out`` with ``nextToken`` when another page follows; AWS leaves the member out on the last page."""
    if next_token:
        out["nextToken"] = next_token
    return out


def operation(name: str) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    def mark(method: Callable[..., Result]) -> Callable[..., Result]:
        method.__vigil_operation__ = name  # type: ignore[attr-defined]
        return method

    return mark


class Service:
    """A set of operation handlers for one AWS service."""

    name: str

    def handlers(self) -> dict[str, Handler]:
        found: dict[str, Handler] = {}
        for attribute in dir(type(self)):
            method = getattr(self, attribute)
            op = getattr(method, "__vigil_operation__", None)
            if op is not None:
                found[op] = method
        return found
