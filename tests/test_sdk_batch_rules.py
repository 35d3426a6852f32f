"""The CloudWatch handler obeys every PutLogEvents rule by construction, proven against a real Vigil server.

The server enforces the rules as AWS does: a batch that breaks one fails the whole call (and the handler would
count its records as dropped), and an event outside the accepted time window comes back in
``rejectedLogEventsInfo`` (counted as rejected). So each test logs records that, sent naively, would break a
rule, then reads the stream back with GetLogEvents and checks that every record arrived exactly once, in order,
and that nothing was dropped, rejected or left on the spool.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sdk_helpers import stored_events

from vigil.sdk.pipeline import current_pipeline, set_current_pipeline, standard_pipeline
from vigil.sdk.redaction import Redactor
from vigil.sdk.shipping.batches import TRUNCATION_MARK, Event
from vigil.sdk.shipping.client import LogsClient, PutResult
from vigil.sdk.shipping.config import CloudWatchConfig
from vigil.sdk.shipping.handler import CloudWatchHandler
from vigil.sdk.shipping.limits import (
    EVENT_OVERHEAD_BYTES,
    MAX_AGE_MS,
    MAX_AHEAD_MS,
    MAX_BATCH_BYTES,
    MAX_BATCH_EVENTS,
    MAX_BATCH_SPAN_MS,
    MAX_EVENT_BYTES,
)
from vigil.testing import VigilServer

GROUP = "/vigil/sdk/batch-rules"
STREAM = "rules"
HOUR_S = 3600
DAY_S = 24 * HOUR_S


class RecordingClient(LogsClient):
    """The real client, noting each batch it sends, so a test can see how its records were cut."""

    def __init__(self, config: CloudWatchConfig, sent: list[list[Event]]) -> None:
        super().__init__(config)
        self.sent = sent

    def put(self, group: str, stream: str, batch: list[Event]) -> PutResult:
        self.sent.append(list(batch))
        return super().put(group, stream, batch)


class Shipping:
    """A handler on the test server, and every batch it sent."""

    def __init__(self, handler: CloudWatchHandler, sent: list[list[Event]]) -> None:
        self.handler = handler
        self.sent = sent

    def log(self, message: str, created: float | None = None) -> logging.LogRecord:
        fields: dict[str, Any] = {"name": "shop.orders", "levelno": logging.INFO, "levelname": "INFO", "msg": message}
        if created is not None:
            fields["created"] = created
        record = logging.makeLogRecord(fields)
        self.handler.handle(record)
        return record

    def deliver(self) -> dict[str, int]:
        """Flush, and check that the server took every event: none dropped, rejected or waiting on disk."""
        assert self.handler.flush(timeout=30)
        stats = self.handler.stats()
        assert stats["dropped"] == 0
        assert stats["rejected"] == 0
        assert stats["spooled"] == 0
        assert stats["queued"] == 0
        return stats


ShippingFactory = Callable[..., Shipping]


@pytest.fixture(autouse=True)
def pipeline() -> Iterator[None]:
    previous = current_pipeline()
    set_current_pipeline(standard_pipeline(app_name="shop", environment="test", redactor=Redactor()))
    yield
    set_current_pipeline(previous)


@pytest.fixture
def shipping(vigil: VigilServer, tmp_path: Path) -> Iterator[ShippingFactory]:
    """``shipping(format="json", **options)``: a CloudWatchHandler on the test server (``options`` are
    CloudWatchConfig's); closed at the end of the test.

    The flush interval is long so that everything logged before ``flush()`` goes out in one delivery, as one
    burst the handler has to cut into batches itself.
    """
    made: list[CloudWatchHandler] = []

    def make(format: str = "json", **options: Any) -> Shipping:
        settings: dict[str, Any] = {"flush_interval": 60.0, "batch_size": 1000, "exit_timeout": 10.0, **options}
        config = CloudWatchConfig(
            log_group=GROUP,
            log_stream=STREAM,
            endpoint_url=vigil.endpoint_url,
            region="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            spool_dir=tmp_path / "spool",
            **settings,
        )
        sent: list[list[Event]] = []
        handler = CloudWatchHandler(config, format=format, client_factory=lambda config: RecordingClient(config, sent))
        made.append(handler)
        return Shipping(handler, sent)

    yield make
    for handler in made:
        handler.close()


def stored(logs_client: Any) -> list[dict[str, Any]]:
    return stored_events(logs_client, GROUP, STREAM)


def messages(events: list[dict[str, Any]]) -> list[str]:
    return [json.loads(event["message"])["message"] for event in events]


def iso(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(created * 1000) % 1000:03d}Z"


def batch_bytes(batch: list[Event]) -> int:
    return sum(len(message) + EVENT_OVERHEAD_BYTES for _, message in batch)


# -- count -------------------------------------------------------------------------------------------------------


def test_more_than_ten_thousand_records_in_one_flush_arrive_in_batches_of_at_most_ten_thousand(
    shipping: ShippingFactory, logs_client: Any
) -> None:
    # Bare messages: 10,500 of them fit in 1 MB, so the count is the only rule that can cut these batches.
    ship = shipping(format="%(message)s", batch_size=MAX_BATCH_EVENTS, max_queue_size=20_000)
    logged = [f"order {index}" for index in range(10_500)]
    for message in logged:
        ship.log(message)

    stats = ship.deliver()

    assert [event["message"] for event in stored(logs_client)] == logged
    assert stats["sent"] == len(logged)
    assert max(len(batch) for batch in ship.sent) == MAX_BATCH_EVENTS
    assert sum(len(batch) for batch in ship.sent) == len(logged)


def test_a_batch_size_over_ten_thousand_cannot_be_configured() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        CloudWatchConfig(log_group=GROUP, batch_size=MAX_BATCH_EVENTS + 1)


# -- size --------------------------------------------------------------------------------------------------------


def test_records_totalling_more_than_a_megabyte_arrive_in_several_batches(
    shipping: ShippingFactory, logs_client: Any
) -> None:
    ship = shipping()
    logged = [f"{index} " + "é" * 150_000 for index in range(5)]  # 300 KB each, 1.5 MB in all
    for message in logged:
        ship.log(message)

    ship.deliver()

    assert messages(stored(logs_client)) == logged
    assert len(ship.sent) >= 2
    assert all(batch_bytes(batch) <= MAX_BATCH_BYTES for batch in ship.sent)


def sized_records(ship: Shipping, sizes: list[int]) -> list[logging.LogRecord]:
    """Records whose JSON is exactly ``sizes`` bytes, created (not yet handled) in that order."""
    probe = logging.makeLogRecord({"name": "shop.orders", "levelno": logging.INFO, "levelname": "INFO", "msg": ""})
    envelope = len(ship.handler.format(probe).encode())
    made = []
    for size in sizes:
        record = logging.makeLogRecord(
            {"name": "shop.orders", "levelno": logging.INFO, "levelname": "INFO", "msg": "x" * (size - envelope)}
        )
        assert len(ship.handler.format(record).encode()) == size
        made.append(record)
    return made


@pytest.mark.parametrize(
    ("extra_bytes", "batch_lengths"),
    [(0, [4]), (1, [3, 1])],
    ids=["exactly-at-the-limit-is-one-batch", "one-byte-over-is-two-batches"],
)
def test_the_byte_limit_counts_26_bytes_per_event_to_the_exact_byte(
    shipping: ShippingFactory, logs_client: Any, extra_bytes: int, batch_lengths: list[int]
) -> None:
    ship = shipping()
    quarter = MAX_BATCH_BYTES // 4 - EVENT_OVERHEAD_BYTES
    records = sized_records(ship, [quarter, quarter, quarter, quarter + extra_bytes])  # 1,048,576 (+1) in a batch
    for record in records:
        ship.handler.handle(record)

    ship.deliver()

    assert messages(stored(logs_client)) == [record.getMessage() for record in records]
    assert [len(batch) for batch in ship.sent] == batch_lengths


# -- span --------------------------------------------------------------------------------------------------------


def test_records_spanning_more_than_24_hours_in_one_flush_arrive_with_their_own_times(
    shipping: ShippingFactory, logs_client: Any
) -> None:
    ship = shipping()
    now = time.time()
    created = [now - 30 * HOUR_S, now - 20 * HOUR_S, now - 5 * HOUR_S, now]
    for index, moment in enumerate(created):
        ship.log(f"record {index}", created=moment)

    ship.deliver()

    events = stored(logs_client)
    assert messages(events) == ["record 0", "record 1", "record 2", "record 3"]
    assert [event["timestamp"] for event in events] == [int(moment * 1000) for moment in created]
    assert len(ship.sent) >= 2
    for batch in ship.sent:
        assert batch[-1][0] - batch[0][0] < MAX_BATCH_SPAN_MS


# -- time order --------------------------------------------------------------------------------------------------


def test_records_logged_out_of_time_order_in_one_flush_all_arrive_in_time_order(
    shipping: ShippingFactory, logs_client: Any
) -> None:
    ship = shipping()
    now = time.time()
    logged = {"3 s ago": now - 3, "1 s ago": now - 1, "2 s ago": now - 2, "4 s ago": now - 4, "5 min ago": now - 300}
    for message, moment in logged.items():
        ship.log(message, created=moment)

    stats = ship.deliver()

    events = stored(logs_client)
    assert messages(events) == ["5 min ago", "4 s ago", "3 s ago", "2 s ago", "1 s ago"]
    assert [event["timestamp"] for event in events] == sorted(int(moment * 1000) for moment in logged.values())
    assert stats["sent"] == len(logged)
    assert len(ship.sent) == 1


def test_records_with_the_same_time_arrive_in_logging_order(shipping: ShippingFactory, logs_client: Any) -> None:
    ship = shipping()
    now = time.time()
    ship.log("later", created=now)
    for index in range(5):
        ship.log(f"same {index}", created=now - 1)

    ship.deliver()

    assert messages(stored(logs_client)) == ["same 0", "same 1", "same 2", "same 3", "same 4", "later"]


# -- the accepted time window ------------------------------------------------------------------------------------


def test_records_too_old_and_too_new_arrive_moved_into_the_window_keeping_their_own_time_in_the_json(
    shipping: ShippingFactory, logs_client: Any
) -> None:
    ship = shipping()
    now = int(time.time())
    old, future = now - 20 * DAY_S, now + 5 * HOUR_S
    ship.log("20 days old", created=old)
    ship.log("now", created=now)
    ship.log("5 hours ahead", created=future)

    before_ms = int(time.time() * 1000)
    ship.deliver()
    after_ms = int(time.time() * 1000)

    events = stored(logs_client)
    assert messages(events) == ["20 days old", "now", "5 hours ahead"]
    oldest, current, newest = events
    assert before_ms - MAX_AGE_MS < oldest["timestamp"] < before_ms - MAX_AGE_MS + 10 * 60_000
    assert current["timestamp"] == now * 1000
    assert after_ms + MAX_AHEAD_MS - 10 * 60_000 < newest["timestamp"] < after_ms + MAX_AHEAD_MS
    assert [json.loads(event["message"])["timestamp"] for event in events] == [iso(old), iso(now), iso(future)]


# -- size of one event -------------------------------------------------------------------------------------------


def test_a_message_over_the_event_limit_arrives_split_into_consecutive_events_that_rebuild_it(
    shipping: ShippingFactory, logs_client: Any
) -> None:
    ship = shipping()
    big = "é€𝄞" * 278_000  # 2.5 MB of two-, three- and four-byte characters: cuts fall inside them
    ship.log("before")
    record = ship.log(big)
    ship.log("after")

    ship.deliver()

    events = stored(logs_client)
    assert len(events) == 5
    assert messages([events[0], events[-1]]) == ["before", "after"]
    parts = [event["message"] for event in events[1:-1]]
    assert all(len(part.encode()) <= MAX_EVENT_BYTES for part in parts)
    assert "".join(parts) == ship.handler.format(record)
    assert json.loads("".join(parts))["message"] == big


def test_a_message_over_the_event_limit_arrives_as_one_marked_event_with_the_truncate_policy(
    shipping: ShippingFactory, logs_client: Any
) -> None:
    ship = shipping(oversize="truncate")
    big = "é€𝄞" * 278_000
    ship.log("before")
    record = ship.log(big)
    ship.log("after")

    ship.deliver()

    events = stored(logs_client)
    assert len(events) == 3
    assert messages([events[0], events[-1]]) == ["before", "after"]
    truncated = events[1]["message"].encode()
    assert len(truncated) <= MAX_EVENT_BYTES
    assert truncated.endswith(TRUNCATION_MARK)
    assert ship.handler.format(record).encode().startswith(truncated[: -len(TRUNCATION_MARK)])


def test_split_counter_counts_each_oversized_record_once(shipping: ShippingFactory) -> None:
    ship = shipping()
    ship.log("é€𝄞" * 278_000)  # three events

    assert ship.deliver()["split"] == 1


def test_split_counter_counts_truncated_records(shipping: ShippingFactory) -> None:
    ship = shipping(oversize="truncate")
    ship.log("é€𝄞" * 278_000)

    assert ship.deliver()["split"] == 1
