"""PutLogEvents through boto3, against the limits of the CloudWatch Logs API reference: whole-batch rules
fail the call and store nothing; per-event time rules reject events one by one and store the rest."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from botocore.config import Config
from logs_helpers import error_code, now_ms

from vigil.testing import VigilServer

HOUR = 3_600_000
DAY = 24 * HOUR
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26


def events_at(*timestamps: int, message: str = "event") -> list[dict[str, Any]]:
    return [{"timestamp": t, "message": f"{message} {i}"} for i, t in enumerate(timestamps)]


def stored(logs_client: Any, group: str, stream: str = "web") -> list[dict[str, Any]]:
    """Every event of the stream, oldest first, following forward tokens to the end."""
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
    while True:
        page = logs_client.get_log_events(**kwargs)
        events += page["events"]
        if page["nextForwardToken"] == kwargs.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextForwardToken"]


def stored_messages(logs_client: Any, group: str, stream: str = "web") -> list[str]:
    return [e["message"] for e in stored(logs_client, group, stream)]


@pytest.fixture
def unchecked_client(vigil: VigilServer) -> Any:
    """A boto3 client that sends what botocore's own validation would stop, so the server has to."""
    return vigil.client("logs", config=Config(parameter_validation=False))


# ---- What is stored -------------------------------------------------------------------------------


def test_put_log_events_stores_messages_exactly_as_sent(logs_client: Any, group: str) -> None:
    messages = ["plain", "multi\nline\ttabbed", '{"json": true, "n": 1}', "ünïcödé 日本 🚀", " padded  "]
    now = now_ms()

    logs_client.put_log_events(
        logGroupName=group, logStreamName="web", logEvents=[{"timestamp": now, "message": m} for m in messages]
    )

    assert stored_messages(logs_client, group) == messages


def test_put_log_events_keeps_the_timestamps_sent(logs_client: Any, group: str) -> None:
    now = now_ms()
    timestamps = [now - 3000, now - 2000, now - 2000, now]

    logs_client.put_log_events(logGroupName=group, logStreamName="web", logEvents=events_at(*timestamps))

    assert [e["timestamp"] for e in stored(logs_client, group)] == timestamps


def test_put_log_events_stamps_each_event_with_its_ingestion_time(logs_client: Any, group: str) -> None:
    before = now_ms()
    logs_client.put_log_events(logGroupName=group, logStreamName="web", logEvents=events_at(before - HOUR))
    after = now_ms()

    (event,) = stored(logs_client, group)

    assert before <= event["ingestionTime"] <= after


def test_put_log_events_accepts_events_with_equal_timestamps_in_the_order_sent(logs_client: Any, group: str) -> None:
    now = now_ms()

    logs_client.put_log_events(logGroupName=group, logStreamName="web", logEvents=events_at(*[now] * 5))

    assert stored_messages(logs_client, group) == [f"event {i}" for i in range(5)]


def test_put_log_events_returns_no_rejections_when_every_event_is_accepted(logs_client: Any, group: str) -> None:
    response = logs_client.put_log_events(logGroupName=group, logStreamName="web", logEvents=events_at(now_ms()))

    assert "rejectedLogEventsInfo" not in response


def test_put_log_events_returns_a_next_sequence_token(logs_client: Any, group: str) -> None:
    response = logs_client.put_log_events(logGroupName=group, logStreamName="web", logEvents=events_at(now_ms()))

    assert isinstance(response["nextSequenceToken"], str)
    assert response["nextSequenceToken"]


def test_put_log_events_accepts_and_ignores_any_sequence_token(logs_client: Any, group: str) -> None:
    now = now_ms()
    for token in ("49590302983232092834092834092834", "not-even-a-number"):
        logs_client.put_log_events(
            logGroupName=group, logStreamName="web", logEvents=events_at(now, message=token), sequenceToken=token
        )

    assert stored_messages(logs_client, group) == ["49590302983232092834092834092834 0", "not-even-a-number 0"]


