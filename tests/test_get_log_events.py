"""GetLogEvents through boto3: the time range, reading from the head or the tail, and the forward and
backward tokens as the API reference documents them ("If you have reached the end of the stream, it
returns the same token you passed in")."""

from __future__ import annotations

from typing import Any

import pytest
from logs_helpers import ACCOUNT, REGION, error_code, now_ms


@pytest.fixture
def base() -> int:
    """A timestamp an hour ago, with room after it for test events one millisecond apart."""
    return now_ms() - 3_600_000


def put_numbered(logs_client: Any, group: str, base: int, count: int, stream: str = "web") -> None:
    """Events ``event 0`` … at ``base + 0`` … one millisecond apart."""
    logs_client.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": base + i, "message": f"event {i}"} for i in range(count)],
    )


def messages(page: dict[str, Any]) -> list[str]:
    return [e["message"] for e in page["events"]]


def numbered(*indexes: int) -> list[str]:
    return [f"event {i}" for i in indexes]


def read_forward(logs_client: Any, group: str, **kwargs: Any) -> tuple[list[list[str]], str]:
    """Pages from the head, following nextForwardToken until it comes back unchanged."""
    pages: list[list[str]] = []
    request: dict[str, Any] = {"logGroupName": group, "logStreamName": "web", "startFromHead": True, **kwargs}
    while True:
        page = logs_client.get_log_events(**request)
        pages.append(messages(page))
        if page["nextForwardToken"] == request.get("nextToken"):
            return pages, page["nextForwardToken"]
        request["nextToken"] = page["nextForwardToken"]


# ---- Where a read starts --------------------------------------------------------------------------


def test_get_log_events_returns_every_event_oldest_first(logs_client: Any, group: str, base: int) -> None:
    put_numbered(logs_client, group, base, 5)

    page = logs_client.get_log_events(logGroupName=group, logStreamName="web")

    assert messages(page) == numbered(0, 1, 2, 3, 4)
    assert [e["timestamp"] for e in page["events"]] == [base + i for i in range(5)]


def test_get_log_events_returns_timestamp_message_and_ingestion_time(logs_client: Any, group: str, base: int) -> None:
    put_numbered(logs_client, group, base, 1)

    (event,) = logs_client.get_log_events(logGroupName=group, logStreamName="web")["events"]

    assert set(event) == {"timestamp", "message", "ingestionTime"}


def test_get_log_events_without_start_from_head_returns_the_latest_events(
    logs_client: Any, group: str, base: int
) -> None:
    put_numbered(logs_client, group, base, 10)

    page = logs_client.get_log_events(logGroupName=group, logStreamName="web", limit=3)

    assert messages(page) == numbered(7, 8, 9)


def test_get_log_events_from_the_head_returns_the_earliest_events(logs_client: Any, group: str, base: int) -> None:
    put_numbered(logs_client, group, base, 10)

    page = logs_client.get_log_events(logGroupName=group, logStreamName="web", limit=3, startFromHead=True)

    assert messages(page) == numbered(0, 1, 2)


def test_get_log_events_start_time_is_inclusive_and_end_time_exclusive(logs_client: Any, group: str, base: int) -> None:
    put_numbered(logs_client, group, base, 5)

    page = logs_client.get_log_events(
        logGroupName=group, logStreamName="web", startTime=base + 1, endTime=base + 3, startFromHead=True
    )

    assert messages(page) == numbered(1, 2)


def test_get_log_events_of_an_empty_range_returns_no_events(logs_client: Any, group: str, base: int) -> None:
    put_numbered(logs_client, group, base, 5)

    page = logs_client.get_log_events(logGroupName=group, logStreamName="web", startTime=base + 2, endTime=base + 2)

    assert page["events"] == []


def test_get_log_events_reads_only_the_named_stream(logs_client: Any, group: str, base: int) -> None:
    logs_client.create_log_stream(logGroupName=group, logStreamName="worker")
    put_numbered(logs_client, group, base, 2)
    logs_client.put_log_events(
        logGroupName=group, logStreamName="worker", logEvents=[{"timestamp": base, "message": "worker"}]
    )

    assert messages(logs_client.get_log_events(logGroupName=group, logStreamName="worker")) == ["worker"]


# ---- Forward tokens -------------------------------------------------------------------------------


