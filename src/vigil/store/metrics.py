"""SQL for CloudWatch metrics: series, their datapoints, and the statistics GetMetricStatistics asks for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import duckdb
import numpy as np
import pyarrow as pa

from vigil.store.database import Database
from vigil.store.extended_statistics import ExtendedStatistic, aggregate, winsorized_bounds
from vigil.store.metric_series import SeriesIds, SeriesKey
from vigil.store.writer import Writer


class PointRow(NamedTuple):
    """One stored datapoint: a raw value (``value`` set, ``sample_count`` its weight) or a statistic set."""

    metric_name: str
    dimensions: str  # canonical JSON object, keys sorted
    timestamp: int
    value: float | None
    sample_count: float
    sum: float
    minimum: float
    maximum: float
    unit: str
    storage_resolution: int


Column = Sequence[Any] | pa.Array


@dataclass(frozen=True)
class PointColumns:
    """The datapoints of one PutMetricData call (up to 150,000), column by column as they are stored; a
    column of one value repeats it (``sample_count`` of single values, a request's one unit)."""

    metric_name: Sequence[str]
    dimensions: Sequence[str]  # canonical JSON objects, keys sorted
    timestamp: Sequence[int]
    value: Column
    sample_count: Column | float
    sum: Column
    minimum: Column
    maximum: Column
    unit: Column
    storage_resolution: Column

    @classmethod
    def from_rows(cls, rows: Sequence[PointRow]) -> PointColumns:
        if not rows:
            return cls([], [], [], [], [], [], [], [], [], [])
        return cls(*map(list, zip(*rows, strict=True)))

    def __len__(self) -> int:
        return len(self.timestamp)

    def arrow(self, series_ids: Sequence[int]) -> pa.Table:
        """The rows of ``metric_points`` to insert, for the series ids of each datapoint."""
        size = len(self)
        arrays = {"series_id": pa.array(series_ids, pa.int64())}
        for name, kind in _POINT_FIELDS[2:]:
            column = getattr(self, name)
            if isinstance(column, float):
                arrays[name] = pa.repeat(pa.scalar(column, kind), size)
            elif isinstance(column, pa.Array):
                arrays[name] = column
            else:
                arrays[name] = pa.array(column, kind)
        return pa.table(arrays)


@dataclass(frozen=True)
class SeriesRow:
    series_id: int
    namespace: str
    metric_name: str
    dimensions: str


@dataclass(frozen=True)
class PeriodStatistics:
    start: int  # the period's first millisecond
    sample_count: float
    sum: float
    minimum: float
    maximum: float
    unit: str
    extended: dict[str, float | None]  # by the name it was asked by


_POINT_FIELDS = [
    ("metric_name", pa.string()),
    ("dimensions", pa.string()),
    ("timestamp", pa.int64()),
    ("value", pa.float64()),
    ("sample_count", pa.float64()),
    ("sum", pa.float64()),
    ("minimum", pa.float64()),
    ("maximum", pa.float64()),
    ("unit", pa.string()),
    ("storage_resolution", pa.int32()),
]


class MetricsStore:
    def __init__(self, database: Database, writer: Writer) -> None:
        self._db = database
        self._writer = writer
        self.series = SeriesIds()  # shared with whatever else stores datapoints

    def put(self, account_id: str, region: str, namespace: str, points: PointColumns, now: int) -> None:
        """Store the datapoints of one PutMetricData call: usually one ``INSERT`` from Arrow, in a transaction
        it may share with other calls queued beside it (store/writer.py)."""
        point_keys = [
            (account_id, region, namespace, name, dims)
            for name, dims in zip(points.metric_name, points.dimensions, strict=True)
        ]
        plan = self.series.plan(point_keys, now)

        def write(cur: duckdb.DuckDBPyConnection) -> dict[SeriesKey, int]:
            ids = self.series.resolve(cur, plan)
            table = points.arrow([ids[key] for key in point_keys])
            cur.register("incoming_points", table)
            try:
                names = ", ".join(table.column_names)
                cur.execute(f"INSERT INTO metric_points ({names}) SELECT {names} FROM incoming_points")
            finally:
                cur.unregister("incoming_points")
            return ids

        self.series.remember(plan, self._writer.run(write, shared=True))

    def list_series(
        self,
        account_id: str,
        region: str,
        *,
        namespace: str | None,
        metric_name: str | None,
        dimension_filters: Sequence[tuple[str, str | None]],
        active_since: int | None,
        after: int | None,
        limit: int,
    ) -> list[SeriesRow]:
        """Series in id order after ``after``, matching every filter given."""
        where, params = ["account_id = ?", "region = ?"], [account_id, region]
        for column, value in (("namespace", namespace), ("metric_name", metric_name)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        for name, value in dimension_filters:
            condition = "name = ?" + (" AND value = ?" if value is not None else "")
            where.append(f"series_id IN (SELECT series_id FROM metric_dimensions WHERE {condition})")
            params += [name] if value is None else [name, value]
        if active_since is not None:
            where.append("last_put >= ?")
            params.append(active_since)
        if after is not None:
            where.append("series_id > ?")
            params.append(after)
        rows = (
            self._db.cursor()
            .execute(
                f"SELECT series_id, namespace, metric_name, dimensions FROM metric_series WHERE {' AND '.join(where)} "
                "ORDER BY series_id LIMIT ?",
                [*params, limit],
            )
            .fetchall()
        )
        return [SeriesRow(*row) for row in rows]

    def statistics(
        self,
        account_id: str,
        region: str,
        namespace: str,
        metric_name: str,
        dimensions: str,
        *,
        start: int,
        end: int,
        period_ms: int,
        unit: str | None,
        extended: Sequence[ExtendedStatistic] = (),
        per_unit: bool = True,
    ) -> list[PeriodStatistics]:
        """Per period (the first starting at ``start``) and, with ``per_unit``, per unit: the statistics of
        the series' datapoints in [start, end). Extended statistics (percentiles, trimmed and winsorized means,
        trimmed counts and sums, percentile ranks) are over raw values weighted by their counts; a statistic
        set counts as a raw value only when it holds one sample or its minimum equals its maximum."""
        unit_filter = "AND p.unit = ?" if unit is not None else ""
        # Periods start at ``start`` and follow each other from there (integers, so safe as SQL literals).
        origin, step = int(start), int(period_ms)
        # One row per period, whatever the units, when units are not kept apart: the unit column is constant.
        unit_key = "unit" if per_unit else "''"
        params: list[object] = [account_id, region, namespace, metric_name, dimensions, start, end]
        if unit is not None:
            params.append(unit)
        plain = [(i, stat) for i, stat in enumerate(extended) if stat.kind != "wm"]
        winsorized = [(i, stat) for i, stat in enumerate(extended) if stat.kind == "wm"]
        extended_columns = "".join(f", {aggregate(stat)} AS x{i}" for i, stat in plain)
        winsorized_ctes = "".join(
            f""",
                w{i} AS (
                    SELECT r.bucket, r.unit,
                           sum(r.sample_count * least(greatest(r.value, b.low), b.high)) / sum(r.sample_count) AS x{i}
                    FROM ranked r JOIN (
                        SELECT bucket, unit, {low} AS low, {high} AS high FROM ranked GROUP BY bucket, unit
                    ) b USING (bucket, unit)
                    GROUP BY r.bucket, r.unit
                )"""
            for i, stat in winsorized
            for low, high in [winsorized_bounds(stat)]
        )
        winsorized_joins = "".join(f" LEFT JOIN w{i} USING (bucket, unit)" for i, _ in winsorized)
        selected = "".join(f", x{i}" for i in range(len(extended)))
        rows = (
            self._db.cursor()
            .execute(
                f"""
                WITH points AS (
                    SELECT {origin} + (p.timestamp - {origin}) // {step} * {step} AS bucket, p.*
                    FROM metric_points p JOIN metric_series s USING (series_id)
                    WHERE s.account_id = ? AND s.region = ? AND s.namespace = ? AND s.metric_name = ?
                      AND s.dimensions = ? AND p.timestamp >= ? AND p.timestamp < ? {unit_filter}
                ),
                raw AS (
                    SELECT bucket, {unit_key} AS unit,
                           CASE WHEN value IS NOT NULL THEN value
                                WHEN sample_count = 1 OR minimum = maximum THEN minimum END AS value,
                           sample_count
                    FROM points
                ),
                ranked AS (
                    SELECT bucket, unit, value, sample_count,
                           sum(sample_count) OVER (PARTITION BY bucket, unit ORDER BY value
                                                   ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running,
                           sum(sample_count) OVER (PARTITION BY bucket, unit) AS total
                    FROM raw WHERE value IS NOT NULL
                ),
                extended AS (SELECT bucket, unit {extended_columns} FROM ranked GROUP BY bucket, unit){winsorized_ctes},
                totals AS (
                    SELECT bucket, {unit_key} AS unit, sum(sample_count) AS n, sum(sum) AS s, min(minimum) AS lo,
                           max(maximum) AS hi
                    FROM points GROUP BY bucket, {unit_key}
                )
                SELECT bucket, unit, n, s, lo, hi {selected}
                FROM totals LEFT JOIN extended USING (bucket, unit){winsorized_joins}
                ORDER BY bucket, unit
                """,
                params,
            )
            .fetchall()
        )
        return [
            PeriodStatistics(
                start=row[0],
                unit=row[1],
                sample_count=row[2],
                sum=row[3],
                minimum=row[4],
                maximum=row[5],
                extended={stat.name: value for stat, value in zip(extended, row[6:], strict=True)},
            )
            for row in rows
        ]

    def basic_statistics(
        self,
        account_id: str,
        region: str,
        series: Sequence[tuple[str, str, str]],
        *,
        start: int,
        end: int,
        period_ms: int,
        unit: str | None,
    ) -> dict[str, np.ndarray]:
        """SampleCount, Sum, Minimum and Maximum per period (the first starting at ``start``) of the datapoints
        in [start, end) of each of ``series`` (namespace, metric name, dimensions), every unit together unless
        ``unit`` is given: one statement, one pass over the points, however many series a request names.
        Columns ``index`` (into ``series``), ``bucket``, ``n``, ``s``, ``lo``, ``hi``, ordered by both."""
        wanted = pa.table(
            {
                "index": pa.array(range(len(series)), pa.int64()),
                "namespace": [entry[0] for entry in series],
                "metric_name": [entry[1] for entry in series],
                "dimensions": [entry[2] for entry in series],
            }
        )
        origin, step = int(start), int(period_ms)
        unit_filter = "AND p.unit = ?" if unit is not None else ""
        params: list[object] = [account_id, region, start, end, *([unit] if unit is not None else [])]
        cur = self._db.cursor()
        cur.register("wanted_series", wanted)
        try:
            return cur.execute(
                f"""
                WITH ids AS (
                    SELECT w.index, s.series_id
                    FROM wanted_series w JOIN metric_series s USING (namespace, metric_name, dimensions)
                    WHERE s.account_id = ? AND s.region = ?
                )
                SELECT ids.index, {origin} + (p.timestamp - {origin}) // {step} * {step} AS bucket,
                       sum(p.sample_count) AS n, sum(p.sum) AS s, min(p.minimum) AS lo, max(p.maximum) AS hi
                FROM metric_points p JOIN ids USING (series_id)
                WHERE p.timestamp >= ? AND p.timestamp < ? {unit_filter}
                GROUP BY ALL ORDER BY ALL
                """,
                params,
            ).fetchnumpy()
        finally:
            cur.unregister("wanted_series")

    def reset(self) -> None:
        def wipe(cur: duckdb.DuckDBPyConnection) -> None:
            for table in ("metric_points", "metric_dimensions", "metric_series"):
                cur.execute(f"DELETE FROM {table}")

        self._writer.run(wipe)
        self.series.forget_all()
