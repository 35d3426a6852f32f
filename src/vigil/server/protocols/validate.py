"""Model-driven request validation.

A validator is compiled once per shape into a closure tree, because PutLogEvents sends up to
10,000 structures per request and interpreting the model for each of them would dominate ingest.
Each protocol parser hands over its own native values (JSON numbers, query strings, CBOR items);
the validator converts scalars to Python types, checks every constraint of the model and collects
AWS-worded messages. Members the model does not know are dropped, as AWS ignores them.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
import re
import reprlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from botocore.model import Shape

from vigil.errors import ServiceError
from vigil.server.protocols.columns import column_check
from vigil.server.protocols.model import SERVICES

Wire = Literal["json", "query", "cbor"]
Check = Callable[[Any, str, "Problems"], Any]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass
class Problems:
    """What is wrong with a request, in the two kinds AWS distinguishes."""

    wire_errors: list[str] = field(default_factory=list)  # wrong types: the body could not be read
    constraint_errors: list[str] = field(default_factory=list)  # AWS's "N validation errors detected"
    missing: list[str] = field(default_factory=list)


def validate_input(service: str, shape: Shape | None, value: Any, wire: Wire) -> dict[str, Any]:
    """Return the request's members as Python values, or raise the ServiceError AWS would."""
    if shape is None:
        return {}
    if value is None:
        value = {}
    problems = Problems()
    spec = SERVICES[service]
    try:
        result = _compile(service, shape, wire)(value, "", problems)
    except RecursionError:  # a recursive shape filled as deep as the parser allows outruns Python's stack
        problems.wire_errors.insert(0, "The request nests values deeper than the service accepts.")
    if problems.wire_errors:
        if wire == "query":
            raise ServiceError(spec.validation_code, problems.wire_errors[0])
        raise ServiceError("SerializationException", problems.wire_errors[0])
    if problems.missing and spec.missing_code != spec.validation_code:
        raise ServiceError(spec.missing_code, f"The parameter {problems.missing[0]} is required.")
    errors = [f"Value null at '{p}' failed to satisfy constraint: Member must not be null" for p in problems.missing]
    errors += problems.constraint_errors
    if errors:
        noun = "error" if len(errors) == 1 else "errors"
        raise ServiceError(spec.validation_code, f"{len(errors)} validation {noun} detected: " + "; ".join(errors))
    return result


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


# Bounded depth and width: a plain repr of a client's deeply nested or huge value recurses past
# Python's limit or builds megabytes only to be cut to 200 characters.
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 6, 200, 200
_REPR.maxlist = _REPR.maxdict = _REPR.maxtuple = _REPR.maxset = _REPR.maxfrozenset = 20


def _show(value: Any) -> str:
    try:
        text = value if isinstance(value, str) else _REPR.repr(value)
    except ValueError:  # an integer past Python's 4,300-digit conversion limit
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 200 else text[:200] + "..."


_compiled: dict[tuple[str, str, Wire], Check] = {}


def _compile(service: str, shape: Shape, wire: Wire) -> Check:
    """The validator of a named shape, built once. A placeholder goes in first, so that recursive
    shapes refer to themselves instead of recursing forever."""
    key = (service, shape.name, wire)
    found = _compiled.get(key)
    if found is not None:
        return found
    _compiled[key] = lambda value, path, problems: _compiled[key](value, path, problems)
    kind = shape.type_name
    if kind == "structure":
        check = _structure(service, shape, wire)
    elif kind == "list":
        check = _list(service, shape, wire)
    elif kind == "map":
        check = _map(service, shape, wire)
    else:
        check = _scalar(shape, wire)
    _compiled[key] = check
    return check


def _structure(service: str, shape: Shape, wire: Wire) -> Check:
    members = {name: _compile(service, member, wire) for name, member in shape.members.items()}
    required = tuple(shape.required_members)
    union = bool(shape.metadata.get("union"))

    def check(value: Any, path: str, problems: Problems) -> Any:
        if not isinstance(value, dict):
            problems.wire_errors.append(f"Expected an object at '{path or 'body'}', got {type(value).__name__}")
            return None
        out = {}
        for key, item in value.items():
            validator = members.get(key)
            if validator is None or item is None:
                continue
            out[key] = validator(item, _join(path, key), problems)
        for name in required:
            if name not in out:
                problems.missing.append(_join(path, name))
        if union and len(out) > 1:
            problems.constraint_errors.append(f"Only one member of '{path}' may be set")
        return out

    return check


_COLUMNS_FROM = 8


def _list(service: str, shape: Shape, wire: Wire) -> Check:
    member = _compile(service, shape.member, wire)
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    columns = column_check(service, shape.member, wire)

    def check(value: Any, path: str, problems: Problems) -> Any:
        if wire == "query" and value == "":
            value = []  # awsQuery sends an empty list as "Name="
        if not isinstance(value, list):
            problems.wire_errors.append(f"Expected a list at '{path}', got {type(value).__name__}")
            return None
        _check_size(value, len(value), path, low, high, problems)
        # Column by column for long lists; a short one is cheaper item by item.
        if columns is not None and len(value) >= _COLUMNS_FROM and columns(value) is not None:
            return value
        return [member(item, f"{path}.{i + 1}.member", problems) for i, item in enumerate(value)]

    return check


