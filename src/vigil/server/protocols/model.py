"""The botocore service models Vigil serves, and how a request names its service."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape


@dataclass(frozen=True)
class ServiceSpec:
    """What the protocol layer must know of one AWS service beyond its model."""

    name: str  # botocore's name: "logs", "cloudwatch", "sns"
    signing_name: str  # the service in a SigV4 credential scope
    validation_code: str  # AWS's code for a request that breaks a model constraint
    missing_code: str  # AWS's code for a missing required member
    aliases: tuple[str, ...] = field(default=())


SERVICES: dict[str, ServiceSpec] = {
    "logs": ServiceSpec("logs", "logs", "InvalidParameterException", "InvalidParameterException"),
    "cloudwatch": ServiceSpec("cloudwatch", "monitoring", "ValidationError", "MissingParameter"),
    "sns": ServiceSpec("sns", "sns", "InvalidParameter", "InvalidParameter"),
}


@functools.cache
def service_model(name: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(name)


@functools.cache
def _by_target_prefix() -> dict[str, str]:
    return {
        service_model(n).metadata["targetPrefix"]: n for n in SERVICES if "targetPrefix" in service_model(n).metadata
    }


@functools.cache
def _by_api_version() -> dict[str, str]:
    return {service_model(n).api_version: n for n in SERVICES}


@functools.cache
def _by_signing_name() -> dict[str, str]:
    return {spec.signing_name: n for n, spec in SERVICES.items()}


def service_for_target_prefix(prefix: str) -> str | None:
    return _by_target_prefix().get(prefix)


def service_for_api_version(version: str) -> str | None:
    return _by_api_version().get(version)


def service_for_signing_name(name: str) -> str | None:
    return _by_signing_name().get(name)


@functools.cache
def operation_model(service: str, operation: str) -> OperationModel | None:
    model = service_model(service)
    if operation not in model.operation_names:
        return None
    return model.operation_model(operation)


@functools.cache
def _error_shapes(service: str) -> dict[str, Shape]:
    """Error shapes by the code a client reads (the shape's ``error.code``, else its name)."""
    shapes: dict[str, Shape] = {}
    for shape in service_model(service).error_shapes:
        code = shape.metadata.get("error", {}).get("code", shape.name)
        shapes.setdefault(code, shape)
    return shapes


def error_status(service: str, code: str) -> int:
    shape = _error_shapes(service).get(code)
    if shape is None:
        return 400
    return int(shape.metadata.get("error", {}).get("httpStatusCode", 400))


def error_type_name(service: str, code: str) -> str:
    """The ``__type`` a JSON or CBOR client expects for ``code`` (the shape's name)."""
    shape = _error_shapes(service).get(code)
    return shape.name if shape is not None else code


def is_query_compatible(service: str) -> bool:
    return "awsQueryCompatible" in service_model(service).metadata
