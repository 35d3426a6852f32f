"""Requests generated from botocore's service models never make the server fail: every operation
Vigil implements, over every protocol its service speaks, answers a 2xx or an AWS-shaped 4xx with one
of AWS's codes, whatever the members hold (in or out of the model's constraints, of the wrong type,
missing or unknown). And every input shape of the three models compiles into a validator."""

from __future__ import annotations

import base64
import contextlib
import json
import math
import re
import time
from collections.abc import Iterator
from typing import Any

import botocore.model
import cbor2
import httpx
import pytest
from aws_wire import QUERY_VERSION, Wire, assert_answered, read_error, request_for, send
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.errors import ServiceError
from vigil.server.protocols import model
from vigil.server.protocols.validate import validate_input
from vigil.server.services.cloudwatch import CloudWatchService
from vigil.server.services.logs import LogsService
from vigil.server.services.logs_patterns import LogsPatternsService
from vigil.server.services.logs_queries import LogsQueriesService
from vigil.server.services.sns import SnsService
from vigil.testing import VigilServer

WIRES: tuple[Wire, ...] = ("json", "query", "cbor")
PROTOCOL_WIRE: dict[str, Wire] = {"json": "json", "query": "query", "smithy-rpc-v2-cbor": "cbor"}
MAX_STRING = 40  # longer strings teach nothing more and slow every example
NAMES = ["fuzz", "fuzz-stream", "arn:aws:logs:us-east-1:000000000000:log-group:fuzz", "AWS/EC2", "f/0/s"]
SEEDED = {  # members that name what the ``seeded`` fixture created
    "logGroupName": "fuzz",
    "logGroupIdentifier": "fuzz",
    "logStreamName": "fuzz-stream",
    "resourceArn": "arn:aws:logs:us-east-1:000000000000:log-group:fuzz",
}
PROTOCOL_CODES = {
    "SerializationException",
    "UnknownOperationException",
    "InvalidAction",
    "MissingAction",
    "MalformedQueryString",
}


def _implemented(service: type[Any]) -> list[str]:
    """The operations a service class declares, read from the class so a new one is fuzzed at once."""
    found = (getattr(getattr(service, name), "__vigil_operation__", None) for name in dir(service))
    return sorted(op for op in found if op)


def _targets() -> Iterator[Any]:
    for service in (LogsService, LogsPatternsService, LogsQueriesService, CloudWatchService, SnsService):
        service_name = service.name
        wires = [PROTOCOL_WIRE[p] for p in model.service_model(service_name).metadata["protocols"]]
        for operation in _implemented(service):
            for wire in wires:
                yield pytest.param(service_name, operation, wire, id=f"{service_name}-{operation}-{wire}")


def _aws_codes(service: str) -> set[str]:
    """Every code a client of ``service`` may be answered with: its modeled errors by shape name (JSON
    and CBOR) and by query code, and the protocol layer's own."""
    codes = set(PROTOCOL_CODES)
    for shape in model.service_model(service).error_shapes:
        codes.add(shape.name)
        codes.add(shape.metadata.get("error", {}).get("code", shape.name))
    return codes


# ---- values from shapes ----------------------------------------------------------------------------------
#
# Each example is drawn in one of two moods. A lawful one keeps every member within the model (required
# members present, strings of the pattern or enum, numbers in range, often the names of the seeded
# resources), so requests get past validation into the handlers and the store. A hostile one breaks the
# model anywhere: wrong types, values past every bound, missing required and unknown members.

JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
INT_RANGE = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
NOW_MS = int(time.time() * 1000)


def _bounds(shape: botocore.model.Shape) -> tuple[int | None, int | None]:
    return shape.metadata.get("min"), shape.metadata.get("max")


def _pattern(shape: botocore.model.Shape) -> re.Pattern[str] | None:
    try:
        return re.compile(shape.metadata["pattern"]) if shape.metadata.get("pattern") else None
    except re.error:  # a Java-only construct
        return None


def _fits(shape: botocore.model.Shape, text: str) -> bool:
    low, high = _bounds(shape)
    pattern = _pattern(shape)
    return (low or 0) <= len(text) <= (high or MAX_STRING) and (pattern is None or bool(pattern.fullmatch(text)))


