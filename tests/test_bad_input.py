"""Bad input never yields a 5xx: malformed bodies, wrong types, unknown operations, oversized and
invalid-UTF-8 bodies, absurd limits and tokens, deep nesting, empty bodies and wrong content types each
get an AWS-shaped 4xx in the protocol the request spoke, and the server keeps answering."""

from __future__ import annotations

import base64
import itertools
import time
from collections.abc import Iterator
from typing import Any

import cbor2
import httpx
import orjson
import pytest
from aws_wire import (
    Wire,
    assert_answered,
    assert_client_error,
    cbor_request,
    json_request,
    query_request,
    read_error,
    send,
)

from vigil.testing import VigilServer

BODY_LIMIT = 8 * 1024 * 1024  # vigil serve's default --max-body-bytes


@pytest.fixture(scope="module")
def vigil() -> Iterator[VigilServer]:
    """One server for the module, not reset between tests: bad input changes no state, and the paged
    data below is read by a hundred tests."""
    with VigilServer("--ephemeral") as server:
        yield server


@pytest.fixture(scope="module", autouse=True)
def still_answering(vigil: VigilServer) -> Iterator[None]:
    """Whatever the tests sent, the server must answer an ordinary request afterwards. A server that
    fell over midway fails every later test as well, so one check at the end closes the gap."""
    yield
    response = send(vigil.endpoint_url, json_request("logs", "DescribeLogGroups", {}))
    assert response.status_code == 200, f"server no longer answers: {response.status_code} {response.content!r}"


def _wire_of(response: httpx.Response) -> Wire:
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("text/xml"):
        return "query"
    if content_type == "application/cbor":
        return "cbor"
    return "json"


def _now_ms() -> int:
    return int(time.time() * 1000)


def _logs(vigil: VigilServer, operation: str, body: Any) -> httpx.Response:
    return send(vigil.endpoint_url, json_request("logs", operation, body))


# ---- malformed JSON ----------------------------------------------------------------------------------

MALFORMED_JSON = {
    "unterminated": b"{",
    "close-only": b"}",
    "single-quotes": b"{'logGroupName': 'a'}",
    "missing-value": b'{"logGroupName":}',
    "trailing-comma": b'{"logGroupName": "a",}',
    "bare-word": b"nul",
    "leading-zero": b'{"limit": 01}',
    "nan": b'{"limit": NaN}',
    "infinity": b'{"limit": Infinity}',
    "number-beyond-double": b'{"limit": 1e400}',
    "integer-beyond-64-bits": b'{"limit": 100000000000000000000000000000}',
    "byte-order-mark": b"\xef\xbb\xbf{}",
    "nul-byte": b"\x00",
    "whitespace-then-garbage": b"   \n garbage",
    "two-documents": b"{}{}",
}


@pytest.mark.parametrize("body", MALFORMED_JSON.values(), ids=MALFORMED_JSON.keys())
def test_malformed_json_is_a_serialization_exception(vigil: VigilServer, body: bytes) -> None:
    error = assert_client_error(_logs(vigil, "DescribeLogGroups", body), "json")
    assert error.code == "SerializationException"


INVALID_UTF8_JSON = {
    "lone-continuation-byte": b'{"logGroupName": "\x80"}',
    "ff-byte": b'{"logGroupName": "a\xff"}',
    "truncated-sequence": b'{"logGroupName": "\xc3"}',
    "overlong-slash": b'{"logGroupName": "\xc0\xaf"}',
    "encoded-surrogate": b'{"logGroupName": "\xed\xa0\x80"}',
    "escaped-lone-surrogate": b'{"logGroupName": "\\ud800"}',
    "invalid-key": b'{"\xfflogGroupName": "a"}',
}


@pytest.mark.parametrize("body", INVALID_UTF8_JSON.values(), ids=INVALID_UTF8_JSON.keys())
def test_invalid_utf8_in_json_is_a_serialization_exception(vigil: VigilServer, body: bytes) -> None:
    error = assert_client_error(_logs(vigil, "CreateLogGroup", body), "json")
    assert error.code == "SerializationException"


