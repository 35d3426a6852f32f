"""The datapoints an alarm tick needs, for every alarm at once: one statement for every basic statistic, one per
extended statistic in use.

Alarm periods slide with the clock: an evaluation at ``end`` (a minute boundary, or 10 seconds for
high-resolution alarms) sees periods ending at ``end``, the newest being [end - period, end). ``slot`` counts
periods back from there (0 is the newest), as far as each wanted series asks (``slots``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from vigil.store.database import Database
from vigil.store.extended_statistics import ExtendedStatistic, aggregate, winsorized_bounds


@dataclass(frozen=True)
class WantedSeries:
    """The series to read, one entry per ``key``: identity, unit filter (None: every unit), period and how
    many periods back."""

    key: Sequence[int]
    account_id: Sequence[str]
    region: Sequence[str]
    namespace: Sequence[str]
    metric_name: Sequence[str]
    dimensions: Sequence[str]
    unit: Sequence[str | None]
    period_ms: Sequence[int]
    slots: Sequence[int]

    def arrow(self) -> pa.Table:
        return pa.table(
            {
                "key": pa.array(self.key, pa.int64()),
                "account_id": pa.array(self.account_id, pa.string()),
                "region": pa.array(self.region, pa.string()),
                "namespace": pa.array(self.namespace, pa.string()),
                "metric_name": pa.array(self.metric_name, pa.string()),
                "dimensions": pa.array(self.dimensions, pa.string()),
                "unit": pa.array(self.unit, pa.string()),
                "period_ms": pa.array(self.period_ms, pa.int64()),
                "slots": pa.array(self.slots, pa.int64()),
            }
        )

    def span(self) -> int:
        """How far back the longest request reaches, in milliseconds."""
        return max((p * s for p, s in zip(self.period_ms, self.slots, strict=True)), default=0)


def _points(end: int, span: int) -> str:
    # ``end`` and ``span`` are integers computed here, so safe as literals; the lower bound on the points'
    # timestamps lets DuckDB skip row groups by their min/max.
    return f"""
        ids AS (
            SELECT w.key, s.series_id, w.unit, w.period_ms, w.slots
            FROM wanted_alarm_series w JOIN metric_series s
              ON s.account_id = w.account_id AND s.region = w.region AND s.namespace = w.namespace
             AND s.metric_name = w.metric_name AND s.dimensions = w.dimensions
        ),
        points AS (
            SELECT ids.key, ({int(end)} - 1 - p.timestamp) // ids.period_ms AS slot,
                   p.value, p.sample_count, p.sum, p.minimum, p.maximum
            FROM metric_points p JOIN ids USING (series_id)
            WHERE p.timestamp >= {int(end) - int(span)} AND p.timestamp < {int(end)}
              AND p.timestamp >= {int(end)} - ids.slots * ids.period_ms
              AND (ids.unit IS NULL OR p.unit = ids.unit)
        )"""


class AlarmPointsStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    def _run(self, wanted: WantedSeries, sql: str) -> dict[str, np.ndarray]:
        cur = self._db.cursor()
        cur.register("wanted_alarm_series", wanted.arrow())
        try:
            return cur.execute(sql).fetchnumpy()
        finally:
            cur.unregister("wanted_alarm_series")

    def basic(self, wanted: WantedSeries, end: int) -> dict[str, np.ndarray]:
        """Per key and slot that holds data: ``n`` (SampleCount), ``s`` (Sum), ``lo`` and ``hi``."""
        return self._run(
            wanted,
            f"""
            WITH {_points(end, wanted.span())}
            SELECT key, slot, sum(sample_count) AS n, sum(sum) AS s, min(minimum) AS lo, max(maximum) AS hi
            FROM points GROUP BY key, slot
            """,
        )

    def extended(self, wanted: WantedSeries, end: int, stat: ExtendedStatistic) -> dict[str, np.ndarray]:
        """Per key and slot that holds data: ``n`` (SampleCount) and ``x``, the statistic over the raw values
        weighted by their counts (NULL where no value counts: a statistic set that is not a single value)."""
        if stat.kind == "wm":
            low, high = winsorized_bounds(stat)
            figures = f"""
                bounds AS (SELECT key, slot, {low} AS low, {high} AS high FROM ranked GROUP BY key, slot),
                figures AS (
                    SELECT r.key, r.slot,
                           sum(r.sample_count * least(greatest(r.value, b.low), b.high)) / sum(r.sample_count) AS x
                    FROM ranked r JOIN bounds b USING (key, slot) GROUP BY r.key, r.slot
                )"""
        else:
            figures = f"figures AS (SELECT key, slot, {aggregate(stat)} AS x FROM ranked GROUP BY key, slot)"
        return self._run(
            wanted,
            f"""
            WITH {_points(end, wanted.span())},
            raw AS (
                SELECT key, slot, sample_count,
                       CASE WHEN value IS NOT NULL THEN value
                            WHEN sample_count = 1 OR minimum = maximum THEN minimum END AS value
                FROM points
            ),
            ranked AS (
                SELECT key, slot, value, sample_count,
                       sum(sample_count) OVER (PARTITION BY key, slot ORDER BY value
                                               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running,
                       sum(sample_count) OVER (PARTITION BY key, slot) AS total
                FROM raw WHERE value IS NOT NULL
            ),
            {figures},
            totals AS (SELECT key, slot, sum(sample_count) AS n FROM points GROUP BY key, slot)
            SELECT key, slot, n, x FROM totals LEFT JOIN figures USING (key, slot)
            """,
        )