def test_following_next_forward_token_reads_the_stream_in_pages(logs_client: Any, group: str, base: int) -> None:
    put_numbered(logs_client, group, base, 10)

    pages, _ = read_forward(logs_client, group, limit=3)

    assert pages == [numbered(0, 1, 2), numbered(3, 4, 5), numbered(6, 7, 8), numbered(9), []]


def test_next_forward_token_at_the_end_of_the_stream_is_the_token_passed_in(
    logs_client: Any, group: str, base: int
) -> None:
    put_numbered(logs_client, group, base, 3)
    first = logs_client.get_log_events(logGroupName=group, logStreamName="web", startFromHead=True)

    again = logs_client.get_log_events(
        logGroupName=group, logStreamName="web", startFromHead=True, nextToken=first["nextForwardToken"]
    )
    once_more = logs_client.get_log_events(
        logGroupName=group, logStreamName="web", startFromHead=True, nextToken=again["nextForwardToken"]
    )

    assert again["events"] == [] and once_more["events"] == []
    assert again["nextForwardToken"] == first["nextForwardToken"]
    assert once_more["nextForwardToken"] == first["nextForwardToken"]


def test_the_forward_token_at_the_end_returns_events_written_later(logs_client: Any, group: str, base: int) -> None:
    put_numbered(logs_client, group, base, 2)
    _, end = read_forward(logs_client, group)

    logs_client.put_log_events(
        logGroupName=group, logStreamName="web", logEvents=[{"timestamp": base + 50, "message": "later"}]
    )
    page = logs_client.get_log_events(logGroupName=group, logStreamName="web", startFromHead=True, nextToken=end)

    assert messages(page) == ["later"]
    assert page["nextForwardToken"] != end


def test_the_forward_token_of_an_empty_stream_returns_events_written_later(logs_client: Any, group: str) -> None:
    empty = logs_client.get_log_events(logGroupName=group, logStreamName="web", startFromHead=True)
    assert empty["events"] == []

    logs_client.put_log_events(
        logGroupName=group, logStreamName="web", logEvents=[{"timestamp": now_ms(), "message": "first"}]
    )
    page = logs_client.get_log_events(
        logGroupName=group, logStreamName="web", startFromHead=True, nextToken=empty["nextForwardToken"]
    )

    assert messages(page) == ["first"]


def test_the_forward_token_of_a_tail_read_returns_events_written_later(logs_client: Any, group: str, base: int) -> None:
    put_numbered(logs_client, group, base, 3)
    tail = logs_client.get_log_events(logGroupName=group, logStreamName="web", limit=2)

    logs_client.put_log_events(
        logGroupName=group, logStreamName="web", logEvents=[{"timestamp": base + 50, "message": "later"}]
    )
    page = logs_client.get_log_events(
        logGroupName=group, logStreamName="web", startFromHead=True, nextToken=tail["nextForwardToken"]
    )

    assert messages(page) == ["later"]


def test_forward_paging_keeps_to_the_time_range(logs_client: Any, group: str, base: int) -> None:
    put_numbered(logs_client, group, base, 10)

    pages, _ = read_forward(logs_client, group, limit=2, startTime=base + 2, endTime=base + 8)

    assert [m for page in pages for m in page] == numbered(2, 3, 4, 5, 6, 7)


# ---- Backward tokens ------------------------------------------------------------------------------


def test_following_next_backward_token_reads_older_events(logs_client: Any, group: str, base: int) -> None:
    put_numbered(logs_client, group, base, 8)
    request: dict[str, Any] = {"logGroupName": group, "logStreamName": "web", "limit": 3}

    pages = []
    while True:
        page = logs_client.get_log_events(**request)
        pages.append(messages(page))
        if page["nextBackwardToken"] == request.get("nextToken"):
            break
        request["nextToken"] = page["nextBackwardToken"]

    assert pages == [numbered(5, 6, 7), numbered(2, 3, 4), numbered(0, 1), []]


def test_next_backward_token_at_the_start_of_the_stream_is_the_token_passed_in(
    logs_client: Any, group: str, base: int
) -> None:
    put_numbered(logs_client, group, base, 2)
    head = logs_client.get_log_events(logGroupName=group, logStreamName="web", startFromHead=True)

    before = logs_client.get_log_events(logGroupName=group, logStreamName="web", nextToken=head["nextBackwardToken"])

    assert before["events"] == []
    assert before["nextBackwardToken"] == head["nextBackwardToken"]


