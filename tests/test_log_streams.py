"""CloudWatch Logs log streams through boto3: CreateLogStream, DeleteLogStream and DescribeLogStreams."""

from __future__ import annotations

from typing import Any

import pytest
from logs_helpers import ACCOUNT, REGION, error_code, now_ms


def stream_names(logs_client: Any, group: str, **kwargs: Any) -> list[str]:
    return [s["logStreamName"] for s in logs_client.describe_log_streams(logGroupName=group, **kwargs)["logStreams"]]


def create_streams(logs_client: Any, group: str, *names: str) -> None:
    for name in names:
        logs_client.create_log_stream(logGroupName=group, logStreamName=name)


def put(logs_client: Any, group: str, stream: str, *timestamps: int, message: str = "event") -> None:
    logs_client.put_log_events(
        logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": t, "message": message} for t in timestamps]
    )


# ---- CreateLogStream ------------------------------------------------------------------------------


def test_create_log_stream_makes_a_stream_that_describe_log_streams_reports(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName="/app/orders")
    before = now_ms()
    logs_client.create_log_stream(logGroupName="/app/orders", logStreamName="web")
    after = now_ms()

    (stream,) = logs_client.describe_log_streams(logGroupName="/app/orders")["logStreams"]

    assert stream["logStreamName"] == "web"
    assert before <= stream["creationTime"] <= after
    assert stream["arn"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/orders:log-stream:web"


def test_a_stream_without_events_has_no_event_times(logs_client: Any, group: str) -> None:
    (stream,) = logs_client.describe_log_streams(logGroupName=group)["logStreams"]

    assert not {"firstEventTimestamp", "lastEventTimestamp", "lastIngestionTime"} & set(stream)


def test_create_log_stream_refuses_a_name_that_already_exists(logs_client: Any, group: str) -> None:
    assert error_code(lambda: logs_client.create_log_stream(logGroupName=group, logStreamName="web")) == (
        "ResourceAlreadyExistsException"
    )


def test_the_same_stream_name_can_exist_in_two_groups(logs_client: Any, group: str) -> None:
    logs_client.create_log_group(logGroupName="/app/billing")
    logs_client.create_log_stream(logGroupName="/app/billing", logStreamName="web")

    assert stream_names(logs_client, "/app/billing") == ["web"]


def test_create_log_stream_in_a_missing_group_is_resource_not_found(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.create_log_stream(logGroupName="missing", logStreamName="web")) == (
        "ResourceNotFoundException"
    )


@pytest.mark.parametrize("name", ["with:colon", "with*star"])
def test_create_log_stream_refuses_a_name_with_a_colon_or_a_star(logs_client: Any, group: str, name: str) -> None:
    assert error_code(lambda: logs_client.create_log_stream(logGroupName=group, logStreamName=name)) == (
        "InvalidParameterException"
    )
    assert stream_names(logs_client, group) == ["web"]


def test_create_log_stream_accepts_names_with_spaces_slashes_and_brackets(logs_client: Any, group: str) -> None:
    name = "2026/01/02/[$LATEST] 0a1b2c"
    logs_client.create_log_stream(logGroupName=group, logStreamName=name)

    assert name in stream_names(logs_client, group)


# ---- DeleteLogStream ------------------------------------------------------------------------------


def test_delete_log_stream_removes_the_stream(logs_client: Any, group: str) -> None:
    logs_client.create_log_stream(logGroupName=group, logStreamName="worker")

    logs_client.delete_log_stream(logGroupName=group, logStreamName="web")

    assert stream_names(logs_client, group) == ["worker"]


def test_delete_log_stream_removes_its_events(logs_client: Any, group: str) -> None:
    put(logs_client, group, "web", now_ms(), message="before delete")

    logs_client.delete_log_stream(logGroupName=group, logStreamName="web")
    logs_client.create_log_stream(logGroupName=group, logStreamName="web")

    assert logs_client.get_log_events(logGroupName=group, logStreamName="web", startFromHead=True)["events"] == []
    assert logs_client.filter_log_events(logGroupName=group)["events"] == []


def test_delete_log_stream_of_a_missing_stream_is_resource_not_found(logs_client: Any, group: str) -> None:
    assert error_code(lambda: logs_client.delete_log_stream(logGroupName=group, logStreamName="missing")) == (
        "ResourceNotFoundException"
    )


def test_delete_log_stream_in_a_missing_group_is_resource_not_found(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.delete_log_stream(logGroupName="missing", logStreamName="web")) == (
        "ResourceNotFoundException"
    )


# ---- DescribeLogStreams ---------------------------------------------------------------------------


def test_describe_log_streams_in_a_missing_group_is_resource_not_found(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.describe_log_streams(logGroupName="missing")) == "ResourceNotFoundException"


def test_describe_log_streams_accepts_the_group_arn_as_identifier(logs_client: Any, group: str) -> None:
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"

    streams = logs_client.describe_log_streams(logGroupIdentifier=arn)["logStreams"]

    assert [s["logStreamName"] for s in streams] == ["web"]


def test_describe_log_streams_refuses_a_group_name_and_identifier_together(logs_client: Any, group: str) -> None:
    assert error_code(lambda: logs_client.describe_log_streams(logGroupName=group, logGroupIdentifier=group)) == (
        "InvalidParameterException"
    )


def test_describe_log_streams_lists_streams_by_name_by_default(logs_client: Any, group: str) -> None:
    create_streams(logs_client, group, "zeta", "alpha", "Mid")

    assert stream_names(logs_client, group) == ["Mid", "alpha", "web", "zeta"]


def test_describe_log_streams_by_name_descending(logs_client: Any, group: str) -> None:
    create_streams(logs_client, group, "zeta", "alpha")

    assert stream_names(logs_client, group, orderBy="LogStreamName", descending=True) == ["zeta", "web", "alpha"]


def test_describe_log_streams_filters_by_name_prefix(logs_client: Any, group: str) -> None:
    create_streams(logs_client, group, "worker-1", "worker-2", "web-2", "Worker-3")

    assert stream_names(logs_client, group, logStreamNamePrefix="worker-") == ["worker-1", "worker-2"]


def test_describe_log_streams_orders_by_last_event_time(logs_client: Any, group: str) -> None:
    create_streams(logs_client, group, "a", "b")
    now = now_ms()
    put(logs_client, group, "a", now - 3000)
    put(logs_client, group, "web", now - 1000)
    put(logs_client, group, "b", now - 2000)

    assert stream_names(logs_client, group, orderBy="LastEventTime") == ["a", "b", "web"]


def test_describe_log_streams_orders_by_last_event_time_descending(logs_client: Any, group: str) -> None:
    create_streams(logs_client, group, "a", "b")
    now = now_ms()
    put(logs_client, group, "a", now - 3000)
    put(logs_client, group, "web", now - 1000)
    put(logs_client, group, "b", now - 2000)

    assert stream_names(logs_client, group, orderBy="LastEventTime", descending=True) == ["web", "b", "a"]


def test_describe_log_streams_refuses_last_event_time_order_with_a_prefix(logs_client: Any, group: str) -> None:
    code = error_code(
        lambda: logs_client.describe_log_streams(logGroupName=group, orderBy="LastEventTime", logStreamNamePrefix="w")
    )

    assert code == "InvalidParameterException"


def test_describe_log_streams_refuses_an_unknown_order(logs_client: Any, group: str) -> None:
    assert error_code(lambda: logs_client.describe_log_streams(logGroupName=group, orderBy="CreationTime")) == (
        "InvalidParameterException"
    )


def test_describe_log_streams_pages_with_limit_and_next_token(logs_client: Any, group: str) -> None:
    create_streams(logs_client, group, "s1", "s2", "s3", "s4")

    first = logs_client.describe_log_streams(logGroupName=group, limit=2)
    second = logs_client.describe_log_streams(logGroupName=group, limit=2, nextToken=first["nextToken"])
    third = logs_client.describe_log_streams(logGroupName=group, limit=2, nextToken=second["nextToken"])

    pages = [[s["logStreamName"] for s in page["logStreams"]] for page in (first, second, third)]
    assert pages == [["s1", "s2"], ["s3", "s4"], ["web"]]
    assert "nextToken" not in third


def test_describe_log_streams_pages_in_last_event_time_order(logs_client: Any, group: str) -> None:
    create_streams(logs_client, group, "a", "b")
    now = now_ms()
    for offset, stream in enumerate(["b", "web", "a"]):
        put(logs_client, group, stream, now - 10_000 + offset)

    paginator = logs_client.get_paginator("describe_log_streams")
    pages = list(
        paginator.paginate(
            logGroupName=group, orderBy="LastEventTime", descending=True, PaginationConfig={"PageSize": 1}
        )
    )

    assert [s["logStreamName"] for p in pages for s in p["logStreams"]] == ["a", "web", "b"]
    assert len(pages) == 3


def test_describe_log_streams_refuses_a_malformed_next_token(logs_client: Any, group: str) -> None:
    assert error_code(lambda: logs_client.describe_log_streams(logGroupName=group, nextToken="garbage")) == (
        "InvalidParameterException"
    )


def test_describe_log_streams_refuses_a_token_issued_for_another_group(logs_client: Any, group: str) -> None:
    create_streams(logs_client, group, "a", "b")
    logs_client.create_log_group(logGroupName="/app/other")
    token = logs_client.describe_log_streams(logGroupName=group, limit=1)["nextToken"]

    code = error_code(lambda: logs_client.describe_log_streams(logGroupName="/app/other", nextToken=token))

    assert code == "InvalidParameterException"


def test_describe_log_streams_reports_first_and_last_event_timestamps(logs_client: Any, group: str) -> None:
    now = now_ms()
    put(logs_client, group, "web", now - 5000, now - 4000)
    put(logs_client, group, "web", now - 9000, now - 1000)

    (stream,) = logs_client.describe_log_streams(logGroupName=group)["logStreams"]

    assert stream["firstEventTimestamp"] == now - 9000
    assert stream["lastEventTimestamp"] == now - 1000


def test_describe_log_streams_reports_the_last_ingestion_time(logs_client: Any, group: str) -> None:
    before = now_ms()
    put(logs_client, group, "web", before - 60_000)
    after = now_ms()

    (stream,) = logs_client.describe_log_streams(logGroupName=group)["logStreams"]
    (event,) = logs_client.get_log_events(logGroupName=group, logStreamName="web")["events"]

    assert before <= stream["lastIngestionTime"] <= after
    assert stream["lastIngestionTime"] == event["ingestionTime"]


def test_describe_log_streams_reports_stored_bytes_as_zero(logs_client: Any, group: str) -> None:
    # API reference, LogStream.storedBytes: since June 17, 2019 always reported as zero for log streams
    # (the log group's storedBytes is unaffected).
    put(logs_client, group, "web", now_ms(), message="some bytes")

    (stream,) = logs_client.describe_log_streams(logGroupName=group)["logStreams"]

    assert stream["storedBytes"] == 0
    assert logs_client.describe_log_groups()["logGroups"][0]["storedBytes"] == len("some bytes")
