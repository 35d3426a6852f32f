"""The datapoints of every metric alarm's evaluation range at one moment, read together.

Periods slide with the evaluation (AWS: "at the end of minute 5 the alarm evaluates based on data from minutes
1 to 5. Then at the end of minute 6, on minutes 2 to 6"): an alarm of period P evaluated at T (the minute
boundary, or the 10-second boundary for high-resolution alarms) sees the periods [T - kP, T - (k-1)P).

CloudWatch fetches more datapoints than EvaluationPeriods (N) and does not publish how many; its one example is
N = 3 with a range of 5. Vigil's range is N + 2 (see docs/alarms.md).

Single-metric alarms cost one statement for every basic statistic and one per extended statistic in use,
whatever their number; alarms on the same series, period and unit share its rows. Metric-math alarms are
computed one by one with the metric-math evaluator (they are few).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from vigil.engine.alarms.model import AlarmRecord
from vigil.engine.metrics.datums import canonical_dimensions
from vigil.engine.metrics.extended import extended_statistic
from vigil.engine.metrics.math.checks import check_expressions
from vigil.engine.metrics.math.evaluate import Evaluator
from vigil.engine.metrics.math.sources import Source, Window
from vigil.engine.metrics.math.values import Series, values_on
from vigil.errors import ServiceError
from vigil.store.alarm_points import AlarmPointsStore, WantedSeries
from vigil.store.metrics import MetricsStore

log = logging.getLogger(__name__)
EXTRA_PERIODS = 2
HIGH_RESOLUTION_TICK_MS = 10_000
TICK_MS = 60_000


def range_periods(evaluation_periods: int) -> int:
    return evaluation_periods + EXTRA_PERIODS


def alarm_period(configuration: dict) -> int:
    if "Period" in configuration:
        return int(configuration["Period"])
    for query in configuration["Metrics"]:
        if "MetricStat" in query:
            return int(query["MetricStat"]["Period"])
    return int(next(query["Period"] for query in configuration["Metrics"] if "Period" in query))


def evaluation_end(period: int, at: int, tick_ms: int = TICK_MS) -> int:
    """Where the newest period of an alarm evaluated at ``at`` ends: the last minute boundary (10 seconds for
    high-resolution alarms), or the last tick's when the server ticks faster (--alarm-tick)."""
    step = min(HIGH_RESOLUTION_TICK_MS if period < 60 else TICK_MS, tick_ms)
    return at - at % step


def low_sample_floor(stat: str) -> float | None:
    """The fewest samples a percentile needs to count when EvaluateLowSampleCountPercentile is ignore (AWS: 10 /
    (1 - p) for p from 0.5, 10 / p below), or None for other statistics."""
    parsed = extended_statistic(stat, "ExtendedStatistic", "ValidationError")
    if parsed.kind != "p":
        return None
    fraction = (parsed.high or Decimal(0)) / 100
    share = 1 - fraction if fraction >= Decimal("0.5") else fraction
    return float(10 / share) if share else float("inf")


@dataclass(frozen=True)
class Ranges:
    """Alarms x periods, oldest first, the newest last; alarms with shorter ranges are NaN on the old side."""

    values: np.ndarray
    sample_counts: np.ndarray  # NaN where unknown (metric math)
    starts: np.ndarray  # int64 period starts
    low_sample: np.ndarray  # bool: a percentile datapoint with too few samples, for alarms that ignore those


def _statistic_values(stat: str, found: dict[str, np.ndarray]) -> np.ndarray:
    if stat == "Average":
        with np.errstate(invalid="ignore", divide="ignore"):
            return found["s"] / found["n"]
    return found[{"SampleCount": "n", "Sum": "s", "Minimum": "lo", "Maximum": "hi"}[stat]]


