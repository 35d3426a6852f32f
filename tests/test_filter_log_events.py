"""FilterLogEvents through boto3: which streams, which time range, term patterns, and paging across
streams in timestamp order, by hand and with boto3's paginator."""

from __future__ import annotations

from typing import Any

import pytest
from logs_helpers import ACCOUNT, REGION, error_code, now_ms


@pytest.fixture
def base() -> int:
    return now_ms() - 3_600_000


def put(logs_client: Any, group: str, stream: str, *events: tuple[int, str]) -> None:
    logs_client.put_log_events(
        logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": t, "message": m} for t, m in events]
    )


def found(logs_client: Any, group: str, **kwargs: Any) -> list[str]:
    return [e["message"] for e in logs_client.filter_log_events(logGroupName=group, **kwargs)["events"]]


@pytest.fixture
def three_streams(logs_client: Any, group: str, base: int) -> str:
    """Streams ``web``, ``worker-1`` and ``worker-2`` with interleaved events ``m0`` … ``m5``."""
    for stream in ("worker-1", "worker-2"):
        logs_client.create_log_stream(logGroupName=group, logStreamName=stream)
    put(logs_client, group, "web", (base + 0, "m0"), (base + 3, "m3"))
    put(logs_client, group, "worker-1", (base + 1, "m1"), (base + 4, "m4"))
    put(logs_client, group, "worker-2", (base + 2, "m2"), (base + 5, "m5"))
    return group


# ---- Streams and time -----------------------------------------------------------------------------


def test_filter_log_events_returns_events_of_every_stream_sorted_by_timestamp(
    logs_client: Any, three_streams: str
) -> None:
    assert found(logs_client, three_streams) == ["m0", "m1", "m2", "m3", "m4", "m5"]


def test_filter_log_events_events_carry_stream_timestamp_message_ingestion_time_and_id(
    logs_client: Any, group: str, base: int
) -> None:
    before = now_ms()
    put(logs_client, group, "web", (base, "hello"))
    after = now_ms()

    (event,) = logs_client.filter_log_events(logGroupName=group)["events"]

    assert set(event) == {"logStreamName", "timestamp", "message", "ingestionTime", "eventId"}
    assert (event["logStreamName"], event["timestamp"], event["message"]) == ("web", base, "hello")
    assert before <= event["ingestionTime"] <= after
    assert isinstance(event["eventId"], str) and event["eventId"]


def test_filter_log_events_gives_each_event_its_own_id(logs_client: Any, group: str, base: int) -> None:
    put(logs_client, group, "web", *[(base, "same") for _ in range(20)])

    ids = [e["eventId"] for e in logs_client.filter_log_events(logGroupName=group)["events"]]

    assert len(ids) == 20
    assert len(set(ids)) == 20


def test_filter_log_events_reports_searched_log_streams_as_an_empty_list(logs_client: Any, three_streams: str) -> None:
    assert logs_client.filter_log_events(logGroupName=three_streams)["searchedLogStreams"] == []


def test_filter_log_events_reads_only_the_named_streams(logs_client: Any, three_streams: str) -> None:
    assert found(logs_client, three_streams, logStreamNames=["web", "worker-2"]) == ["m0", "m2", "m3", "m5"]


def test_filter_log_events_reads_only_streams_with_the_prefix(logs_client: Any, three_streams: str) -> None:
    assert found(logs_client, three_streams, logStreamNamePrefix="worker-") == ["m1", "m2", "m4", "m5"]


def test_filter_log_events_refuses_stream_names_and_a_prefix_together(logs_client: Any, three_streams: str) -> None:
    code = error_code(
        lambda: logs_client.filter_log_events(
            logGroupName=three_streams, logStreamNames=["web"], logStreamNamePrefix="worker"
        )
    )

    assert code == "InvalidParameterException"


def test_filter_log_events_start_and_end_times_are_both_inclusive(
    logs_client: Any, three_streams: str, base: int
) -> None:
    assert found(logs_client, three_streams, startTime=base + 1, endTime=base + 4) == ["m1", "m2", "m3", "m4"]