# ---- wrong types -------------------------------------------------------------------------------------

WRONG_TYPES: dict[str, tuple[str, Any]] = {
    "string-for-integer": ("DescribeLogGroups", {"limit": "5"}),
    "fraction-for-integer": ("DescribeLogGroups", {"limit": 5.5}),
    "boolean-for-integer": ("DescribeLogGroups", {"limit": True}),
    "list-for-integer": ("DescribeLogGroups", {"limit": [5]}),
    "object-for-integer": ("DescribeLogGroups", {"limit": {"value": 5}}),
    "number-for-string": ("CreateLogGroup", {"logGroupName": 5}),
    "list-for-string": ("CreateLogGroup", {"logGroupName": ["a"]}),
    "object-for-string": ("CreateLogGroup", {"logGroupName": {"name": "a"}}),
    "boolean-for-string": ("CreateLogGroup", {"logGroupName": True}),
    "string-for-boolean": ("CreateLogGroup", {"logGroupName": "a", "deletionProtectionEnabled": "true"}),
    "number-for-boolean": ("CreateLogGroup", {"logGroupName": "a", "deletionProtectionEnabled": 1}),
    "list-for-map": ("CreateLogGroup", {"logGroupName": "a", "tags": ["k", "v"]}),
    "string-for-map": ("CreateLogGroup", {"logGroupName": "a", "tags": "k=v"}),
    "number-for-map-value": ("CreateLogGroup", {"logGroupName": "a", "tags": {"k": 5}}),
    "string-for-list": ("DescribeLogGroups", {"logGroupIdentifiers": "a"}),
    "object-for-list": ("DescribeLogGroups", {"logGroupIdentifiers": {"1": "a"}}),
    "structure-for-list": ("PutLogEvents", {"logGroupName": "g", "logStreamName": "s", "logEvents": {"message": "m"}}),
    "string-for-structure": ("PutLogEvents", {"logGroupName": "g", "logStreamName": "s", "logEvents": ["m"]}),
    "list-for-structure": ("PutLogEvents", {"logGroupName": "g", "logStreamName": "s", "logEvents": [[1, "m"]]}),
    "string-for-long": (
        "PutLogEvents",
        {"logGroupName": "g", "logStreamName": "s", "logEvents": [{"timestamp": "now", "message": "m"}]},
    ),
    "long-beyond-64-bits": (
        "PutLogEvents",
        {"logGroupName": "g", "logStreamName": "s", "logEvents": [{"timestamp": 2**64 - 1, "message": "m"}]},
    ),
    "integral-double-beyond-64-bits": ("FilterLogEvents", {"logGroupName": "g", "startTime": 1e300}),
    "list-for-body": ("DescribeLogGroups", []),
    "string-for-body": ("DescribeLogGroups", "logGroupName"),
    "number-for-body": ("DescribeLogGroups", 5),
    "boolean-for-body": ("DescribeLogGroups", True),
}


