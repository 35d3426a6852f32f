"""Helpers for the metric math tests: series put one value a minute, queries, and each result's datapoints as
(minute from the base, value), plus the reference rules the tests compute their expectations with."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from metrics_helpers import MINUTE, NAMESPACE, aws_error, epoch_ms, hour_start

Points = list[tuple[int, float]]  # (minute from the base, value)
Maybe = float | None  # one minute of a series: a value, or no datapoint


def put_minutes(
    cloudwatch: Any, metric: str, base: datetime, values: Sequence[Maybe], dimensions: dict[str, str] | None = None
) -> None:
    """One datapoint in each minute from ``base`` (10 s in) whose value is not None."""
    data = [
        {
            "MetricName": metric,
            "Value": value,
            "Timestamp": base + minute * MINUTE + timedelta(seconds=10),
            "Dimensions": [{"Name": k, "Value": v} for k, v in (dimensions or {}).items()],
        }
        for minute, value in enumerate(values)
        if value is not None
    ]
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data)


def metric(
    identifier: str,
    name: str,
    stat: str = "Sum",
    period: int = 60,
    dimensions: dict[str, str] | None = None,
    returned: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """A MetricStat query, not returned unless asked: most tests only look at the expressions."""
    return {
        "Id": identifier,
        "MetricStat": {
            "Metric": {
                "Namespace": NAMESPACE,
                "MetricName": name,
                "Dimensions": [{"Name": k, "Value": v} for k, v in (dimensions or {}).items()],
            },
            "Period": period,
            "Stat": stat,
        },
        "ReturnData": returned,
        **extra,
    }


def expression(identifier: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"Id": identifier, "Expression": text, **extra}


def get(cloudwatch: Any, queries: list[dict[str, Any]], base: datetime, minutes: int, **request: Any) -> Any:
    """GetMetricData over ``minutes`` minutes from ``base``, oldest first unless ScanBy says otherwise."""
    request.setdefault("ScanBy", "TimestampAscending")
    return cloudwatch.get_metric_data(
        MetricDataQueries=queries, StartTime=base, EndTime=base + minutes * MINUTE, **request
    )


def points(result: dict[str, Any], base: datetime) -> Points:
    start = epoch_ms(base)
    return [
        ((epoch_ms(moment) - start) // 60_000, value)
        for moment, value in zip(result["Timestamps"], result["Values"], strict=True)
    ]


def only(reply: dict[str, Any], base: datetime, identifier: str = "e1") -> Points:
    """The datapoints of the one result of ``identifier``."""
    [result] = [r for r in reply["MetricDataResults"] if r["Id"] == identifier]
    return points(result, base)


def labelled(reply: dict[str, Any], base: datetime, identifier: str = "e1") -> list[tuple[str, Points]]:
    """Each result of ``identifier`` (an array gives several), as (label, datapoints), in the order returned."""
    return [(r["Label"], points(r, base)) for r in reply["MetricDataResults"] if r["Id"] == identifier]


def present(values: Sequence[Maybe]) -> Points:
    return [(minute, value) for minute, value in enumerate(values) if value is not None]


def pairwise(left: Sequence[Maybe], right: Sequence[Maybe], operation: Callable[[float, float], float]) -> Points:
    """AWS's rule for series op series: aligned by minute, a missing value counts as 0 when the other series
    has one, nothing where neither has; results that are not finite numbers are dropped."""
    found: Points = []
    for minute, (a, b) in enumerate(zip(left, right, strict=True)):
        if a is None and b is None:
            continue
        try:
            value = operation(0.0 if a is None else a, 0.0 if b is None else b)
        except (ZeroDivisionError, ValueError, OverflowError):
            continue
        if math.isfinite(value):
            found.append((minute, value))
    return found


def each_point(values: Sequence[Maybe], operation: Callable[[float], float]) -> Points:
    """``operation`` on each datapoint; results that are not finite numbers are dropped."""
    found: Points = []
    for minute, value in present(values):
        try:
            result = operation(value)
        except (ZeroDivisionError, ValueError, OverflowError):
            continue
        if math.isfinite(result):
            found.append((minute, result))
    return found


def math_error(cloudwatch: Any, queries: list[dict[str, Any]]) -> tuple[str, str]:
    base = hour_start()
    return aws_error(lambda: get(cloudwatch, queries, base, 5))


def close(got: Points, expected: Points) -> bool:
    """The same minutes, and values equal up to floating-point rounding."""
    return [m for m, _ in got] == [m for m, _ in expected] and all(
        math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for (_, a), (_, b) in zip(got, expected, strict=True)
    )
