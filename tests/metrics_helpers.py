"""Helpers for the CloudWatch metrics tests: a time base with room for data at known offsets, the statistics a
test expects (computed here, straight from the samples it sent) and the AWS error a call fails with."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from botocore.exceptions import ClientError

NAMESPACE = "Shop"
MINUTE = timedelta(minutes=1)

# A sample is what one raw value weighs: (value, count). A Value datum is (value, 1).
Sample = tuple[float, float]


def hour_start() -> datetime:
    """The start of the hour before the current one: data at up to an hour past it is in the past, well inside
    the two weeks PutMetricData accepts, and on a boundary of every period the tests use."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


def epoch_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def statistics(samples: Iterable[Sample], sets: Iterable[dict[str, float]] = ()) -> dict[str, float]:
    """SampleCount, Sum, Average, Minimum and Maximum of raw samples and StatisticValues sets together."""
    parts = [{"SampleCount": c, "Sum": v * c, "Minimum": v, "Maximum": v} for v, c in samples] + list(sets)
    count = sum(p["SampleCount"] for p in parts)
    total = sum(p["Sum"] for p in parts)
    return {
        "SampleCount": count,
        "Sum": total,
        "Average": total / count,
        "Minimum": min(p["Minimum"] for p in parts),
        "Maximum": max(p["Maximum"] for p in parts),
    }


def nearest_rank(samples: Sequence[Sample], name: str) -> float:
    """The percentile ``name`` ("p99.9") by nearest rank, weighted by counts, in exact arithmetic: the smallest
    value whose cumulative count reaches p% of the total count."""
    needed = Fraction(name[1:]) / 100 * sum(Fraction(c) for _, c in samples)
    running = Fraction(0)
    for value, count in sorted(samples):
        running += Fraction(count)
        if running >= needed:
            return value
    raise AssertionError("unreachable: the last running total is the whole count")


def aws_error(call: Callable[[], Any]) -> tuple[str, str]:
    """The AWS error code and message ``call`` fails with."""
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def datapoints(cloudwatch: Any, metric: str, start: datetime, end: datetime, period: int, **request: Any) -> list:
    """GetMetricStatistics' datapoints for ``metric`` in NAMESPACE, oldest first (AWS returns them unordered)."""
    found = cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE, MetricName=metric, StartTime=start, EndTime=end, Period=period, **request
    )["Datapoints"]
    return sorted(found, key=lambda point: point["Timestamp"])


def by_period(points: Iterable[tuple[datetime, Sample]], period: int) -> dict[int, list[Sample]]:
    """The samples of each period, keyed by the period's first millisecond (a multiple of the period)."""
    grouped: dict[int, list[Sample]] = {}
    for moment, sample in points:
        start = epoch_ms(moment) // (period * 1000) * period * 1000
        grouped.setdefault(start, []).append(sample)
    return grouped


STATISTICS = ["SampleCount", "Sum", "Average", "Minimum", "Maximum"]
PERCENTILES = ["p50", "p90", "p99", "p99.9"]
PROTOCOLS = ["json", "query", "smithy-rpc-v2-cbor"]


def put(cloudwatch: Any, *data: dict[str, Any], namespace: str = NAMESPACE) -> None:
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=list(data))


def stats_of(point: dict[str, Any]) -> dict[str, float]:
    return {name: point[name] for name in STATISTICS if name in point}


def series(reply: dict[str, Any]) -> set[tuple[str, str, frozenset[tuple[str, str]]]]:
    """ListMetrics' metrics as comparable values (AWS promises no order of metrics or of their dimensions)."""
    return {
        (m["Namespace"], m["MetricName"], frozenset((d["Name"], d["Value"]) for d in m["Dimensions"]))
        for m in reply["Metrics"]
    }


def dims(**pairs: str) -> list[dict[str, str]]:
    return [{"Name": name, "Value": value} for name, value in pairs.items()]