def test_put_log_events_from_concurrent_writers_to_one_stream_stores_every_event(
    vigil: VigilServer, logs_client: Any, group: str
) -> None:
    threads, calls, per_call = 8, 5, 50
    now = now_ms()
    failures: list[BaseException] = []

    def write(thread: int) -> None:
        client = vigil.client("logs")
        try:
            for call in range(calls):
                events = [{"timestamp": now, "message": f"t{thread}-c{call}-e{i}"} for i in range(per_call)]
                client.put_log_events(logGroupName=group, logStreamName="web", logEvents=events)
        except BaseException as exc:  # reported below, on the test's thread
            failures.append(exc)

    workers = [threading.Thread(target=write, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    expected = {f"t{t}-c{c}-e{i}" for t in range(threads) for c in range(calls) for i in range(per_call)}
    messages = stored_messages(logs_client, group)
    assert failures == []
    assert len(messages) == len(expected)
    assert set(messages) == expected


# ---- Whole-batch rules ----------------------------------------------------------------------------


def test_put_log_events_accepts_10000_events(logs_client: Any, group: str) -> None:
    now = now_ms()

    logs_client.put_log_events(
        logGroupName=group, logStreamName="web", logEvents=[{"timestamp": now, "message": "x"}] * 10_000
    )

    assert len(stored(logs_client, group)) == 10_000


def test_put_log_events_refuses_10001_events(logs_client: Any, group: str) -> None:
    now = now_ms()

    code = error_code(
        lambda: logs_client.put_log_events(
            logGroupName=group, logStreamName="web", logEvents=[{"timestamp": now, "message": "x"}] * 10_001
        )
    )

    assert code == "InvalidParameterException"
    assert stored(logs_client, group) == []


def _batch_of_exactly_max_bytes() -> list[str]:
    """Four messages of multibyte characters whose UTF-8 bytes plus 26 per event are 1,048,576 exactly."""
    per_message = MAX_BATCH_BYTES // 4 - EVENT_OVERHEAD  # 262,118 bytes
    message = "€" * ((per_message - 2) // 3) + "xy"  # '€' is 3 bytes in UTF-8
    assert len(message.encode()) == per_message
    return [message] * 4


def test_put_log_events_accepts_a_batch_of_exactly_1048576_bytes_counted_in_utf8(logs_client: Any, group: str) -> None:
    messages = _batch_of_exactly_max_bytes()
    assert sum(len(m.encode()) + EVENT_OVERHEAD for m in messages) == MAX_BATCH_BYTES
    now = now_ms()

    logs_client.put_log_events(
        logGroupName=group, logStreamName="web", logEvents=[{"timestamp": now, "message": m} for m in messages]
    )

    assert stored_messages(logs_client, group) == messages


def test_put_log_events_refuses_a_batch_one_byte_over_1048576(logs_client: Any, group: str) -> None:
    messages = _batch_of_exactly_max_bytes()
    messages[-1] += "z"
    # Counted in characters, or without the per-event overhead, this batch would look far smaller.
    assert sum(len(m) + EVENT_OVERHEAD for m in messages) < MAX_BATCH_BYTES // 2
    now = now_ms()

    code = error_code(
        lambda: logs_client.put_log_events(
            logGroupName=group, logStreamName="web", logEvents=[{"timestamp": now, "message": m} for m in messages]
        )
    )

    assert code == "InvalidParameterException"
    assert stored(logs_client, group) == []


def test_put_log_events_counts_26_bytes_of_overhead_per_event(logs_client: Any, group: str) -> None:
    # 1,000 events whose messages alone total 1,048,576 - 25,999 bytes: under the limit without the
    # overhead, one byte over it with 26 bytes per event.
    size = (MAX_BATCH_BYTES - 25_999) // 1000
    messages = ["é" * (size // 2)] * 1000
    extra = MAX_BATCH_BYTES - 25_999 - sum(len(m.encode()) for m in messages)
    messages[0] += "a" * extra
    assert sum(len(m.encode()) for m in messages) + EVENT_OVERHEAD * 1000 == MAX_BATCH_BYTES + 1
    now = now_ms()

    code = error_code(
        lambda: logs_client.put_log_events(
            logGroupName=group, logStreamName="web", logEvents=[{"timestamp": now, "message": m} for m in messages]
        )
    )

    assert code == "InvalidParameterException"


def test_put_log_events_accepts_a_single_event_of_the_largest_size(logs_client: Any, group: str) -> None:
    message = "é" * ((MAX_BATCH_BYTES - EVENT_OVERHEAD) // 2)  # 1,048,550 bytes, 524,275 characters

    logs_client.put_log_events(
        logGroupName=group, logStreamName="web", logEvents=[{"timestamp": now_ms(), "message": message}]
    )

    assert stored_messages(logs_client, group) == [message]


def test_put_log_events_refuses_events_out_of_chronological_order(logs_client: Any, group: str) -> None:
    now = now_ms()

    code = error_code(
        lambda: logs_client.put_log_events(
            logGroupName=group, logStreamName="web", logEvents=events_at(now - 1000, now - 3000, now - 2000)
        )
    )

    assert code == "InvalidParameterException"
    assert stored(logs_client, group) == []


def test_put_log_events_accepts_a_batch_spanning_exactly_24_hours(logs_client: Any, group: str) -> None:
    newest = now_ms() - HOUR

    logs_client.put_log_events(logGroupName=group, logStreamName="web", logEvents=events_at(newest - DAY, newest))

    assert [e["timestamp"] for e in stored(logs_client, group)] == [newest - DAY, newest]


def test_put_log_events_rejects_a_batch_spanning_more_than_24_hours(logs_client: Any, group: str) -> None:
    newest = now_ms() - HOUR

    code = error_code(
        lambda: logs_client.put_log_events(
            logGroupName=group, logStreamName="web", logEvents=events_at(newest - DAY - 1, newest)
        )
    )

    assert code == "InvalidParameterException"
    assert stored(logs_client, group) == []


def test_put_log_events_refuses_an_empty_message(unchecked_client: Any, group: str) -> None:
    now = now_ms()
    events = [{"timestamp": now, "message": "fine"}, {"timestamp": now, "message": ""}]

    code = error_code(
        lambda: unchecked_client.put_log_events(logGroupName=group, logStreamName="web", logEvents=events)
    )

    assert code == "InvalidParameterException"
    assert stored(unchecked_client, group) == []


def test_put_log_events_refuses_an_empty_batch(unchecked_client: Any, group: str) -> None:
    code = error_code(lambda: unchecked_client.put_log_events(logGroupName=group, logStreamName="web", logEvents=[]))

    assert code == "InvalidParameterException"


def test_put_log_events_to_a_missing_stream_is_resource_not_found(logs_client: Any, group: str) -> None:
    code = error_code(
        lambda: logs_client.put_log_events(logGroupName=group, logStreamName="missing", logEvents=events_at(now_ms()))
    )

    assert code == "ResourceNotFoundException"


def test_put_log_events_to_a_missing_group_is_resource_not_found(logs_client: Any) -> None:
    code = error_code(
        lambda: logs_client.put_log_events(logGroupName="missing", logStreamName="web", logEvents=events_at(now_ms()))
    )

    assert code == "ResourceNotFoundException"


# ---- Per-event time rules -------------------------------------------------------------------------


def test_put_log_events_rejects_events_over_2_hours_in_the_future_and_stores_the_rest(
    logs_client: Any, group: str
) -> None:
    now = now_ms()

    response = logs_client.put_log_events(
        logGroupName=group, logStreamName="web", logEvents=events_at(now, now + HOUR, now + 3 * HOUR, now + 4 * HOUR)
    )

    # tooNewLogEventStartIndex: the index of the first too-new event, inclusive.
    assert response["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 2}
    assert stored_messages(logs_client, group) == ["event 0", "event 1"]


def test_put_log_events_rejects_events_over_14_days_old_and_stores_the_rest(logs_client: Any, group: str) -> None:
    edge = now_ms() - 14 * DAY

    response = logs_client.put_log_events(
        logGroupName=group,
        logStreamName="web",
        logEvents=events_at(edge - 2 * HOUR, edge - HOUR, edge + HOUR, edge + 2 * HOUR),
    )

    # tooOldLogEventEndIndex: the end of the too-old events, exclusive, so events 0 and 1 were too old.
    assert response["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 2}
    assert stored_messages(logs_client, group) == ["event 2", "event 3"]


def test_put_log_events_rejects_events_older_than_the_retention_and_stores_the_rest(
    logs_client: Any, group: str
) -> None:
    logs_client.put_retention_policy(logGroupName=group, retentionInDays=1)
    edge = now_ms() - DAY

    response = logs_client.put_log_events(
        logGroupName=group,
        logStreamName="web",
        logEvents=events_at(edge - 3 * HOUR, edge - 2 * HOUR, edge - HOUR, edge + HOUR),
    )

    # expiredLogEventEndIndex: the end of the expired events, exclusive, like tooOldLogEventEndIndex.
    assert response["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 3}
    assert stored_messages(logs_client, group) == ["event 3"]


def test_put_log_events_within_a_longer_retention_still_rejects_events_over_14_days_old(
    logs_client: Any, group: str
) -> None:
    logs_client.put_retention_policy(logGroupName=group, retentionInDays=30)
    edge = now_ms() - 14 * DAY

    response = logs_client.put_log_events(
        logGroupName=group, logStreamName="web", logEvents=events_at(edge - HOUR, edge + HOUR)
    )

    assert response["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 1}
    assert stored_messages(logs_client, group) == ["event 1"]


def test_put_log_events_reports_a_batch_of_only_too_new_events_from_index_0(logs_client: Any, group: str) -> None:
    now = now_ms()

    response = logs_client.put_log_events(
        logGroupName=group, logStreamName="web", logEvents=events_at(now + 3 * HOUR, now + 4 * HOUR)
    )

    assert response["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 0}
    assert stored(logs_client, group) == []


def test_put_log_events_rejected_events_do_not_count_toward_stored_bytes(logs_client: Any, group: str) -> None:
    now = now_ms()

    logs_client.put_log_events(
        logGroupName=group,
        logStreamName="web",
        logEvents=[{"timestamp": now, "message": "kept"}, {"timestamp": now + 3 * HOUR, "message": "too new"}],
    )

    assert logs_client.describe_log_groups()["logGroups"][0]["storedBytes"] == len("kept")