def test_filter_log_events_with_equal_start_and_end_returns_that_millisecond(
    logs_client: Any, three_streams: str, base: int
) -> None:
    assert found(logs_client, three_streams, startTime=base + 2, endTime=base + 2) == ["m2"]


def test_filter_log_events_accepts_the_group_arn_as_identifier(logs_client: Any, three_streams: str) -> None:
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{three_streams}"

    events = logs_client.filter_log_events(logGroupIdentifier=arn)["events"]

    assert [e["message"] for e in events] == ["m0", "m1", "m2", "m3", "m4", "m5"]


def test_filter_log_events_of_a_missing_group_is_resource_not_found(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.filter_log_events(logGroupName="missing")) == "ResourceNotFoundException"


# ---- Term patterns --------------------------------------------------------------------------------


@pytest.fixture
def app_log(logs_client: Any, group: str, base: int) -> str:
    lines = [
        "INFO order 17 placed",
        "ERROR payment declined for order 17",
        "error: lower-case error",
        "ERROR Internal Server Error while charging",
        "WARN ARGUMENTS missing, ERROR follows",
        "GET /api/orders 200",
    ]
    put(logs_client, group, "web", *[(base + i, line) for i, line in enumerate(lines)])
    return group


def test_filter_log_events_without_a_pattern_returns_every_event(logs_client: Any, app_log: str) -> None:
    assert len(found(logs_client, app_log)) == 6


def test_filter_log_events_with_an_empty_pattern_returns_every_event(logs_client: Any, app_log: str) -> None:
    assert len(found(logs_client, app_log, filterPattern="")) == 6


def test_filter_log_events_term_matching_is_case_sensitive(logs_client: Any, app_log: str) -> None:
    assert found(logs_client, app_log, filterPattern="ERROR") == [
        "ERROR payment declined for order 17",
        "ERROR Internal Server Error while charging",
        "WARN ARGUMENTS missing, ERROR follows",
    ]


def test_filter_log_events_requires_every_term_in_any_order(logs_client: Any, app_log: str) -> None:
    assert found(logs_client, app_log, filterPattern="ARGUMENTS ERROR") == ["WARN ARGUMENTS missing, ERROR follows"]


def test_filter_log_events_quoted_phrase_must_appear_exactly(logs_client: Any, app_log: str) -> None:
    assert found(logs_client, app_log, filterPattern='"Internal Server Error"') == [
        "ERROR Internal Server Error while charging"
    ]
    assert found(logs_client, app_log, filterPattern='"Server Internal"') == []


def test_filter_log_events_quoted_phrase_may_hold_punctuation(logs_client: Any, app_log: str) -> None:
    assert found(logs_client, app_log, filterPattern='"GET /api/orders"') == ["GET /api/orders 200"]


def test_filter_log_events_combines_terms_and_phrases(logs_client: Any, app_log: str) -> None:
    assert found(logs_client, app_log, filterPattern='ERROR "order 17"') == ["ERROR payment declined for order 17"]


def test_filter_log_events_pattern_applies_before_paging(logs_client: Any, app_log: str) -> None:
    first = logs_client.filter_log_events(logGroupName=app_log, filterPattern="ERROR", limit=2)
    second = logs_client.filter_log_events(
        logGroupName=app_log, filterPattern="ERROR", limit=2, nextToken=first["nextToken"]
    )

    assert [e["message"] for e in first["events"] + second["events"]] == [
        "ERROR payment declined for order 17",
        "ERROR Internal Server Error while charging",
        "WARN ARGUMENTS missing, ERROR follows",
    ]
    assert "nextToken" not in second


# ---- Paging ---------------------------------------------------------------------------------------


def test_filter_log_events_pages_across_streams_in_timestamp_order(logs_client: Any, three_streams: str) -> None:
    pages: list[list[str]] = []
    token: str | None = None
    while True:
        page = logs_client.filter_log_events(
            logGroupName=three_streams, limit=4, **({"nextToken": token} if token else {})
        )
        pages.append([e["message"] for e in page["events"]])
        token = page.get("nextToken")
        if token is None:
            break

    assert [m for page in pages for m in page] == ["m0", "m1", "m2", "m3", "m4", "m5"]
    assert all(len(page) <= 4 for page in pages)
    assert len(pages) >= 2