@pytest.mark.parametrize(("operation", "body"), WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_a_value_of_the_wrong_type_is_a_serialization_exception(vigil: VigilServer, operation: str, body: Any) -> None:
    error = assert_client_error(_logs(vigil, operation, body), "json")
    assert error.code == "SerializationException"


def test_a_null_member_counts_as_absent(vigil: VigilServer) -> None:
    assert _logs(vigil, "DescribeLogGroups", {"limit": None, "logGroupNamePrefix": None}).status_code == 200


def test_a_null_required_member_is_a_missing_member(vigil: VigilServer) -> None:
    error = assert_client_error(_logs(vigil, "CreateLogGroup", {"logGroupName": None}), "json")
    assert error.code == "InvalidParameterException"
    assert "Value null at 'logGroupName'" in error.message


def test_members_the_model_does_not_know_are_ignored(vigil: VigilServer) -> None:
    response = _logs(vigil, "DescribeLogGroups", {"noSuchMember": {"deep": [1, 2, {"x": None}]}, "Limit": "x"})
    assert response.status_code == 200, response.content


# ---- unknown operations and targets ------------------------------------------------------------------

UNKNOWN_TARGETS = {
    "unknown-operation": b"Logs_20140328.NoSuchOperation",
    "lower-cased-operation": b"Logs_20140328.describeLogGroups",
    "unknown-prefix": b"Logs_19990101.DescribeLogGroups",
    "no-operation": b"Logs_20140328.",
    "no-dot": b"Logs_20140328",
    "empty": b"",
    "very-long": b"Logs_20140328." + b"A" * 100_000,
    "utf8": "Logs_20140328.Describe\u00e9".encode(),
    "invalid-utf8": b"Logs_20140328.Describe\xff",
    "dots": b"....",
}


@pytest.mark.parametrize("target", UNKNOWN_TARGETS.values(), ids=UNKNOWN_TARGETS.keys())
def test_an_unknown_json_target_is_an_unknown_operation_exception(vigil: VigilServer, target: bytes) -> None:
    headers = [(b"x-amz-target", target), (b"content-type", b"application/x-amz-json-1.1")]
    with httpx.Client() as client:
        response = client.post(vigil.endpoint_url + "/", content=b"{}", headers=headers)
    assert assert_client_error(response, "json").code == "UnknownOperationException"


@pytest.mark.parametrize("operation", ["NoSuchOperation", "listMetrics", "A" * 10_000, "%00", "..%2F..%2Fetc"])
def test_an_unknown_cbor_operation_is_an_unknown_operation_exception(vigil: VigilServer, operation: str) -> None:
    error = assert_client_error(send(vigil.endpoint_url, cbor_request("cloudwatch", operation, {})), "cbor")
    assert error.code == "UnknownOperationException"


@pytest.mark.parametrize("service", ["sns", "cloudwatch"])
@pytest.mark.parametrize("action", ["NoSuchAction", "listTopics", "A" * 10_000, "List Topics"])
def test_an_unknown_query_action_is_invalid_action(vigil: VigilServer, service: str, action: str) -> None:
    error = assert_client_error(send(vigil.endpoint_url, query_request(service, action, {})), "query")
    assert error.code == "InvalidAction"


# ---- oversized bodies ----------------------------------------------------------------------------------

OVERSIZED: dict[str, tuple[Wire, httpx.Request, str | None]] = {
    "logs-json": ("json", json_request("logs", "PutLogEvents", b""), None),
    "cloudwatch-json": ("json", json_request("cloudwatch", "ListMetrics", b""), "RequestEntityTooLarge;Sender"),
    "cloudwatch-cbor": ("cbor", cbor_request("cloudwatch", "ListMetrics", b""), "RequestEntityTooLarge;Sender"),
    "sns-query": ("query", query_request("sns", "ListTopics", b""), None),
}


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize(("wire", "template", "query_error"), OVERSIZED.values(), ids=OVERSIZED.keys())
def test_a_body_over_the_limit_is_a_413_in_the_requests_protocol(
    vigil: VigilServer, wire: Wire, template: httpx.Request, query_error: str | None, streamed: bool
) -> None:
    body = b"Action=ListTopics&Version=2010-03-31&x=" if wire == "query" else b""
    body += b"a" * (BODY_LIMIT + 1 - len(body))

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 1 << 20):
            yield body[start : start + (1 << 20)]

    headers = {k: v for k, v in template.headers.items() if k not in ("content-length", "host")}
    url = httpx.URL(vigil.endpoint_url).join(template.url.raw_path.decode())
    with httpx.Client(timeout=60) as client:
        response = client.post(url, content=chunks() if streamed else body, headers=headers)
    error = read_error(response, wire)
    assert (error.status, error.code, error.query_error) == (413, "RequestEntityTooLarge", query_error)


def test_a_body_at_the_limit_is_read(vigil: VigilServer) -> None:
    padding = b" " * (BODY_LIMIT - 2)
    assert _logs(vigil, "DescribeLogGroups", b"{" + padding + b"}").status_code == 200


