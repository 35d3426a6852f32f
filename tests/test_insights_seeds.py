"""The queries from the Insights issue, end to end through boto3: the shapes people actually run."""

from __future__ import annotations

from typing import Any

from insights_helpers import MINUTE, hour_start, put, put_at, rows, run

REPORT = (
    "REPORT RequestId: 3b2c4a1e-5d6f-4a8b-9c0d-1e2f3a4b5c6d\tDuration: {d} ms\tBilled Duration: {b} ms\t"
    "Memory Size: 128 MB\tMax Memory Used: 67 MB\t"
)


def test_errors_newest_first_with_the_fields_asked_for(logs_client: Any, group: str) -> None:
    put(
        logs_client,
        group,
        {"level": "ERROR", "message": "db down", "error": "timeout"},
        {"level": "INFO", "message": "ok"},
        {"level": "ERROR", "message": "db down again", "error": "refused"},
    )
    found = rows(
        logs_client,
        'fields @timestamp, level, message, error | filter level = "ERROR" | sort @timestamp desc | limit 100',
    )
    assert [r["error"] for r in found] == ["refused", "timeout"]
    assert set(found[0]) == {"@timestamp", "level", "message", "error"}


def test_latency_statistics_of_one_message_kind(logs_client: Any, group: str) -> None:
    put(
        logs_client,
        group,
        {"message": "chat_response_sent", "latency_ms": 120},
        {"message": "chat_response_sent", "latency_ms": 80},
        {"message": "chat_request_received", "latency_ms": 5000},
        {"message": "chat_response_sent", "latency_ms": 100.5},
    )
    found = rows(
        logs_client,
        'fields latency_ms | filter message = "chat_response_sent" | stats avg(latency_ms) as avg_latency, '
        "max(latency_ms) as max_latency, min(latency_ms) as min_latency",
    )
    assert found == [{"avg_latency": "100.16666666666667", "max_latency": "120", "min_latency": "80"}]


def test_busiest_sessions_sorted_by_the_count_column(logs_client: Any, group: str) -> None:
    sessions = ["a", "b", "b", "c", "b", "a"]
    put(logs_client, group, *({"message": "chat_request_received", "session_id": s} for s in sessions))
    found = rows(
        logs_client,
        'fields session_id | filter message = "chat_request_received" | stats count() by session_id '
        "| sort count desc | limit 20",
    )
    assert found == [
        {"session_id": "b", "count()": "3"},
        {"session_id": "a", "count()": "2"},
        {"session_id": "c", "count()": "1"},
    ]


def test_response_times_per_five_minute_bin(logs_client: Any, group: str) -> None:
    start = hour_start()
    put_at(
        logs_client,
        group,
        [
            (start + 1 * MINUTE, {"response_time_ms": 10}),
            (start + 4 * MINUTE, {"response_time_ms": 30}),
            (start + 6 * MINUTE, {"response_time_ms": 7}),
        ],
    )
    found = rows(logs_client, "stats avg(response_time_ms), max(response_time_ms), min(response_time_ms) by bin(5m)")
    assert [r["avg(response_time_ms)"] for r in found] == ["20", "7"]
    assert [r["max(response_time_ms)"] for r in found] == ["30", "7"]
    assert [r["min(response_time_ms)"] for r in found] == ["10", "7"]
    assert found[0]["bin(5m)"].endswith(":00:00.000")
    assert found[1]["bin(5m)"].endswith(":05:00.000")


def test_lambda_report_durations_per_bin(logs_client: Any, group: str) -> None:
    put(
        logs_client,
        group,
        "START RequestId: 3b2c4a1e-5d6f-4a8b-9c0d-1e2f3a4b5c6d Version: $LATEST",
        REPORT.format(d="102.25", b="103"),
        "END RequestId: 3b2c4a1e-5d6f-4a8b-9c0d-1e2f3a4b5c6d",
        REPORT.format(d="50.75", b="51"),
    )
    found = rows(logs_client, 'filter @type = "REPORT" | stats avg(@duration) by bin(5m)')
    assert [r["avg(@duration)"] for r in found] == ["76.5"]


def test_statistics_count_scanned_and_matched_events(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"level": "ERROR"}, {"level": "INFO"}, {"level": "ERROR"})
    reply = run(logs_client, 'filter level = "ERROR" | stats count(*)')
    assert reply["statistics"]["recordsScanned"] == 3.0
    assert reply["statistics"]["recordsMatched"] == 2.0
    assert reply["statistics"]["bytesScanned"] == float(len('{"level": "ERROR"}') * 2 + len('{"level": "INFO"}'))


def test_matched_counts_every_matching_event_beyond_the_row_cap(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"level": "ERROR"}, {"level": "INFO"}, {"level": "ERROR"}, {"level": "ERROR"})
    reply = run(logs_client, 'filter level = "ERROR" | fields level', limit=2)
    assert len(reply["results"]) == 2
    assert reply["statistics"]["recordsMatched"] == 3.0


def test_matched_equals_scanned_without_filters(logs_client: Any, group: str) -> None:
    put(logs_client, group, "a", "b")
    assert run(logs_client, "fields @message | limit 1")["statistics"]["recordsMatched"] == 2.0


def test_matched_of_a_stats_query_whose_groups_were_all_filtered_out(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"level": "ERROR"}, {"level": "INFO"})
    reply = run(logs_client, 'filter level = "ERROR" | stats count(*) as c | filter c > 5')
    assert reply["results"] == []
    assert reply["statistics"]["recordsMatched"] == 1.0
