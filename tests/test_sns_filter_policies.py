"""The filter-policy language, operator by operator, on the engine's compiled policies (the server applies the
same objects at Publish: tests/test_sns_publish.py). Cases follow AWS's "Amazon SNS message filtering" pages."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from vigil.engine.notifications.filter_policy import accepts, compile_policy
from vigil.errors import ServiceError


def _string(value: str) -> dict[str, str]:
    return {"DataType": "String", "StringValue": value}


def _number(value: str) -> dict[str, str]:
    return {"DataType": "Number", "StringValue": value}


def _array(values: list[Any]) -> dict[str, str]:
    return {"DataType": "String.Array", "StringValue": orjson.dumps(values).decode()}


ATTRIBUTE_CASES = [
    # (policy, attributes, matches)
    ({"color": ["red"]}, {"color": _string("red")}, True),
    ({"color": ["red"]}, {"color": _string("Red")}, False),
    ({"color": ["red", "blue"]}, {"color": _string("blue")}, True),
    ({"color": ["red"]}, {}, False),
    ({"color": ["red"]}, {"color": _array(["green", "red"])}, True),
    ({"color": [{"prefix": "bl"}]}, {"color": _string("blue")}, True),
    ({"color": [{"prefix": "bl"}]}, {"color": _string("able")}, False),
    ({"color": [{"suffix": "ue"}]}, {"color": _string("blue")}, True),
    ({"color": [{"suffix": "ue"}]}, {"color": _string("blues")}, False),
    ({"color": [{"equals-ignore-case": "RED"}]}, {"color": _string("rEd")}, True),
    ({"color": [{"anything-but": ["red", "blue"]}]}, {"color": _string("green")}, True),
    ({"color": [{"anything-but": ["red", "blue"]}]}, {"color": _string("red")}, False),
    ({"color": [{"anything-but": "red"}]}, {}, False),
    ({"color": [{"anything-but": {"prefix": "re"}}]}, {"color": _string("red")}, False),
    ({"color": [{"anything-but": {"prefix": "re"}}]}, {"color": _string("blue")}, True),
    ({"color": [{"anything-but": {"suffix": "ed"}}]}, {"color": _string("red")}, False),
    ({"price": [{"anything-but": [100, 500]}]}, {"price": _number("101")}, True),
    ({"price": [{"anything-but": [100, 500]}]}, {"price": _number("100")}, False),
    ({"price": [{"numeric": ["=", 301.5]}]}, {"price": _number("3.015e2")}, True),
    ({"price": [{"numeric": [">", 0, "<=", 150]}]}, {"price": _number("150")}, True),
    ({"price": [{"numeric": [">", 0, "<=", 150]}]}, {"price": _number("0")}, False),
    ({"price": [{"numeric": ["<", 0]}]}, {"price": _number("-1")}, True),
    ({"price": [{"numeric": [">=", 10]}]}, {"price": _string("10")}, False),  # a String is not a number
    ({"price": [100]}, {"price": _number("100.0")}, True),
    ({"store": [{"exists": True}]}, {"store": _string("x")}, True),
    ({"store": [{"exists": True}]}, {}, False),
    ({"store": [{"exists": False}]}, {}, True),
    ({"store": [{"exists": False}]}, {"store": _string("x")}, False),
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": _string("10.0.0.255")}, True),
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": _string("10.0.1.0")}, False),
    ({"color": ["red"], "size": ["L"]}, {"color": _string("red"), "size": _string("M")}, False),
    (
        {"color": ["red"], "$or": [{"size": ["L"]}, {"fit": ["slim"]}]},
        {"color": _string("red"), "fit": _string("slim")},
        True,
    ),
    ({"color": ["red"], "$or": [{"size": ["L"]}, {"fit": ["slim"]}]}, {"color": _string("red")}, False),
    ({"color": ["red"]}, {"color": {"DataType": "Binary", "BinaryValue": "cmVk"}}, False),
]


@pytest.mark.parametrize(("policy", "attributes", "matches"), ATTRIBUTE_CASES)
def test_attribute_policy(policy: dict[str, Any], attributes: dict[str, Any], matches: bool) -> None:
    compiled = compile_policy(orjson.dumps(policy).decode(), "MessageAttributes")
    assert accepts(compiled, "body", attributes) is matches


BODY_CASES = [
    ({"alarm": {"state": ["ALARM"]}}, {"alarm": {"state": "ALARM"}}, True),
    ({"alarm": {"state": ["ALARM"]}}, {"alarm": {"state": "OK"}}, False),
    ({"alarm": {"state": ["ALARM"]}}, {"state": "ALARM"}, False),
    ({"a": {"b": {"c": [{"numeric": [">", 1]}]}}}, {"a": {"b": {"c": 2}}}, True),
    ({"tags": ["p1"]}, {"tags": ["p2", "p1"]}, True),
    ({"items": {"sku": ["x"]}}, {"items": [{"sku": "y"}, {"sku": "x"}]}, True),
    ({"flag": [True]}, {"flag": True}, True),
    ({"flag": [True]}, {"flag": "true"}, False),
    ({"gone": [None]}, {"gone": None}, True),
    ({"n": [{"numeric": [">", 1]}]}, {"n": "2"}, False),
    ({"missing": [{"exists": False}]}, {"other": 1}, True),
    ({"$or": [{"a": ["1"]}, {"b": {"c": ["2"]}}]}, {"b": {"c": "2"}}, True),
]


@pytest.mark.parametrize(("policy", "body", "matches"), BODY_CASES)
def test_body_policy(policy: dict[str, Any], body: dict[str, Any], matches: bool) -> None:
    compiled = compile_policy(orjson.dumps(policy).decode(), "MessageBody")
    assert accepts(compiled, orjson.dumps(body).decode(), {}) is matches


def test_a_body_that_is_not_a_json_object_never_matches() -> None:
    compiled = compile_policy('{"a": [{"exists": false}]}', "MessageBody")
    assert not accepts(compiled, "plain text", {})


@pytest.mark.parametrize(
    "policy",
    [
        "[]",
        '{"a": "b"}',
        '{"a": []}',
        '{"a": [{"numeric": [">", 1, ">", 2]}]}',
        '{"a": [{"numeric": ["=", 1e10]}]}',
        '{"a": [{"prefix": 1}]}',
        '{"a": [{"exists": "yes"}]}',
        '{"a": [{"prefix": "x", "suffix": "y"}]}',
        '{"$or": [{"a": ["b"]}]}',
        '{"a": [["nested list"]]}',
    ],
)
def test_malformed_policies_are_invalid_parameter(policy: str) -> None:
    with pytest.raises(ServiceError) as error:
        compile_policy(policy, "MessageBody")
    assert error.value.code == "InvalidParameter"
