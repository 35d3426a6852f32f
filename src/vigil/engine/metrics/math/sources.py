"""Where series come from: a MetricStat query's series, and the metrics a SEARCH finds, each read through the
store's per-period statistics onto its grid (NaN where a period holds no datapoint, and everywhere when the
Period is finer than what is kept for data of StartTime's age)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from vigil.engine.metrics.datums import canonical_dimensions
from vigil.engine.metrics.extended import extended_statistic
from vigil.engine.metrics.math.checks import BASIC_STATISTICS
from vigil.engine.metrics.math.search import Candidate, Search, default_label
from vigil.engine.metrics.math.values import MetricInfo, Series, grid
from vigil.engine.metrics.statistics import first_period_start, period_available
from vigil.store.metrics import MetricsStore, PeriodStatistics, SeriesRow

MAX_SEARCH_RESULTS = 500
_PAGE = 10_000


@dataclass(frozen=True)
class Window:
    """The request's time range and the moment it is answered (which decides how StartTime is rounded)."""

    start_ms: int
    end_ms: int
    now_ms: int

    def times(self, period: int) -> np.ndarray:
        return grid(first_period_start(self.start_ms, period, self.now_ms), self.end_ms, period)

    def readable(self, period: int) -> bool:
        """Whether data of StartTime's age is kept at ``period`` (AWS's Period rule for old data)."""
        return period_available(self.start_ms, period, self.now_ms)


def _value(stat: str, period: PeriodStatistics) -> float | None:
    if stat not in BASIC_STATISTICS:
        return period.extended.get(stat)
    if stat == "Average":
        return period.sum / period.sample_count if period.sample_count else None
    return {
        "SampleCount": period.sample_count,
        "Sum": period.sum,
        "Minimum": period.minimum,
        "Maximum": period.maximum,
    }[stat]


@dataclass(frozen=True)
class Wanted:
    """One series to read onto its grid."""

    info: MetricInfo
    dimensions: str  # canonical JSON
    period: int
    unit: str | None
    label: str


_BASIC_COLUMNS = {"SampleCount": "n", "Sum": "s", "Minimum": "lo", "Maximum": "hi"}


@dataclass(frozen=True)
class Source:
    store: MetricsStore
    account_id: str
    region: str
    window: Window

    def read(self, info: MetricInfo, dimensions: str, period: int, unit: str | None, label: str) -> Series:
        times = self.window.times(period)
        extended = [] if info.stat in BASIC_STATISTICS else [extended_statistic(info.stat, "Stat")]
        step = period * 1000
        values = np.full(len(times), np.nan)
        if len(times) and self.window.readable(period):
            buckets = self.store.statistics(
                self.account_id,
                self.region,
                info.namespace,
                info.metric_name,
                dimensions,
                start=int(times[0]),
                end=self.window.end_ms,
                period_ms=step,
                unit=unit,
                extended=extended,
                per_unit=False,
            )
            found = [(bucket.start, value) for bucket in buckets if (value := _value(info.stat, bucket)) is not None]
            if found:
                starts = np.array([start for start, _ in found], dtype=np.int64)
                values[(starts - times[0]) // step] = [value for _, value in found]
        return Series(times, values, period, label, info)

    def read_many(self, wanted: Sequence[Wanted]) -> list[Series]:
        """``read`` for each of ``wanted``; those asking for a basic statistic with the same Period and Unit are
        read together, in one statement (a dashboard's hundred metrics cost one pass over the points)."""
        read: list[Series | None] = [None] * len(wanted)
        batches: dict[tuple[int, str | None], list[int]] = {}
        for position, entry in enumerate(wanted):
            if entry.info.stat in BASIC_STATISTICS and self.window.readable(entry.period):
                batches.setdefault((entry.period, entry.unit), []).append(position)
            else:
                read[position] = self.read(entry.info, entry.dimensions, entry.period, entry.unit, entry.label)
        for (period, unit), positions in batches.items():
            times = self.window.times(period)
            values = [np.full(len(times), np.nan) for _ in positions]
            if len(times):
                step = period * 1000
                found = self.store.basic_statistics(
                    self.account_id,
                    self.region,
                    [(wanted[p].info.namespace, wanted[p].info.metric_name, wanted[p].dimensions) for p in positions],
                    start=int(times[0]),
                    end=self.window.end_ms,
                    period_ms=step,
                    unit=unit,
                )
                bounds = np.searchsorted(found["index"], np.arange(len(positions) + 1))
                slots = (found["bucket"] - times[0]) // step
                for i, position in enumerate(positions):
                    rows = slice(bounds[i], bounds[i + 1])
                    stat = wanted[position].info.stat
                    if stat == "Average":
                        figures = found["s"][rows] / found["n"][rows]
                    else:
                        figures = found[_BASIC_COLUMNS[stat]][rows]
                    values[i][slots[rows]] = figures
            for i, position in enumerate(positions):
                entry = wanted[position]
                read[position] = Series(times, values[i], period, entry.label, entry.info)
        return [series for series in read if series is not None]

    def metric_stats(self, queries: Sequence[Mapping[str, Any]]) -> dict[str, Series]:
        """The series of every MetricStat query, by Id."""
        wanted = []
        for query in queries:
            spec = query["MetricStat"]
            metric = spec["Metric"]
            given = metric.get("Dimensions") or []
            info = MetricInfo(
                metric.get("Namespace", ""),
                metric.get("MetricName", ""),
                tuple((d["Name"], d["Value"]) for d in given),
                spec["Stat"],
            )
            dimensions = canonical_dimensions(given, "Dimensions")
            label = info.metric_name or query["Id"]
            wanted.append(Wanted(info, dimensions, int(spec["Period"]), spec.get("Unit"), label))
        return {query["Id"]: series for query, series in zip(queries, self.read_many(wanted), strict=True)}

    def _stored(self, namespace: str | None) -> list[SeriesRow]:
        """Every stored series of the account and region (of ``namespace`` when given), read in pages."""
        rows: list[SeriesRow] = []
        while True:
            page = self.store.list_series(
                self.account_id,
                self.region,
                namespace=namespace,
                metric_name=None,
                dimension_filters=(),
                active_since=None,
                after=rows[-1].series_id if rows else None,
                limit=_PAGE,
            )
            rows += page
            if len(page) < _PAGE:
                return rows

    def search(self, search: Search, stat: str, period: int) -> tuple[list[Series], bool]:
        """The series of every stored metric ``search`` matches (in namespace, name, dimensions order), at
        most MAX_SEARCH_RESULTS of them, and whether there were more."""
        rows = self._stored(search.namespace)
        matched: list[tuple[Candidate, str]] = []
        for row in rows:
            candidate = Candidate(row.namespace, row.metric_name, orjson.loads(row.dimensions))
            if search.matches(candidate):
                matched.append((candidate, row.dimensions))
        matched.sort(key=lambda found: (found[0].namespace, found[0].metric_name, found[1]))
        several = len({candidate.metric_name for candidate, _ in matched}) > 1
        order = list(search.dimension_names or ())
        series = self.read_many(
            [
                Wanted(
                    MetricInfo(candidate.namespace, candidate.metric_name, tuple(candidate.dimensions.items()), stat),
                    dimensions,
                    period,
                    None,
                    default_label(candidate, order, several),
                )
                for candidate, dimensions in matched[:MAX_SEARCH_RESULTS]
            ]
        )
        return series, len(matched) > MAX_SEARCH_RESULTS