def _map(service: str, shape: Shape, wire: Wire) -> Check:
    key_check = _compile(service, shape.key, wire)
    value_check = _compile(service, shape.value, wire)
    low, high = shape.metadata.get("min"), shape.metadata.get("max")

    def check(value: Any, path: str, problems: Problems) -> Any:
        if not isinstance(value, dict):
            problems.wire_errors.append(f"Expected a map at '{path}', got {type(value).__name__}")
            return None
        _check_size(value, len(value), path, low, high, problems)
        return {key_check(k, path, problems): value_check(v, f"{path}.{k}", problems) for k, v in value.items()}

    return check


def _check_size(value: Any, size: int, path: str, low: int | None, high: int | None, problems: Problems) -> None:
    if low is not None and size < low:
        problems.constraint_errors.append(
            f"Value '{_show(value)}' at '{path}' failed to satisfy constraint: "
            f"Member must have length greater than or equal to {low}"
        )
    if high is not None and size > high:
        problems.constraint_errors.append(
            f"Value '{_show(value)}' at '{path}' failed to satisfy constraint: "
            f"Member must have length less than or equal to {high}"
        )


def _pattern(shape: Shape) -> re.Pattern[str] | None:
    pattern = shape.metadata.get("pattern")
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error:  # a Java-only construct; AWS still checks it, we cannot
        return None


def _scalar(shape: Shape, wire: Wire) -> Check:
    kind = shape.type_name
    convert = _CONVERTERS[kind](wire)
    enum = frozenset(shape.metadata["enum"]) if shape.metadata.get("enum") else None
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    pattern = _pattern(shape) if kind == "string" else None
    sized = kind in ("string", "blob")

    def check(value: Any, path: str, problems: Problems) -> Any:
        try:
            value = convert(value)
        except (TypeError, ValueError, OverflowError, binascii.Error):
            problems.wire_errors.append(f"Value '{_show(value)}' at '{path}' is not a valid {kind}")
            return None
        if sized:
            _check_size(value, len(value), path, low, high, problems)
        elif low is not None and value < low:
            problems.constraint_errors.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must have value greater than or equal to {low}"
            )
        elif high is not None and value > high:
            problems.constraint_errors.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must have value less than or equal to {high}"
            )
        if enum is not None and value not in enum:
            problems.constraint_errors.append(
                f"Value '{_show(value)}' at '{path}' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(sorted(enum))}]"
            )
        if pattern is not None and pattern.fullmatch(value) is None:
            problems.constraint_errors.append(
                f"Value '{_show(value)}' at '{path}' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {pattern.pattern}"
            )
        return value

    return check


def _string(wire: Wire) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if not isinstance(value, str):
            raise TypeError
        return value

    return convert


def _integer_of(bits: int) -> Callable[[Wire], Callable[[Any], int]]:
    """Smithy's integer is 32 bits and its long 64: a number beyond that cannot be read, as in AWS's
    deserializers, and would otherwise reach the store and fail there."""
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def factory(wire: Wire) -> Callable[[Any], int]:
        def convert(value: Any) -> int:
            if wire == "query" and isinstance(value, str):
                number = int(value)
            elif isinstance(value, bool):
                raise TypeError
            elif isinstance(value, float) and value.is_integer():
                number = int(value)
            elif isinstance(value, int):
                number = value
            else:
                raise TypeError
            if not low <= number <= high:
                raise OverflowError
            return number

        return convert

    return factory


def _float(wire: Wire) -> Callable[[Any], float]:
    def convert(value: Any) -> float:
        if wire == "query" and isinstance(value, str):
            return float(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            if wire != "query" and value in ("NaN", "Infinity", "-Infinity"):
                return float(value)
            raise TypeError
        return float(value)

    return convert


def _boolean(wire: Wire) -> Callable[[Any], bool]:
    def convert(value: Any) -> bool:
        if wire == "query" and value in ("true", "false"):
            return value == "true"
        if not isinstance(value, bool):
            raise TypeError
        return value

    return convert


def _timestamp(wire: Wire) -> Callable[[Any], dt.datetime]:
    def convert(value: Any) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        if isinstance(value, bool):
            raise TypeError
        if isinstance(value, int | float):
            if not math.isfinite(value):
                raise ValueError
            return _EPOCH + dt.timedelta(seconds=value)
        if isinstance(value, str):
            try:
                return _EPOCH + dt.timedelta(seconds=float(value))
            except ValueError:
                parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        raise TypeError

    return convert


def _blob(wire: Wire) -> Callable[[Any], bytes]:
    def convert(value: Any) -> bytes:
        if isinstance(value, bytes):
            return value
        if isinstance(value, str):
            return base64.b64decode(value, validate=True)
        raise TypeError

    return convert


_CONVERTERS: dict[str, Callable[[Wire], Callable[[Any], Any]]] = {
    "string": _string,
    "integer": _integer_of(32),
    "long": _integer_of(64),
    "float": _float,
    "double": _float,
    "boolean": _boolean,
    "timestamp": _timestamp,
    "blob": _blob,
}