# ---- invalid UTF-8 and odd forms in awsQuery ---------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"Action=ListTopics&Version=2010-03-31&NextToken=\xff",
        b"Action=ListTopics&Version=2010-03-31&\xc3=1",
        b"Action=List\xedTopics&Version=2010-03-31",
    ],
    ids=["in-a-value", "in-a-key", "in-the-action"],
)
def test_invalid_utf8_in_a_query_body_is_a_client_error(vigil: VigilServer, body: bytes) -> None:
    response = send(vigil.endpoint_url, query_request("sns", "", body))
    assert assert_client_error(response, "query").code == "MalformedQueryString"
    assert 'xmlns="http://sns.amazonaws.com/doc/2010-03-31/"' in response.text


ODD_FORMS = {
    "percent-encoded-invalid-utf8": b"Action=ListTopics&Version=2010-03-31&NextToken=%FF%FE",
    "bad-percent-escape": b"Action=ListTopics&Version=2010-03-31&%zz=%",
    "repeated-action": b"Action=ListTopics&Action=DeleteTopic&Version=2010-03-31",
    "empty-pairs": b"&&&=&==&Action=ListTopics&Version=2010-03-31",
    "negative-index": b"Action=ListMetrics&Version=2010-08-01&Dimensions.member.-1.Name=a",
    "huge-index": b"Action=ListMetrics&Version=2010-08-01&Dimensions.member.99999999999999999999.Name=a",
    "scalar-and-structure": b"Action=ListMetrics&Version=2010-08-01&Dimensions.member.1=a&Dimensions.member.1.Name=b",
    "scalar-for-list": b"Action=ListMetrics&Version=2010-08-01&Dimensions=abc",
    "deep-key": b"Action=ListMetrics&Version=2010-08-01&Dimensions.member.1." + b"x." * 50_000 + b"Name=v",
    "non-boolean": b"Action=ListMetrics&Version=2010-08-01&IncludeLinkedAccounts=maybe",
    "many-fields": b"Action=ListTopics&Version=2010-03-31&" + b"&".join(b"f%d=%d" % (i, i) for i in range(50_000)),
    "no-equals": b"Action",
    "json-body": b'{"Action": "ListTopics"}',
}


@pytest.mark.parametrize("body", ODD_FORMS.values(), ids=ODD_FORMS.keys())
def test_an_odd_query_form_is_answered_without_a_server_error(vigil: VigilServer, body: bytes) -> None:
    assert_answered(send(vigil.endpoint_url, query_request("sns", "", body)), "query")


# ---- absurd limits ---------------------------------------------------------------------------------------

LIMITED_OPERATIONS: dict[str, tuple[dict[str, Any], int]] = {
    "DescribeLogGroups": ({}, 50),
    "ListLogGroups": ({}, 1000),
    "DescribeLogStreams": ({"logGroupName": "paged"}, 50),
    "GetLogEvents": ({"logGroupName": "paged", "logStreamName": "s1"}, 10_000),
    "FilterLogEvents": ({"logGroupName": "paged"}, 10_000),
}


@pytest.fixture(scope="module")
def paged(vigil: VigilServer) -> dict[str, str]:
    """Three groups, a group ``paged`` with three streams and three events in ``s1``, and a token from
    a real first page of one item of every logs paging operation."""
    logs = vigil.client("logs")
    for name in ("paged", "paged-2", "paged-3"):
        logs.create_log_group(logGroupName=name)
    for stream in ("s1", "s2", "s3"):
        logs.create_log_stream(logGroupName="paged", logStreamName=stream)
    now = _now_ms()
    events = [{"timestamp": now - 3000 + i, "message": f"event {i}"} for i in range(3)]
    logs.put_log_events(logGroupName="paged", logStreamName="s1", logEvents=events)
    return {
        "DescribeLogGroups": logs.describe_log_groups(limit=1)["nextToken"],
        "ListLogGroups": logs.list_log_groups(limit=1)["nextToken"],
        "DescribeLogStreams": logs.describe_log_streams(logGroupName="paged", limit=1)["nextToken"],
        "GetLogEvents": logs.get_log_events(logGroupName="paged", logStreamName="s1", limit=1, startFromHead=True)[
            "nextForwardToken"
        ],
        "FilterLogEvents": logs.filter_log_events(logGroupName="paged", limit=1)["nextToken"],
    }


