"""TestMetricFilter (through boto3 and the aws CLI): which messages a pattern matches and the values it
extracts; and FilterLogEvents paging with a structured pattern."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from logs_helpers import error_code, now_ms

APACHE = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'
APACHE_FIELDS = "[ip, user, username, timestamp, request, status_code, bytes]"


def matches(logs_client: Any, pattern: str, *messages: str) -> list[dict[str, Any]]:
    return logs_client.test_metric_filter(filterPattern=pattern, logEventMessages=list(messages))["matches"]


def test_matches_are_numbered_from_one_in_message_order(logs_client: Any) -> None:
    found = matches(logs_client, "ERROR", "INFO a", "ERROR b", "WARN c", "ERROR d")

    assert [(m["eventNumber"], m["eventMessage"]) for m in found] == [(2, "ERROR b"), (4, "ERROR d")]


def test_a_term_pattern_extracts_no_values(logs_client: Any) -> None:
    (match,) = matches(logs_client, "ERROR", "ERROR b")

    assert match["extractedValues"] == {}


def test_an_empty_pattern_matches_every_message(logs_client: Any) -> None:
    assert [m["eventNumber"] for m in matches(logs_client, "", "a", "b")] == [1, 2]


def test_space_delimited_fields_are_extracted_by_name(logs_client: Any) -> None:
    (match,) = matches(logs_client, APACHE_FIELDS, APACHE, "too short")

    assert match["eventNumber"] == 1
    assert match["extractedValues"] == {
        "$ip": "127.0.0.1",
        "$user": "-",
        "$username": "frank",
        "$timestamp": "10/Oct/2000:13:25:15 -0700",
        "$request": "GET /index.html HTTP/1.0",
        "$status_code": "404",
        "$bytes": "1534",
    }


def test_the_last_field_extracts_the_rest_of_the_line(logs_client: Any) -> None:
    (match,) = matches(logs_client, "[w1=ERROR, w2]", "ERROR disk full now", "WARN x")

    assert match["extractedValues"] == {"$w1": "ERROR", "$w2": "disk full now"}


def test_fields_after_an_ellipsis_are_extracted_from_the_end(logs_client: Any) -> None:
    (match,) = matches(logs_client, "[..., status_code = 4*, bytes]", APACHE)

    assert match["extractedValues"] == {"$status_code": "404", "$bytes": "1534"}


def test_json_selectors_of_the_pattern_are_extracted(logs_client: Any) -> None:
    event = json.dumps({"eventType": "UpdateTrail", "latency": 12.5, "user": {"id": 5}})

    (match,) = matches(logs_client, '{ $.eventType = "UpdateTrail" && $.latency = * && $.user.id > 1 }', event)

    assert match["extractedValues"] == {"$.eventType": "UpdateTrail", "$.latency": "12.5", "$.user.id": "5"}


def test_a_json_selector_the_event_lacks_is_left_out(logs_client: Any) -> None:
    pattern = '{ ($.errorCode = "AccessDenied") || ($.user.id = 5) }'

    found = matches(logs_client, pattern, json.dumps({"user": {"id": 5}}), json.dumps({"errorCode": "AccessDenied"}))

    assert [m["extractedValues"] for m in found] == [{"$.user.id": "5"}, {"$.errorCode": "AccessDenied"}]


def test_a_json_pattern_ignores_messages_that_are_not_json(logs_client: Any) -> None:
    found = matches(logs_client, "{ $.level NOT EXISTS }", "plain text", "{}", "[]")

    assert [m["eventNumber"] for m in found] == [2]


def test_an_invalid_pattern_is_refused(logs_client: Any) -> None:
    assert error_code(lambda: matches(logs_client, "{ $.a = ", "x")) == "InvalidParameterException"


def test_more_than_50_messages_are_refused(logs_client: Any) -> None:
    assert error_code(lambda: matches(logs_client, "x", *["x"] * 51)) == "InvalidParameterException"


def test_50_messages_are_accepted(logs_client: Any) -> None:
    assert [m["eventNumber"] for m in matches(logs_client, "x", *["x"] * 50)] == list(range(1, 51))


def test_cli_test_metric_filter_prints_matches_and_extracted_values(aws: Callable[..., Any]) -> None:
    output = aws(
        "logs", "test-metric-filter", "--filter-pattern", APACHE_FIELDS,
        "--log-event-messages", APACHE, "short line",
    )  # fmt: skip

    (match,) = output["matches"]
    assert match["eventNumber"] == 1
    assert match["eventMessage"] == APACHE
    assert match["extractedValues"]["$timestamp"] == "10/Oct/2000:13:25:15 -0700"
    assert match["extractedValues"]["$request"] == "GET /index.html HTTP/1.0"


def test_cli_test_metric_filter_with_a_json_pattern(aws: Callable[..., Any]) -> None:
    output = aws(
        "logs", "test-metric-filter", "--filter-pattern", "{ $.latency > 100 }",
        "--log-event-messages", '{"latency": 250}', '{"latency": 50}',
    )  # fmt: skip

    assert output["matches"] == [
        {"eventNumber": 1, "eventMessage": '{"latency": 250}', "extractedValues": {"$.latency": "250"}}
    ]


# ---- FilterLogEvents paging -----------------------------------------------------------------------


def test_filter_log_events_pages_through_a_structured_pattern_across_streams(logs_client: Any, group: str) -> None:
    logs_client.create_log_stream(logGroupName=group, logStreamName="worker")
    base = now_ms() - 600_000
    for offset, stream in enumerate(["web", "worker"]):
        logs_client.put_log_events(
            logGroupName=group,
            logStreamName=stream,
            logEvents=[
                {"timestamp": base + 2 * i + offset, "message": json.dumps({"n": 2 * i + offset, "ok": i % 3 == 0})}
                for i in range(20)
            ],
        )
    pattern = "{ $.ok IS TRUE && $.n >= 4 || $.n = 1 }"

    pages = list(
        logs_client.get_paginator("filter_log_events").paginate(
            logGroupName=group, filterPattern=pattern, PaginationConfig={"PageSize": 3}
        )
    )

    numbers = [json.loads(e["message"])["n"] for page in pages for e in page["events"]]
    assert numbers == [1, 6, 7, 12, 13, 18, 19, 24, 25, 30, 31, 36, 37]
    assert len(pages) >= 5
    assert all(len(page["events"]) <= 3 for page in pages)