def _strings(shape: botocore.model.Shape, hostile: bool) -> st.SearchStrategy[Any]:
    low, high = _bounds(shape)
    enum, pattern = shape.metadata.get("enum"), _pattern(shape)
    short = min(high or MAX_STRING, MAX_STRING)
    if not hostile:
        if enum:
            return st.sampled_from(enum)
        lawful: st.SearchStrategy[str] = (
            st.from_regex(pattern, fullmatch=True) if pattern else st.text(min_size=low or 0, max_size=short)
        )
        lawful = lawful.filter(lambda text: _fits(shape, text))
        names = [n for n in NAMES if _fits(shape, n)]
        return st.one_of(st.sampled_from(names), st.sampled_from(names), lawful) if names else lawful
    choices: list[st.SearchStrategy[Any]] = [
        st.sampled_from(NAMES),
        st.text(min_size=max((low or 0) - 1, 0), max_size=short),
    ]
    if high is not None:
        choices.append(st.just("x" * (high + 1)))
    if enum:
        choices.append(st.sampled_from(enum))
    return st.one_of(choices)


def _integers(shape: botocore.model.Shape, hostile: bool) -> st.SearchStrategy[Any]:
    low, high = _bounds(shape)
    floor, ceiling = INT_RANGE[shape.type_name]
    floor, ceiling = max(floor, low if low is not None else floor), min(ceiling, high if high is not None else ceiling)
    lawful = st.integers(floor, min(ceiling, max(floor, 0) + 10**6))
    if shape.type_name == "long" and floor <= NOW_MS <= ceiling:  # timestamps in ms: recent ones are ingested
        lawful = st.one_of(lawful, st.integers(NOW_MS - 3_600_000, NOW_MS))
    if not hostile:
        return lawful
    edges = [0, -1, 1, 2**31 - 1, 2**31, -(2**31) - 1, 2**63 - 1, 2**63, -(2**63) - 1, 10**30]
    edges += [b + d for b in (low, high) if b is not None for d in (-1, 0, 1)]
    return st.one_of(lawful, st.sampled_from(edges), st.integers())


