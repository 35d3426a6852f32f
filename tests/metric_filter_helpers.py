"""Helpers for the metric filter tests: seed 001's log lines, filters put through boto3, and the datapoints
a series reports per minute, read back with GetMetricStatistics. The ``base`` fixture is registered for every
test by conftest.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

import pytest
from metrics_helpers import epoch_ms, hour_start

Aws = Callable[..., Any]
# An event as a test writes it: (milliseconds after the test's base minute, message).
Event = tuple[int, str]
# What a series reports per minute, keyed by minutes after the base: (SampleCount, Sum).
Points = dict[int, tuple[float, float]]

GROUP = "/app/orders"  # made, with its stream STREAM, by conftest's ``group`` fixture
STREAM = "web"
NAMESPACE = "Shop"

SEED_GROUP = "/aws/scheduling-agent/backend"
SEED_NAMESPACE = "SchedulingAgent"
SEED_ERROR_PATTERN = "[timestamp, level=ERROR, ...]"
SEED_RESPONSE_TIME_PATTERN = "[timestamp, level, msg, latency_ms=latency_ms*, ...]"
SEED_SUCCESS_PATTERN = '[timestamp, level=INFO, msg="chat_response_sent", ...]'

ACCESS_LINE = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 200 1534'
ACCESS_PATTERN = "[ip, user, username, timestamp, request, status_code, bytes]"


def seed_json(level: str, message: str, **fields: Any) -> str:
    """A line of the seed's structured JSON logging, keys in the seed's order."""
    line = {"timestamp": "2025-10-17T12:00:00.123Z", "level": level, "logger": "app.api.chat", "message": message}
    return json.dumps(line | fields)


# Seed 001's backend logs as they arrive: plain text lines, the seed's JSON lines and access-log lines mixed. Only
# the plain lines have the space-delimited shape the seed's three filters expect.
SEED_BATCH: list[Event] = [
    (1_000, "2025-10-17T12:00:01.000Z ERROR payment_failed card_declined"),
    (2_000, "2025-10-17T12:00:02.000Z INFO chat_response_sent latency_ms=850"),
    (3_000, "2025-10-17T12:00:03.000Z WARN slow_query latency_ms=3100"),
    (4_000, seed_json("ERROR", "payment_failed", error_type="CardDeclined")),
    (5_000, seed_json("INFO", "chat_response_sent", latency_ms=640)),
    (6_000, ACCESS_LINE),
    (61_000, "2025-10-17T12:01:01.000Z ERROR db_timeout retrying"),
    (62_000, "2025-10-17T12:01:02.000Z ERROR db_timeout giving_up"),
    (63_000, "2025-10-17T12:01:03.000Z INFO chat_response_sent latency_ms=1200"),
    (64_000, "2025-10-17T12:01:04.000Z INFO chat_request_received session=42"),
    (65_000, "2025-10-17T12:01:05.000Z error lowercase_is_another_level"),
    (121_000, "2025-10-17T12:02:01.000Z INFO chat_response_sent latency_ms=400"),
    (122_000, ACCESS_LINE.replace(" 200 ", " 500 ")),
]


@pytest.fixture
def base() -> datetime:
    """The first minute of the test's data: in the past, inside what PutLogEvents accepts."""
    return hour_start()


def put_events(logs: Any, base: datetime, events: Iterable[Event], group: str = GROUP, stream: str = STREAM) -> Any:
    start = epoch_ms(base)
    batch = [{"timestamp": start + offset, "message": message} for offset, message in sorted(events)]
    return logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)


def put_filter(
    logs: Any,
    name: str,
    pattern: str,
    metric: str,
    value: str = "1",
    *,
    group: str = GROUP,
    namespace: str = NAMESPACE,
    **transformation: Any,
) -> None:
    logs.put_metric_filter(
        logGroupName=group,
        filterName=name,
        filterPattern=pattern,
        metricTransformations=[
            {"metricName": metric, "metricNamespace": namespace, "metricValue": value, **transformation}
        ],
    )


def points(
    cloudwatch: Any,
    metric: str,
    base: datetime,
    *,
    namespace: str = NAMESPACE,
    dimensions: dict[str, str] | None = None,
    **request: Any,
) -> Points:
    """(SampleCount, Sum) of each minute of the hour from ``base`` that has data for the series."""
    found = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": name, "Value": value} for name, value in (dimensions or {}).items()],
        StartTime=base,
        EndTime=base + timedelta(hours=1),
        Period=60,
        Statistics=["SampleCount", "Sum"],
        **request,
    )["Datapoints"]
    return {round((p["Timestamp"] - base).total_seconds()) // 60: (p["SampleCount"], p["Sum"]) for p in found}


def expected(samples: Iterable[tuple[int, float]]) -> Points:
    """The points of (millisecond offset, value) samples, computed here."""
    out: Points = {}
    for offset, value in samples:
        count, total = out.get(offset // 60_000, (0.0, 0.0))
        out[offset // 60_000] = (count + 1, total + value)
    return out


def listed(cloudwatch: Any, namespace: str = NAMESPACE) -> set[tuple[str, frozenset[tuple[str, str]]]]:
    """ListMetrics' series of a namespace as comparable values (AWS promises no order)."""
    metrics = cloudwatch.list_metrics(Namespace=namespace)["Metrics"]
    return {(m["MetricName"], frozenset((d["Name"], d["Value"]) for d in m["Dimensions"])) for m in metrics}


def names(reply: dict[str, Any]) -> list[str]:
    return [f["filterName"] for f in reply["metricFilters"]]


def make_group(logs: Any, name: str, stream: str = STREAM) -> str:
    logs.create_log_group(logGroupName=name)
    logs.create_log_stream(logGroupName=name, logStreamName=stream)
    return name