ABSURD_LIMITS: dict[str, tuple[Any, str]] = {
    "zero": (0, "InvalidParameterException"),
    "negative": (-1, "InvalidParameterException"),
    "most-negative-32-bit": (-(2**31), "InvalidParameterException"),
    "largest-32-bit": (2**31 - 1, "InvalidParameterException"),
    "beyond-32-bits": (2**31, "SerializationException"),
    "a-trillion": (10**12, "SerializationException"),
    "beyond-64-bits": (2**64 - 1, "SerializationException"),
    "fraction": (0.5, "SerializationException"),
    "string": ("10", "SerializationException"),
    "boolean": (True, "SerializationException"),
}


@pytest.mark.parametrize(("limit", "code"), ABSURD_LIMITS.values(), ids=ABSURD_LIMITS.keys())
@pytest.mark.parametrize("operation", LIMITED_OPERATIONS)
def test_an_absurd_limit_is_refused(
    vigil: VigilServer, paged: dict[str, str], operation: str, limit: Any, code: str
) -> None:
    params, _ = LIMITED_OPERATIONS[operation]
    error = assert_client_error(_logs(vigil, operation, {**params, "limit": limit}), "json")
    assert error.code == code


@pytest.mark.parametrize("operation", LIMITED_OPERATIONS)
def test_one_past_the_maximum_limit_is_refused_with_the_bound(
    vigil: VigilServer, paged: dict[str, str], operation: str
) -> None:
    params, maximum = LIMITED_OPERATIONS[operation]
    error = assert_client_error(_logs(vigil, operation, {**params, "limit": maximum + 1}), "json")
    assert error.code == "InvalidParameterException"
    assert error.message.endswith(f"Member must have value less than or equal to {maximum}")


@pytest.mark.parametrize("operation", LIMITED_OPERATIONS)
def test_the_maximum_limit_is_served(vigil: VigilServer, paged: dict[str, str], operation: str) -> None:
    params, maximum = LIMITED_OPERATIONS[operation]
    assert _logs(vigil, operation, {**params, "limit": maximum}).status_code == 200


# ---- absurd and tampered tokens --------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


