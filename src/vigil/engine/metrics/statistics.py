"""GetMetricStatistics: its rules (period, time range, the 1,440-datapoint cap, which statistics, the periods kept
for data of each age) and its datapoints, one per period that holds data."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vigil.engine import clock
from vigil.engine.metrics.datums import canonical_dimensions, invalid_combination, invalid_value, millis
from vigil.engine.metrics.extended import extended_statistic
from vigil.errors import ServiceError
from vigil.store.extended_statistics import ExtendedStatistic
from vigil.store.metrics import MetricsStore, PeriodStatistics

MAX_DATAPOINTS = 1_440
HIGH_RESOLUTION_PERIODS = (1, 5, 10, 20, 30)


@dataclass(frozen=True)
class StatisticsRequest:
    namespace: str
    metric_name: str
    dimensions: str
    start_ms: int
    end_ms: int
    period_s: int
    statistics: tuple[str, ...]
    extended: tuple[ExtendedStatistic, ...]
    unit: str | None
    available: bool  # False: data of StartTime's age is not kept at this period, so no datapoint is returned


def check_period(period: int, where: str, code: str = "InvalidParameterValue") -> int:
    if (period < 60 and period not in HIGH_RESOLUTION_PERIODS) or (period >= 60 and period % 60):
        raise ServiceError(
            code, f"The parameter {where} must be 1, 5, 10, 20, 30 or a multiple of 60; {period} is not."
        )
    return period


_HOUR, _DAY = 3_600_000, 86_400_000

# How CloudWatch keeps metric data (GetMetricStatistics: "Amazon CloudWatch retains metric data as follows"): data
# older than each age is kept only at that period (seconds), aggregated from the finer data; after RETENTION_MS it
# is gone. Younger data keeps the resolution it was put with (1 second for StorageResolution 1).
RESOLUTIONS: tuple[tuple[int, int], ...] = ((3 * _HOUR, 60), (15 * _DAY, 300), (63 * _DAY, 3600))
RETENTION_MS = 455 * _DAY


def period_kept(age_ms: int) -> int:
    """The finest period (seconds) kept for data this old: 1 up to 3 hours, then 60, 300 past 15 days and 3,600
    past 63 days."""
    kept = 1
    for older_than, period in RESOLUTIONS:
        if age_ms > older_than:
            kept = period
    return kept


def period_available(start_ms: int, period_s: int, now_ms: int) -> bool:
    """Whether a query from ``start_ms`` with periods of ``period_s`` can return data. AWS (Period of
    GetMetricStatistics and MetricStat): "If the StartTime parameter specifies a time stamp that is greater than
    3 hours ago, you must specify the period as follows or no data points in that time range is returned": a
    multiple of 60 s up to 15 days, of 300 s up to 63 days, of 3,600 s beyond."""
    return period_s % period_kept(now_ms - start_ms) == 0


def first_period_start(start_ms: int, period_s: int, now_ms: int) -> int:
    """Where the first period begins: StartTime rounded down as CloudWatch rounds it (to the minute when it is
    less than 15 days ago, to 5 minutes up to 63 days, to the hour beyond; high-resolution periods to the
    period), so a period never takes data from before the minute StartTime names."""
    unit = period_s if period_s < 60 else max(60, period_kept(now_ms - start_ms))
    return start_ms - start_ms % (unit * 1000)


def read_request(params: Mapping[str, Any], now: int) -> StatisticsRequest:
    """The request, checked as AWS checks it."""
    period = check_period(int(params["Period"]), "Period")
    start, end = millis(params["StartTime"]), millis(params["EndTime"])
    if start >= end:
        raise invalid_value("The parameter StartTime must be less than the parameter EndTime.")
    statistics = tuple(params.get("Statistics") or ())
    extended = tuple(params.get("ExtendedStatistics") or ())
    if bool(statistics) == bool(extended):
        raise invalid_combination("You must specify either Statistics or ExtendedStatistics, but not both.")
    extended_statistics = tuple(extended_statistic(name, "ExtendedStatistics") for name in dict.fromkeys(extended))
    period_ms = period * 1000
    aligned = first_period_start(start, period, now)
    requested = math.ceil((end - aligned) / period_ms)
    if requested > MAX_DATAPOINTS:
        raise invalid_combination(
            f"You have requested up to {requested:,} datapoints, which exceeds the limit of {MAX_DATAPOINTS:,}. "
            "You may reduce the datapoints requested by increasing Period, or decreasing the time range."
        )
    return StatisticsRequest(
        namespace=params["Namespace"],
        metric_name=params["MetricName"],
        dimensions=canonical_dimensions(params.get("Dimensions") or [], "Dimensions"),
        start_ms=aligned,
        end_ms=end,
        period_s=period,
        statistics=statistics,
        extended=extended_statistics,
        unit=params.get("Unit"),
        available=period_available(start, period, now),
    )


def _datapoint(request: StatisticsRequest, period: PeriodStatistics) -> dict[str, Any]:
    values = {
        "SampleCount": period.sample_count,
        "Sum": period.sum,
        "Average": period.sum / period.sample_count if period.sample_count else 0.0,
        "Minimum": period.minimum,
        "Maximum": period.maximum,
    }
    point: dict[str, Any] = {
        "Timestamp": datetime.fromtimestamp(period.start / 1000, UTC),
        "Unit": period.unit,
    }
    point.update({name: values[name] for name in request.statistics})
    extended = {name: value for name, value in period.extended.items() if value is not None}
    if extended:
        point["ExtendedStatistics"] = extended
    return point


def get_statistics(store: MetricsStore, account_id: str, region: str, params: Mapping[str, Any]) -> dict[str, Any]:
    request = read_request(params, clock.now_ms())
    if not request.available:
        return {"Label": request.metric_name, "Datapoints": []}
    periods: Sequence[PeriodStatistics] = store.statistics(
        account_id,
        region,
        request.namespace,
        request.metric_name,
        request.dimensions,
        start=request.start_ms,
        end=request.end_ms,
        period_ms=request.period_s * 1000,
        unit=request.unit,
        extended=request.extended,
    )
    return {"Label": request.metric_name, "Datapoints": [_datapoint(request, period) for period in periods]}