class RangeReader:
    def __init__(self, points: AlarmPointsStore, metrics: MetricsStore, tick_ms: int = TICK_MS) -> None:
        self._points = points
        self._metrics = metrics
        self._tick_ms = tick_ms

    def read(self, alarms: Sequence[AlarmRecord], at: int) -> Ranges:
        count = len(alarms)
        periods = np.array([alarm_period(a.configuration) for a in alarms], dtype=np.int64)
        slots = np.array([range_periods(int(a.configuration["EvaluationPeriods"])) for a in alarms], dtype=np.int64)
        ends = np.array([evaluation_end(int(p), at, self._tick_ms) for p in periods], dtype=np.int64)
        for i, alarm in enumerate(alarms):
            # Metric math reads a grid starting on a multiple of a high-resolution period.
            if "Metrics" in alarm.configuration and periods[i] < 60:
                ends[i] -= ends[i] % (periods[i] * 1000)
        width = int(slots.max()) if count else 0
        # Column j is slot width - 1 - j back from the newest (slot 0).
        slot_of_column = width - 1 - np.arange(width)
        starts = ends[:, None] - (slot_of_column[None, :] + 1) * periods[:, None] * 1000
        values = np.full((count, width), np.nan)
        counts = np.full((count, width), np.nan)
        low = np.zeros((count, width), dtype=bool)

        single = [i for i, alarm in enumerate(alarms) if "Metrics" not in alarm.configuration]
        groups: dict[tuple[int, str], list[int]] = {}
        for i in single:
            configuration = alarms[i].configuration
            stat = configuration.get("Statistic") or configuration["ExtendedStatistic"]
            groups.setdefault((int(ends[i]), stat if "Statistic" not in configuration else ""), []).append(i)
        for (end, extended), members in groups.items():
            self._read_group(alarms, members, end, extended, periods, slots, slot_of_column, values, counts, low)
        for i, alarm in enumerate(alarms):
            if "Metrics" in alarm.configuration:
                try:
                    values[i] = self._math(alarm, int(ends[i]), int(periods[i]), int(slots[i]), width, at)
                except ServiceError as error:
                    # An expression that fails on this data (an array where one series is needed, say) has no
                    # datapoints; the other alarms are evaluated as usual.
                    log.warning("alarm %s: metric math failed: %s", alarm.name, error.message)
        outside = slot_of_column[None, :] >= slots[:, None]
        values[outside] = np.nan
        return Ranges(values, counts, starts, low)

    def _read_group(
        self,
        alarms: Sequence[AlarmRecord],
        members: list[int],
        end: int,
        extended: str,
        periods: np.ndarray,
        slots: np.ndarray,
        slot_of_column: np.ndarray,
        values: np.ndarray,
        counts: np.ndarray,
        low: np.ndarray,
    ) -> None:
        keys: dict[tuple[str, ...], int] = {}
        key_of = np.empty(len(members), dtype=np.int64)
        wanted_slots: list[int] = []
        for position, i in enumerate(members):
            configuration = alarms[i].configuration
            identity = (
                alarms[i].account_id,
                alarms[i].region,
                configuration["Namespace"],
                configuration["MetricName"],
                canonical_dimensions(configuration.get("Dimensions") or [], "Dimensions"),
                configuration.get("Unit") or "",
                str(int(periods[i])),
            )
            key = keys.setdefault(identity, len(keys))
            if key == len(wanted_slots):
                wanted_slots.append(0)
            wanted_slots[key] = max(wanted_slots[key], int(slots[i]))
            key_of[position] = key
        identities = list(keys)
        wanted = WantedSeries(
            key=list(range(len(identities))),
            account_id=[k[0] for k in identities],
            region=[k[1] for k in identities],
            namespace=[k[2] for k in identities],
            metric_name=[k[3] for k in identities],
            dimensions=[k[4] for k in identities],
            unit=[k[5] or None for k in identities],
            period_ms=[int(k[6]) * 1000 for k in identities],
            slots=wanted_slots,
        )
        deepest = max(wanted_slots)
        grid_shape = (len(identities), deepest)
        if extended:
            found = self._points.extended(wanted, end, extended_statistic(extended, "ExtendedStatistic"))
            figures = np.asarray(found["x"], dtype=np.float64)
        else:
            found = self._points.basic(wanted, end)
        samples = np.full(grid_shape, np.nan)
        grid = np.full(grid_shape, np.nan)
        if len(found["key"]):
            at = (found["key"].astype(np.int64), found["slot"].astype(np.int64))
            samples[at] = found["n"]
            if extended:
                grid[at] = np.where(np.ma.getmaskarray(found["x"]), np.nan, figures)
        rows = np.array(members)
        column_slots = np.minimum(slot_of_column, deepest - 1)
        inside = slot_of_column < deepest
        counts[rows] = np.where(inside[None, :], samples[key_of][:, column_slots], np.nan)
        if extended:
            values[rows] = np.where(inside[None, :], grid[key_of][:, column_slots], np.nan)
            floor = low_sample_floor(extended)
            if floor is not None:
                ignoring = np.array(
                    [alarms[i].configuration.get("EvaluateLowSampleCountPercentile") == "ignore" for i in members]
                )
                low[rows] = ignoring[:, None] & (counts[rows] < floor)
            return
        by_stat: dict[str, list[int]] = {}
        for position, i in enumerate(members):
            by_stat.setdefault(alarms[i].configuration["Statistic"], []).append(position)
        columns = {name: np.full(grid_shape, np.nan) for name in ("n", "s", "lo", "hi")}
        if len(found["key"]):
            for name, column in columns.items():
                column[at] = found[name]
        for stat, positions in by_stat.items():
            figures = _statistic_values(stat, columns)
            chosen = np.array(positions)
            values[rows[chosen]] = np.where(inside[None, :], figures[key_of[chosen]][:, column_slots], np.nan)

    def _math(self, alarm: AlarmRecord, end: int, period: int, slots: int, width: int, at: int) -> np.ndarray:
        queries = alarm.configuration["Metrics"]
        window = Window(end - slots * period * 1000, end, at)
        evaluator = Evaluator(
            queries, check_expressions(queries), Source(self._metrics, alarm.account_id, alarm.region, window)
        )
        returned = next(query for query in queries if query.get("ReturnData", True))
        result = evaluator.value(returned["Id"])
        row = np.full(width, np.nan)
        if isinstance(result, Series):
            times = end - (np.arange(slots)[::-1] + 1) * period * 1000
            row[width - slots :] = values_on(result, times)
        return row