ABSURD_TOKENS: dict[str, Any] = {
    "punctuation": lambda real: "garbage!!",
    "one-character": lambda real: "A",
    "hundred-thousand-characters": lambda real: "A" * 100_000,
    "random-bytes": lambda real: _b64(bytes(range(256))),
    "json-object": lambda real: _b64(b'{"position": 1}'),
    "json-of-another-listing": lambda real: _b64(b'["SomethingElse", 1]'),
    "truncated": lambda real: real[: len(real) // 2],
    "doubled": lambda real: real + real,
    "non-ascii": lambda real: real + "\u00e9",
    "junk-suffix": lambda real: real + "!!",
}


@pytest.mark.parametrize("tamper", ABSURD_TOKENS.values(), ids=ABSURD_TOKENS.keys())
@pytest.mark.parametrize("operation", LIMITED_OPERATIONS)
def test_an_absurd_logs_token_is_an_invalid_parameter_exception(
    vigil: VigilServer, paged: dict[str, str], operation: str, tamper: Any
) -> None:
    params, _ = LIMITED_OPERATIONS[operation]
    error = assert_client_error(_logs(vigil, operation, {**params, "nextToken": tamper(paged[operation])}), "json")
    assert error.code == "InvalidParameterException"


@pytest.mark.parametrize(
    ("source", "operation"), list(itertools.permutations(LIMITED_OPERATIONS, 2)), ids=lambda name: str(name)
)
def test_a_token_from_another_operation_is_an_invalid_parameter_exception(
    vigil: VigilServer, paged: dict[str, str], operation: str, source: str
) -> None:
    params, _ = LIMITED_OPERATIONS[operation]
    error = assert_client_error(_logs(vigil, operation, {**params, "nextToken": paged[source]}), "json")
    assert error.code == "InvalidParameterException"


def _forged(real: str, position: Any) -> str:
    """``real`` with its position replaced, keeping what it is a token for."""
    if real.startswith(("f/", "b/")):  # GetLogEvents cursors are readable, not encoded
        return f"{real[0]}/{position}/s"
    kind, _ = orjson.loads(base64.urlsafe_b64decode(real + "=" * (-len(real) % 4)))
    return _b64(orjson.dumps([kind, position]))


FORGED_POSITIONS: dict[str, Any] = {
    "object": {"a": 1},
    "list": [1, 2],
    "string": "zzz",
    "negative": -1,
    "largest-64-bit": 2**63 - 1,
    "beyond-signed-64-bit": 2**64 - 1,
    "fraction": 1.5,
    "boolean": True,
    "null": None,
    "forty-nines": "9" * 40,
    "forty-zeros": "0" * 40,
}


@pytest.mark.parametrize("position", FORGED_POSITIONS.values(), ids=FORGED_POSITIONS.keys())
@pytest.mark.parametrize("operation", LIMITED_OPERATIONS)
def test_a_token_with_a_forged_position_never_fails_the_server(
    vigil: VigilServer, paged: dict[str, str], operation: str, position: Any
) -> None:
    params, _ = LIMITED_OPERATIONS[operation]
    response = _logs(vigil, operation, {**params, "nextToken": _forged(paged[operation], position)})
    assert_answered(response, "json")


@pytest.mark.parametrize("operation", LIMITED_OPERATIONS)
def test_a_token_with_a_flipped_character_never_fails_the_server(
    vigil: VigilServer, paged: dict[str, str], operation: str
) -> None:
    params, _ = LIMITED_OPERATIONS[operation]
    real = paged[operation]
    for index in sorted({0, len(real) - 1, *range(1, len(real), max(1, len(real) // 8))}):
        flipped = real[:index] + ("A" if real[index] != "A" else "B") + real[index + 1 :]
        assert_answered(_logs(vigil, operation, {**params, "nextToken": flipped}), "json")


def test_every_token_get_log_events_hands_out_for_an_absurd_cursor_is_accepted_back(
    vigil: VigilServer, paged: dict[str, str]
) -> None:
    params = {"logGroupName": "paged", "logStreamName": "s1"}
    for cursor in ("f/" + "9" * 40 + "/s", "b/" + "0" * 40 + "/s"):
        page = orjson.loads(_logs(vigil, "GetLogEvents", {**params, "nextToken": cursor}).content)
        for token in (page["nextForwardToken"], page["nextBackwardToken"]):
            response = _logs(vigil, "GetLogEvents", {**params, "nextToken": token})
            assert response.status_code == 200, (cursor, token, response.content)


OTHER_PAGING: dict[str, tuple[Wire, str, str, str]] = {
    "cloudwatch-json": ("json", "cloudwatch", "ListMetrics", "NextToken"),
    "cloudwatch-cbor": ("cbor", "cloudwatch", "ListMetrics", "NextToken"),
    "cloudwatch-query": ("query", "cloudwatch", "ListMetrics", "NextToken"),
    "sns-query": ("query", "sns", "ListTopics", "NextToken"),
}


def _other(wire: Wire, service: str, operation: str, params: dict[str, str]) -> httpx.Request:
    if wire == "json":
        return json_request(service, operation, params)
    if wire == "cbor":
        return cbor_request(service, operation, params)
    return query_request(service, operation, params)


@pytest.mark.parametrize("token", ["garbage!!", "A" * 100_000, _b64(bytes(range(256))), "\u00e9\u4e2d"])
@pytest.mark.parametrize(("wire", "service", "operation", "member"), OTHER_PAGING.values(), ids=OTHER_PAGING.keys())
def test_an_absurd_cloudwatch_or_sns_token_never_fails_the_server(
    vigil: VigilServer, wire: Wire, service: str, operation: str, member: str, token: str
) -> None:
    assert_answered(send(vigil.endpoint_url, _other(wire, service, operation, {member: token})), wire)


@pytest.mark.parametrize(("wire", "service", "operation", "member"), OTHER_PAGING.values(), ids=OTHER_PAGING.keys())
def test_an_absurd_cloudwatch_or_sns_token_is_refused(
    vigil: VigilServer, wire: Wire, service: str, operation: str, member: str
) -> None:
    assert_client_error(send(vigil.endpoint_url, _other(wire, service, operation, {member: "garbage!!"})), wire)


# ---- deep nesting ----------------------------------------------------------------------------------------

DEEP_JSON = {
    "arrays-as-body": b"[" * 100_000 + b"]" * 100_000,
    "objects-as-unknown-member": b'{"x":' * 100_000 + b"1" + b"}" * 100_000,
    "arrays-in-a-list-member": b'{"logGroupIdentifiers":' + b"[" * 1000 + b"]" * 1000 + b"}",
    "within-the-parsers-depth": b'{"unknown":' + b"[" * 500 + b"]" * 500 + b"}",
    "unclosed": b"[" * 100_000,
}


@pytest.mark.parametrize("body", DEEP_JSON.values(), ids=DEEP_JSON.keys())
def test_deeply_nested_json_is_answered_without_a_server_error(vigil: VigilServer, body: bytes) -> None:
    assert_answered(_logs(vigil, "DescribeLogGroups", body), "json")


DEEP_CBOR = {
    "arrays": b"\x81" * 100_000 + b"\x00",
    "indefinite-arrays": b"\x9f" * 100_000,
    "maps": b"\xa1\x61x" * 100_000 + b"\x00",
    "tags": b"\xd8\x2a" * 100_000 + b"\x00",
}


@pytest.mark.parametrize("body", DEEP_CBOR.values(), ids=DEEP_CBOR.keys())
def test_deeply_nested_cbor_is_a_serialization_exception(vigil: VigilServer, body: bytes) -> None:
    error = assert_client_error(send(vigil.endpoint_url, cbor_request("cloudwatch", "ListMetrics", body)), "cbor")
    assert error.code == "SerializationException"


# ---- malformed and odd CBOR ------------------------------------------------------------------------------

ODD_CBOR: dict[str, bytes] = {
    "break-without-container": b"\xff",
    "truncated-map": b"\xa2\x61a",
    "huge-declared-length": b"\x5b\xff\xff\xff\xff\xff\xff\xff\xff",
    "huge-declared-array": b"\x9b\x00\x00\x00\x10\x00\x00\x00\x00",
    "invalid-utf8-text": b"\xa1\x69Namespace\x62\xff\xfe",
    "reserved-additional-info": b"\x1c",
    "array-as-body": cbor2.dumps([1, 2]),
    "text-as-body": cbor2.dumps("ListMetrics"),
    "datetime-tag-as-body": cbor2.dumps(cbor2.CBORTag(1, 0)),
    "regex-tag": cbor2.dumps({"Namespace": cbor2.CBORTag(35, "(")}),
    "bignum-for-string": cbor2.dumps({"Namespace": 2**200}),
    "bignum-past-the-repr-limit": cbor2.dumps({"Namespace": 10**5000}),
    "bytes-for-string": cbor2.dumps({"Namespace": b"AWS/EC2"}),
    "list-for-structure": cbor2.dumps({"Dimensions": [["Name", "Value"]]}),
    "undefined": b"\xa1\x69Namespace\xf7",
    "non-text-keys": cbor2.dumps({1: "a", b"k": "b", (1, 2): "c"}),
    "half-float-nan-for-boolean": b"\xa1\x76IncludeLinkedAccounts\xf9\x7e\x00",
    "trailing-garbage": cbor2.dumps({}) + b"\xff\xff",
    "self-described": b"\xd9\xd9\xf7\xa0",
    "json-body": b"{}",
}


@pytest.mark.parametrize("body", ODD_CBOR.values(), ids=ODD_CBOR.keys())
def test_odd_cbor_is_answered_without_a_server_error(vigil: VigilServer, body: bytes) -> None:
    assert_answered(send(vigil.endpoint_url, cbor_request("cloudwatch", "ListMetrics", body)), "cbor")


# ---- empty bodies ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", ["CreateLogGroup", "PutLogEvents", "GetLogEvents", "DeleteLogStream"])
def test_an_empty_body_for_an_operation_with_required_members_is_a_missing_member(
    vigil: VigilServer, operation: str
) -> None:
    error = assert_client_error(_logs(vigil, operation, b""), "json")
    assert error.code == "InvalidParameterException"
    assert "failed to satisfy constraint: Member must not be null" in error.message


@pytest.mark.parametrize(
    ("wire", "request_"),
    [
        ("json", json_request("logs", "DescribeLogGroups", b"")),
        ("json", json_request("cloudwatch", "ListMetrics", b"")),
        ("cbor", cbor_request("cloudwatch", "ListMetrics", b"")),
    ],
    ids=["logs-json", "cloudwatch-json", "cloudwatch-cbor"],
)
def test_an_empty_body_for_an_operation_without_required_members_is_served(
    vigil: VigilServer, wire: Wire, request_: httpx.Request
) -> None:
    response = send(vigil.endpoint_url, request_)
    assert response.status_code == 200, response.content
    assert_answered(response, wire)


def test_an_empty_query_body_is_missing_action(vigil: VigilServer) -> None:
    error = assert_client_error(send(vigil.endpoint_url, query_request("sns", "", b"")), "query")
    assert error.code == "MissingAction"


def test_an_empty_request_is_an_unknown_operation(vigil: VigilServer) -> None:
    with httpx.Client() as client:
        response = client.post(vigil.endpoint_url + "/", content=b"")
    assert assert_client_error(response, "json").code == "UnknownOperationException"


# ---- wrong content types and methods ---------------------------------------------------------------------

CONTENT_TYPES = ["text/plain", "application/json", "application/x-www-form-urlencoded", "application/cbor", "", "*/*"]


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
def test_an_amz_target_is_read_as_json_whatever_the_content_type(vigil: VigilServer, content_type: str) -> None:
    request = json_request("logs", "DescribeLogGroups", {})
    request.headers["content-type"] = content_type
    response = send(vigil.endpoint_url, request)
    assert response.status_code == 200, response.content
    assert isinstance(orjson.loads(response.content)["logGroups"], list)


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/", b'{"logGroupName": "x"}'),
        ("/", b"<ListTopics/>"),
        ("/", cbor2.dumps({})),
        ("/", b"Action=ListTopics&Version=2010-03-31"),
        ("/service/GraniteServiceVersion20100801/operation/ListMetrics", b'{"Namespace": "AWS/EC2"}'),
        ("/service/GraniteServiceVersion20100801/operation/ListMetrics", b"Action=ListMetrics"),
        ("/some/other/path", b"{}"),
    ],
    ids=["json", "xml", "cbor", "form", "json-to-cbor-path", "form-to-cbor-path", "unknown-path"],
)
def test_a_body_in_another_format_than_its_content_type_is_answered_in_aws_shape(
    vigil: VigilServer, content_type: str, path: str, body: bytes
) -> None:
    with httpx.Client() as client:
        response = client.post(
            httpx.URL(vigil.endpoint_url).join(path), content=body, headers={"content-type": content_type}
        )
    assert_answered(response, _wire_of(response))


def test_a_get_without_an_operation_is_an_unknown_operation(vigil: VigilServer) -> None:
    with httpx.Client() as client:
        response = client.get(vigil.endpoint_url + "/")
    assert assert_client_error(response, "json").code == "UnknownOperationException"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_another_method_is_a_client_error(vigil: VigilServer, method: str) -> None:
    with httpx.Client() as client:
        response = client.request(method, vigil.endpoint_url + "/", content=b"{}")
    assert 400 <= response.status_code < 500
