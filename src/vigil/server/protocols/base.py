"""What every wire protocol provides: read a request, write a result or an error."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.model import OperationModel

from vigil.errors import ServiceError
from vigil.server.protocols import model
from vigil.server.protocols.validate import Wire


@dataclass(frozen=True)
class WireCall:
    """A request as the protocol read it: which operation of which service, and its raw members."""

    service: str
    operation: str
    params: Any


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class Protocol(ABC):
    wire: Wire

    @abstractmethod
    def read(self, path: str, headers: Mapping[str, str], body: bytes, signing_service: str | None) -> WireCall:
        """Name the operation and decode its members, or raise ServiceError."""

    @abstractmethod
    def result(self, call: WireCall, operation: OperationModel, result: dict[str, Any], request_id: str) -> Reply:
        """Encode an operation's result as this protocol's response."""

    @abstractmethod
    def error(self, service: str, error: ServiceError, request_id: str) -> Reply:
        """Encode an error as this protocol's error response."""

    def status_of(self, service: str, error: ServiceError) -> int:
        return error.status or model.error_status(service, error.code)