def test_filter_log_events_has_no_next_token_when_everything_fits(logs_client: Any, three_streams: str) -> None:
    assert "nextToken" not in logs_client.filter_log_events(logGroupName=three_streams, limit=6)


def test_filter_log_events_paging_keeps_the_time_range_and_streams(
    logs_client: Any, three_streams: str, base: int
) -> None:
    kwargs = {"logGroupName": three_streams, "logStreamNamePrefix": "worker-", "startTime": base + 2, "limit": 1}
    seen: list[str] = []
    while True:
        page = logs_client.filter_log_events(**kwargs)
        seen += [e["message"] for e in page["events"]]
        if "nextToken" not in page:
            break
        kwargs["nextToken"] = page["nextToken"]

    assert seen == ["m2", "m4", "m5"]


def test_filter_log_events_paginator_collects_every_event(logs_client: Any, three_streams: str) -> None:
    paginator = logs_client.get_paginator("filter_log_events")

    pages = list(paginator.paginate(logGroupName=three_streams, PaginationConfig={"PageSize": 2}))

    assert [e["message"] for p in pages for e in p["events"]] == ["m0", "m1", "m2", "m3", "m4", "m5"]
    assert len(pages) >= 3


def test_filter_log_events_paginator_build_full_result_applies_max_items(logs_client: Any, three_streams: str) -> None:
    paginator = logs_client.get_paginator("filter_log_events")

    result = paginator.paginate(
        logGroupName=three_streams, PaginationConfig={"PageSize": 2, "MaxItems": 3}
    ).build_full_result()

    assert [e["message"] for e in result["events"]] == ["m0", "m1", "m2"]


def test_filter_log_events_returns_at_most_10000_events_per_page(logs_client: Any, group: str, base: int) -> None:
    logs_client.put_log_events(
        logGroupName=group, logStreamName="web", logEvents=[{"timestamp": base, "message": "bulk"}] * 10_000
    )
    put(logs_client, group, "web", (base + 1, "last"))

    first = logs_client.filter_log_events(logGroupName=group)
    second = logs_client.filter_log_events(logGroupName=group, nextToken=first["nextToken"])

    assert len(first["events"]) == 10_000
    assert [e["message"] for e in second["events"]] == ["last"]


def test_filter_log_events_returns_at_most_1_mb_per_page(logs_client: Any, group: str, base: int) -> None:
    big = [f"{i}" + "x" * 400_000 for i in range(3)]  # two fit in 1,048,576 bytes, three do not
    for i, message in enumerate(big):
        put(logs_client, group, "web", (base + i, message))

    pages = list(logs_client.get_paginator("filter_log_events").paginate(logGroupName=group))

    assert [e["message"] for p in pages for e in p["events"]] == big
    assert max(len(p["events"]) for p in pages) == 2


def test_filter_log_events_refuses_a_malformed_next_token(logs_client: Any, three_streams: str) -> None:
    code = error_code(lambda: logs_client.filter_log_events(logGroupName=three_streams, nextToken="garbage"))

    assert code == "InvalidParameterException"


def test_filter_log_events_refuses_a_token_issued_for_another_group(logs_client: Any, three_streams: str) -> None:
    logs_client.create_log_group(logGroupName="/app/other")
    token = logs_client.filter_log_events(logGroupName=three_streams, limit=1)["nextToken"]

    code = error_code(lambda: logs_client.filter_log_events(logGroupName="/app/other", nextToken=token))

    assert code == "InvalidParameterException"


def test_filter_log_events_refuses_a_limit_above_10000(logs_client: Any, three_streams: str) -> None:
    assert error_code(lambda: logs_client.filter_log_events(logGroupName=three_streams, limit=10_001)) == (
        "InvalidParameterException"
    )