def test_the_forward_token_at_the_start_of_the_stream_reads_from_the_oldest_event(
    logs_client: Any, group: str, base: int
) -> None:
    put_numbered(logs_client, group, base, 3)
    head = logs_client.get_log_events(logGroupName=group, logStreamName="web", startFromHead=True, limit=1)
    before = logs_client.get_log_events(logGroupName=group, logStreamName="web", nextToken=head["nextBackwardToken"])

    again = logs_client.get_log_events(
        logGroupName=group, logStreamName="web", startFromHead=True, nextToken=before["nextForwardToken"]
    )

    assert messages(again) == numbered(0, 1, 2)


def test_the_backward_token_of_a_forward_page_reads_the_events_before_it(
    logs_client: Any, group: str, base: int
) -> None:
    put_numbered(logs_client, group, base, 6)
    first = logs_client.get_log_events(logGroupName=group, logStreamName="web", startFromHead=True, limit=4)
    second = logs_client.get_log_events(
        logGroupName=group, logStreamName="web", startFromHead=True, limit=2, nextToken=first["nextForwardToken"]
    )

    back = logs_client.get_log_events(
        logGroupName=group, logStreamName="web", limit=2, nextToken=second["nextBackwardToken"]
    )

    assert messages(second) == numbered(4, 5)
    assert messages(back) == numbered(2, 3)


# ---- Page sizes -----------------------------------------------------------------------------------


def test_get_log_events_returns_at_most_10000_events_per_page(logs_client: Any, group: str, base: int) -> None:
    for batch in range(2):
        logs_client.put_log_events(
            logGroupName=group,
            logStreamName="web",
            logEvents=[{"timestamp": base + batch, "message": f"b{batch}"}] * (10_000 if batch == 0 else 1),
        )

    first = logs_client.get_log_events(logGroupName=group, logStreamName="web", startFromHead=True)
    rest = logs_client.get_log_events(
        logGroupName=group, logStreamName="web", startFromHead=True, nextToken=first["nextForwardToken"]
    )

    assert len(first["events"]) == 10_000
    assert messages(rest) == ["b1"]


def test_get_log_events_returns_at_most_1_mb_per_page(logs_client: Any, group: str, base: int) -> None:
    big = [f"{i}" + "x" * 400_000 for i in range(3)]  # two fit in 1,048,576 bytes, three do not
    for i, message in enumerate(big):
        logs_client.put_log_events(
            logGroupName=group, logStreamName="web", logEvents=[{"timestamp": base + i, "message": message}]
        )

    head = logs_client.get_log_events(logGroupName=group, logStreamName="web", startFromHead=True)
    rest = logs_client.get_log_events(
        logGroupName=group, logStreamName="web", startFromHead=True, nextToken=head["nextForwardToken"]
    )
    tail = logs_client.get_log_events(logGroupName=group, logStreamName="web")

    assert messages(head) == big[:2]
    assert messages(rest) == big[2:]
    assert messages(tail) == big[1:]


def test_get_log_events_refuses_a_limit_above_10000(logs_client: Any, group: str) -> None:
    assert error_code(lambda: logs_client.get_log_events(logGroupName=group, logStreamName="web", limit=10_001)) == (
        "InvalidParameterException"
    )


# ---- Naming the stream ----------------------------------------------------------------------------


def test_get_log_events_accepts_the_group_arn_as_identifier(logs_client: Any, group: str, base: int) -> None:
    put_numbered(logs_client, group, base, 1)
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"

    page = logs_client.get_log_events(logGroupIdentifier=arn, logStreamName="web")

    assert messages(page) == numbered(0)


def test_get_log_events_refuses_a_group_name_and_identifier_together(logs_client: Any, group: str) -> None:
    code = error_code(
        lambda: logs_client.get_log_events(logGroupName=group, logGroupIdentifier=group, logStreamName="web")
    )

    assert code == "InvalidParameterException"


def test_get_log_events_of_a_missing_stream_is_resource_not_found(logs_client: Any, group: str) -> None:
    assert error_code(lambda: logs_client.get_log_events(logGroupName=group, logStreamName="missing")) == (
        "ResourceNotFoundException"
    )


def test_get_log_events_of_a_missing_group_is_resource_not_found(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.get_log_events(logGroupName="missing", logStreamName="web")) == (
        "ResourceNotFoundException"
    )


def test_get_log_events_refuses_a_malformed_token(logs_client: Any, group: str) -> None:
    code = error_code(lambda: logs_client.get_log_events(logGroupName=group, logStreamName="web", nextToken="bogus"))

    assert code == "InvalidParameterException"