def _scalar(shape: botocore.model.Shape, hostile: bool) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    if kind == "string":
        return _strings(shape, hostile)
    if kind in INT_RANGE:
        return _integers(shape, hostile)
    if kind == "boolean":
        return st.booleans()
    if kind in ("double", "float"):
        return st.floats(allow_nan=hostile, allow_infinity=hostile) | st.integers(-(10**6), 10**6)
    if kind == "timestamp":
        lawful = st.integers(NOW_MS // 1000 - 86_400, NOW_MS // 1000)
        return lawful | st.floats() | st.just("2024-01-01T00:00:00Z") if hostile else lawful
    if kind == "blob":
        return st.binary(max_size=16)
    return JUNK


def values(shape: botocore.model.Shape, hostile: bool, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values for ``shape``: lawful ones, or (hostile) mostly of its type but past its constraints, and
    sometimes anything at all."""
    if depth > 5:  # only a recursive shape goes this deep
        return JUNK
    kind = shape.type_name
    low, high = _bounds(shape)
    if kind == "structure":
        typed: st.SearchStrategy[Any] = _structures(shape, hostile, depth)
    elif kind == "list":
        size = (0, min((high or 4) + 1, 5)) if hostile else (low or 0, min(high or 3, 3))
        typed = st.lists(values(shape.member, hostile, depth + 1), min_size=size[0], max_size=max(size))
    elif kind == "map":
        size = (0, min((high or 3) + 1, 4)) if hostile else (low or 0, min(high or 3, 3))
        keys = _strings(shape.key, hostile)
        typed = st.dictionaries(keys, values(shape.value, hostile, depth + 1), min_size=size[0], max_size=max(size))
    else:
        typed = _scalar(shape, hostile)
    return st.one_of(typed, typed, typed, JUNK) if hostile else typed


@st.composite
def _structures(draw: st.DrawFn, shape: botocore.model.Shape, hostile: bool, depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    required = set(shape.required_members)
    members = list(shape.members.items())
    if shape.metadata.get("union") and not hostile:
        members = [draw(st.sampled_from(members))]
        required = {members[0][0]}
    for name, member in members:
        if hostile:
            present = draw(st.integers(0, 9)) < (9 if name in required else 4)
        else:  # few optional members, and no made-up paging tokens, so that lawful requests reach the handler
            present = name in required or ("Token" not in name and draw(st.integers(0, 9)) < 3)
        if present:
            strategy = values(member, hostile, depth + 1)
            if not hostile and name in SEEDED:
                strategy = st.one_of(st.just(SEEDED[name]), strategy)
            out[name] = draw(strategy)
    if hostile and draw(st.integers(0, 4)) == 0:
        extra = st.text(min_size=1, max_size=8).filter(lambda key: key not in shape.members)
        out.update(draw(st.dictionaries(extra, JUNK, max_size=2)))
    return out


def requests_for(shape: botocore.model.Shape | None) -> st.SearchStrategy[Any]:
    if shape is None:
        return JUNK
    return st.booleans().flatmap(lambda hostile: values(shape, hostile))


# ---- encoding a generated value per wire ---------------------------------------------------------------


def _json_body(value: Any) -> bytes:
    # the standard library, not orjson: it writes integers of any size, NaN and Infinity, which a client
    # could send and the server must refuse
    def blobs(item: Any) -> Any:
        if isinstance(item, bytes):
            return base64.b64encode(item).decode()
        raise TypeError(type(item).__name__)

    return json.dumps(value, default=blobs).encode()


def _form(shape: botocore.model.Shape | None, value: Any, prefix: str, out: dict[str, str]) -> None:
    """``value`` as awsQuery form fields, following ``shape`` where the value fits it."""
    kind = shape.type_name if shape is not None else None
    if isinstance(value, dict):
        if kind == "map":
            for i, (key, item) in enumerate(value.items(), start=1):
                _form(shape.key, key, f"{prefix}.entry.{i}.key", out)
                _form(shape.value, item, f"{prefix}.entry.{i}.value", out)
            return
        members = shape.members if kind == "structure" else {}
        for key, item in value.items():
            member = members.get(key)
            name = member.serialization.get("name", key) if member is not None else key
            _form(member, item, f"{prefix}.{name}" if prefix else name, out)
    elif isinstance(value, list):
        member = shape.member if kind == "list" else None
        flat = kind == "list" and shape.serialization.get("flattened")
        tag = member.serialization.get("name", "member") if member is not None else "member"
        for i, item in enumerate(value, start=1):
            _form(member, item, f"{prefix}.{i}" if flat else f"{prefix}.{tag}.{i}", out)
        if not value:
            out[prefix] = ""
    elif value is None:
        return
    elif isinstance(value, bool):
        out[prefix] = "true" if value else "false"
    elif isinstance(value, bytes):
        out[prefix] = base64.b64encode(value).decode()
    elif isinstance(value, float) and not math.isfinite(value):
        out[prefix] = str(value)
    else:
        out[prefix] = str(value)


def _request(wire: Wire, service: str, operation: str, params: Any) -> httpx.Request:
    if wire == "json":
        return request_for("json", service, operation, _json_body(params))
    if wire == "cbor":
        return request_for("cbor", service, operation, cbor2.dumps(params))
    form: dict[str, str] = {}
    _form(model.operation_model(service, operation).input_shape, params, "", form)
    form = {"Action": operation, "Version": QUERY_VERSION[service], **{k: v for k, v in form.items() if k}}
    return request_for("query", service, operation, form)


# ---- the property ------------------------------------------------------------------------------------------


@pytest.fixture
def seeded(vigil: VigilServer) -> VigilServer:
    """A clean server with a group and a stream the generated names often hit, so requests reach the
    handlers' paths beyond "not found"."""
    logs = vigil.client("logs")
    logs.create_log_group(logGroupName="fuzz")
    logs.create_log_stream(logGroupName="fuzz", logStreamName="fuzz-stream")
    return vigil


@pytest.mark.parametrize(("service", "operation", "wire"), list(_targets()))
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_a_generated_request_is_served_or_refused_in_aws_shape(
    seeded: VigilServer, service: str, operation: str, wire: Wire, data: st.DataObject
) -> None:
    shape = model.operation_model(service, operation).input_shape
    params = data.draw(requests_for(shape), label="params")
    response = send(seeded.endpoint_url, _request(wire, service, operation, params))
    assert_answered(response, wire)
    if response.status_code >= 400:
        assert read_error(response, wire).code in _aws_codes(service)


def test_every_implemented_operation_is_fuzzed() -> None:
    fuzzed = {(s, op) for s, op, _ in (p.values for p in _targets())}
    assert {("logs", "PutLogEvents"), ("logs", "TestMetricFilter"), ("logs", "StartQuery")} <= fuzzed
    assert {("cloudwatch", "ListMetrics"), ("sns", "ListTopics")} <= fuzzed
    assert {w for s, op, w in (p.values for p in _targets()) if s == "cloudwatch"} == set(WIRES)


# ---- every model input compiles ----------------------------------------------------------------------------


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("service", ["logs", "cloudwatch", "sns"])
def test_every_input_shape_of_the_model_compiles_into_a_validator(service: str, wire: Wire) -> None:
    service_model = model.service_model(service)
    compiled = 0
    for name in service_model.operation_names:
        shape = service_model.operation_model(name).input_shape
        if shape is None:
            continue
        with contextlib.suppress(ServiceError):  # required members are missing: the validator was built and ran
            validate_input(service, shape, {}, wire)
        compiled += 1
    assert compiled > 10


def _unions(shape: botocore.model.Shape, seen: set[str]) -> Iterator[str]:
    if shape.name in seen:
        return
    seen.add(shape.name)
    if shape.metadata.get("union"):
        yield shape.name
    if shape.type_name == "structure":
        for member in shape.members.values():
            yield from _unions(member, seen)
    elif shape.type_name == "list":
        yield from _unions(shape.member, seen)
    elif shape.type_name == "map":
        yield from _unions(shape.value, seen)


def test_the_compiled_models_hold_union_shapes() -> None:
    # the compile test above is only a union test while the models it compiles hold unions
    found: set[str] = set()
    for service in ("logs", "cloudwatch"):
        service_model = model.service_model(service)
        for name in service_model.operation_names:
            shape = service_model.operation_model(name).input_shape
            if shape is not None:
                found.update(_unions(shape, set()))
    assert {"ResourceConfig", "EvaluationCriteria"} <= found


# A recursive, union-holding model no AWS service ships today, to prove the validator builds and walks one.
SYNTHETIC = botocore.model.ServiceModel(
    {
        "metadata": {"protocol": "json", "apiVersion": "2020-01-01", "jsonVersion": "1.1", "serviceId": "Synthetic"},
        "operations": {
            "Walk": {"name": "Walk", "http": {"method": "POST", "requestUri": "/"}, "input": {"shape": "VigilTree"}}
        },
        "shapes": {
            "VigilTree": {
                "type": "structure",
                "required": ["label"],
                "members": {
                    "label": {"shape": "VigilLabel"},
                    "children": {"shape": "VigilForest"},
                    "choice": {"shape": "VigilChoice"},
                },
            },
            "VigilForest": {"type": "list", "member": {"shape": "VigilTree"}},
            "VigilLabel": {"type": "string", "min": 1, "max": 8},
            "VigilChoice": {
                "type": "structure",
                "union": True,
                "members": {"leaf": {"shape": "VigilLabel"}, "tree": {"shape": "VigilTree"}},
            },
        },
    },
    service_name="synthetic",
)
TREE = SYNTHETIC.operation_model("Walk").input_shape


def _deep(depth: int) -> dict[str, Any]:
    tree: dict[str, Any] = {"label": "leaf"}
    for _ in range(depth):
        tree = {"label": "node", "children": [tree]}
    return tree


@pytest.mark.parametrize("wire", WIRES)
def test_a_recursive_shape_validates_a_nested_value(wire: Wire) -> None:
    value = {"label": "root", "children": [_deep(3)], "choice": {"tree": _deep(2)}}
    assert validate_input("logs", TREE, value, wire) == value


def test_a_violation_deep_in_a_recursive_shape_names_its_full_path() -> None:
    value = {"label": "root", "children": [{"label": "a", "children": [{"label": ""}]}]}
    with pytest.raises(ServiceError) as raised:
        validate_input("logs", TREE, value, "json")
    assert "at 'children.1.member.children.1.member.label'" in raised.value.message


def test_a_union_with_two_members_set_is_refused() -> None:
    with pytest.raises(ServiceError) as raised:
        validate_input("logs", TREE, {"label": "root", "choice": {"leaf": "x", "tree": {"label": "y"}}}, "json")
    assert raised.value.code == "InvalidParameterException"


def test_a_union_with_one_member_set_is_accepted() -> None:
    assert validate_input("logs", TREE, {"label": "root", "choice": {"leaf": "x"}}, "cbor")["choice"] == {"leaf": "x"}


def test_a_recursive_value_deeper_than_the_stack_is_a_serialization_exception() -> None:
    with pytest.raises(ServiceError) as raised:
        validate_input("logs", TREE, _deep(5000), "json")
    assert raised.value.code == "SerializationException"
