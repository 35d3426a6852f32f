"""awsJson 1.0 and 1.1: ``POST /`` with ``X-Amz-Target: <TargetPrefix>.<Operation>``."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from typing import Any

import orjson
from botocore.model import OperationModel

from vigil.errors import ServiceError
from vigil.server.protocols import model
from vigil.server.protocols.base import Protocol, Reply, WireCall


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.timestamp()  # awsJson timestamps are epoch seconds
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f"cannot encode {type(value).__name__}")


def encode(value: Any) -> bytes:
    return orjson.dumps(value, default=_default, option=orjson.OPT_PASSTHROUGH_DATETIME)


def _content_type(service: str) -> str:
    return f"application/x-amz-json-{model.service_model(service).metadata.get('jsonVersion', '1.0')}"


class JsonProtocol(Protocol):
    wire = "json"

    def read(self, path: str, headers: Mapping[str, str], body: bytes, signing_service: str | None) -> WireCall:
        target = headers.get("x-amz-target", "")
        prefix, _, operation = target.rpartition(".")
        service = model.service_for_target_prefix(prefix)
        if service is None or not operation:
            raise ServiceError("UnknownOperationException", f"Unknown target: {target!r}")
        if model.operation_model(service, operation) is None:
            raise ServiceError("UnknownOperationException", f"Unknown operation: {operation!r}")
        try:
            params = orjson.loads(body) if body.strip() else {}
        except orjson.JSONDecodeError as exc:
            raise ServiceError("SerializationException", f"Malformed JSON body: {exc}") from None
        return WireCall(service, operation, params)

    def result(self, call: WireCall, operation: OperationModel, result: dict[str, Any], request_id: str) -> Reply:
        return Reply(200, encode(result), {"content-type": _content_type(call.service)})

    def error(self, service: str, error: ServiceError, request_id: str) -> Reply:
        headers = {"content-type": _content_type(service)}
        if model.is_query_compatible(service):
            headers["x-amzn-query-error"] = f"{error.code};{'Sender' if error.sender else 'Receiver'}"
        body = {"__type": model.error_type_name(service, error.code), "message": error.message}
        return Reply(self.status_of(service, error), encode(body), headers)
