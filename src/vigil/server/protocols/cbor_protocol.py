"""Smithy RPC v2 CBOR: ``POST /service/<Service>/operation/<Operation>`` with ``smithy-protocol``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import cbor2
from botocore.model import OperationModel

from vigil.errors import ServiceError
from vigil.server.protocols import model
from vigil.server.protocols.base import Protocol, Reply, WireCall

_HEADERS = {"content-type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}


def encode(value: Any) -> bytes:
    return cbor2.dumps(value, datetime_as_timestamp=True, timezone=dt.UTC)


class CborProtocol(Protocol):
    wire = "cbor"

    def read(self, path: str, headers: Mapping[str, str], body: bytes, signing_service: str | None) -> WireCall:
        parts = path.strip("/").split("/")
        if len(parts) != 4 or parts[0] != "service" or parts[2] != "operation":
            raise ServiceError("UnknownOperationException", f"Not an RPC v2 CBOR path: {path!r}")
        service_id, operation = parts[1], parts[3]
        service = model.service_for_target_prefix(service_id)
        if service is None or model.operation_model(service, operation) is None:
            raise ServiceError("UnknownOperationException", f"Unknown operation: {service_id}.{operation}")
        try:
            params = cbor2.loads(body) if body else {}
        except Exception as exc:  # cbor2 raises several unrelated types for bad input
            raise ServiceError("SerializationException", f"Malformed CBOR body: {exc}") from None
        return WireCall(service, operation, params)

    def result(self, call: WireCall, operation: OperationModel, result: dict[str, Any], request_id: str) -> Reply:
        return Reply(200, encode(result), dict(_HEADERS))

    def error(self, service: str, error: ServiceError, request_id: str) -> Reply:
        headers = dict(_HEADERS)
        if model.is_query_compatible(service):
            headers["x-amzn-query-error"] = f"{error.code};{'Sender' if error.sender else 'Receiver'}"
        body = {"__type": model.error_type_name(service, error.code), "message": error.message}
        return Reply(self.status_of(service, error), encode(body), headers)
