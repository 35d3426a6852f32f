"""SQL for metric filters: their definitions, and the datapoints they emit from a batch of new events.

Emission runs inside the events' own transaction (the writer calls it after inserting the batch), over the
registered ``incoming_events`` relation: what is stored and what it counts commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import orjson

from vigil.store.database import Database
from vigil.store.writer import Writer


@dataclass(frozen=True)
class MetricFilterRow:
    group_id: int
    name: str
    pattern: str
    metric_name: str
    metric_namespace: str
    metric_value: str
    default_value: float | None
    dimensions: dict[str, str]
    unit: str | None
    creation_time: int


@dataclass(frozen=True)
class Emission:
    """One filter's datapoints over a batch, from the filter-pattern compiler's SQL: which events match
    (``predicate_sql``), the value each gives (the number ``value``, or the text ``value_sql`` extracts, read
    as a number) and its dimensions (name, SQL of the text that names its value). An event whose value is not a
    number or that lacks a dimension emits nothing."""

    account_id: str
    region: str
    group_id: int
    namespace: str
    metric_name: str
    unit: str
    predicate_sql: str
    value: float | None
    value_sql: str | None
    dimensions: tuple[tuple[str, str], ...]
    default_value: float | None

    def value_expression(self) -> str:
        if self.value is not None:
            return f"CAST({self.value!r} AS DOUBLE)"
        return f"TRY_CAST(({self.value_sql}) AS DOUBLE)"

    def dimensions_expression(self) -> str:
        """The series' dimensions as canonical JSON text (keys sorted, as PutMetricData writes them), NULL when
        the event lacks one of them."""
        if not self.dimensions:
            return "'{}'"
        parts = [
            f"{_text(('{' if index == 0 else ',') + orjson.dumps(name).decode() + ':')} || "
            f"to_json(CAST(({extract}) AS VARCHAR))"
            for index, (name, extract) in enumerate(sorted(self.dimensions))
        ]
        return " || ".join(parts) + " || '}'"


_COLUMNS = (
    "group_id, name, pattern, metric_name, metric_namespace, metric_value, default_value, dimensions, unit, "
    "creation_time"
)


class MetricFiltersStore:
    def __init__(self, database: Database, writer: Writer) -> None:
        self._db = database
        self._writer = writer

    def all(self) -> list[tuple[MetricFilterRow, str, str, str]]:
        """Every filter of a group that exists, with the group's account, region and name."""
        columns = ", ".join(f"f.{column.strip()}" for column in _COLUMNS.split(","))
        rows = (
            self._db.cursor()
            .execute(
                f"SELECT {columns}, g.account_id, g.region, g.name FROM metric_filters f "
                "JOIN log_groups g ON g.id = f.group_id ORDER BY f.group_id, f.name"
            )
            .fetchall()
        )
        return [
            (MetricFilterRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], orjson.loads(r[7]), r[8], r[9]), *r[10:])
            for r in rows
        ]

    def existing_groups(self, group_ids: Sequence[int]) -> set[int]:
        if not group_ids:
            return set()
        rows = (
            self._db.cursor()
            .execute(f"SELECT id FROM log_groups WHERE id IN ({', '.join('?' * len(group_ids))})", list(group_ids))
            .fetchall()
        )
        return {int(row[0]) for row in rows}

    def put(self, row: MetricFilterRow) -> None:
        values = [
            row.group_id,
            row.name,
            row.pattern,
            row.metric_name,
            row.metric_namespace,
            row.metric_value,
            row.default_value,
            orjson.dumps(row.dimensions).decode(),
            row.unit,
            row.creation_time,
        ]
        self._writer.run(
            lambda cur: cur.execute(
                f"INSERT OR REPLACE INTO metric_filters ({_COLUMNS}) VALUES ({', '.join('?' * len(values))})", values
            )
        )

    def delete(self, group_id: int, name: str) -> None:
        self._writer.run(
            lambda cur: cur.execute("DELETE FROM metric_filters WHERE group_id = ? AND name = ?", [group_id, name])
        )

    def reset(self) -> None:
        self._writer.run(lambda cur: cur.execute("DELETE FROM metric_filters"))


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _emitted_rows(e: Emission) -> list[str]:
    """SELECTs of (series identity, unit, timestamp, v, dims) for one filter's datapoints in the batch."""
    series = f"{_text(e.account_id)}, {_text(e.region)}, {_text(e.namespace)}, {_text(e.metric_name)}, {_text(e.unit)}"
    group = f"group_id = {int(e.group_id)}"
    selects = [
        f"SELECT {series}, timestamp, {e.value_expression()}, {e.dimensions_expression()}, false FROM stored_events "
        f"WHERE {group} AND ({e.predicate_sql})"
    ]
    if e.default_value is not None:
        # Each minute of the batch with events but no match reports the default value (once: see emit).
        default = f"CAST({e.default_value!r} AS DOUBLE)"
        selects.append(
            f"SELECT {series}, minute, {default}, '{{}}', true FROM ("
            f"SELECT DISTINCT timestamp - timestamp % 60000 AS minute FROM stored_events WHERE {group} "
            f"EXCEPT SELECT DISTINCT timestamp - timestamp % 60000 FROM stored_events "
            f"WHERE {group} AND coalesce(({e.predicate_sql}), false))"
        )
    return selects


def emit(cur: duckdb.DuckDBPyConnection, emissions: Sequence[Emission], now: int) -> None:
    """Store the datapoints ``emissions`` draw from ``incoming_events`` (called inside the events' commit).

    Every filter's datapoints are gathered by one statement into one relation, then stored with three: a
    batch costs the same few statements however many filters its groups have.
    """
    selects = [select for e in emissions for select in _emitted_rows(e)]
    cur.execute(
        "CREATE OR REPLACE TEMP TABLE emitted_points "
        "(account_id VARCHAR, region VARCHAR, namespace VARCHAR, metric_name VARCHAR, unit VARCHAR, "
        "timestamp BIGINT, v DOUBLE, dims VARCHAR, is_default BOOLEAN)"
    )
    try:
        cur.execute(
            # Events of a stream deleted while they waited are not stored (the insert skips them): nor counted.
            "INSERT INTO emitted_points WITH stored_events AS MATERIALIZED ("
            "SELECT * FROM incoming_events WHERE stream_id IN (SELECT id FROM log_streams)) "
            "SELECT * FROM (" + " UNION ALL ".join(selects) + ") "
            "AS u(account_id, region, namespace, metric_name, unit, timestamp, v, dims, is_default) "
            "WHERE v IS NOT NULL AND dims IS NOT NULL"
        )
        # New series come back from the insert (existing ones conflict and do not): only they need their
        # dimensions stored. Existing ones have last_put refreshed when it is a minute old.
        created = cur.execute(
            """
            INSERT INTO metric_series (account_id, region, namespace, metric_name, dimensions, last_put)
            SELECT DISTINCT account_id, region, namespace, metric_name, dims, ? FROM emitted_points
            ON CONFLICT (account_id, region, namespace, metric_name, dimensions) DO NOTHING
            RETURNING series_id, dimensions
            """,
            [now],
        ).fetchall()
        with_dimensions = [(series_id, dims) for series_id, dims in created if dims != "{}"]
        if with_dimensions:
            cur.executemany(
                "INSERT INTO metric_dimensions SELECT ?, key, json_extract_string(value, '$') FROM json_each(?)",
                with_dimensions,
            )
        cur.execute(
            """
            UPDATE metric_series SET last_put = ?
            FROM (SELECT DISTINCT account_id, region, namespace, metric_name, dims FROM emitted_points) e
            WHERE metric_series.account_id = e.account_id AND metric_series.region = e.region
              AND metric_series.namespace = e.namespace AND metric_series.metric_name = e.metric_name
              AND metric_series.dimensions = e.dims AND metric_series.last_put < ?
            """,
            [now, now - 60_000],
        )
        has_defaults = any(e.default_value is not None for e in emissions)
        if has_defaults:
            # A default stands for a quiet minute: a match in a later batch of that minute replaces it. Bounded
            # to the batch's minutes, so the delete reads only the recent part of the table (zone maps).
            cur.execute(
                """
                DELETE FROM metric_points USING (
                    SELECT DISTINCT s.series_id, e.timestamp - e.timestamp % 60000 AS minute
                    FROM emitted_points e JOIN metric_series s USING (account_id, region, namespace, metric_name)
                    WHERE s.dimensions = e.dims AND NOT e.is_default
                ) matched
                WHERE metric_points.filter_default AND metric_points.series_id = matched.series_id
                  AND metric_points.timestamp = matched.minute
                  AND metric_points.timestamp BETWEEN (SELECT min(timestamp) - 60000 FROM emitted_points)
                                                  AND (SELECT max(timestamp) FROM emitted_points)
                """
            )
        insert = """
            INSERT INTO metric_points
                (series_id, timestamp, value, sample_count, sum, minimum, maximum, unit, storage_resolution,
                 filter_default)
            SELECT s.series_id, e.timestamp, e.v, 1, e.v, e.v, e.v, e.unit, 60, e.is_default
            FROM emitted_points e
            JOIN metric_series s USING (account_id, region, namespace, metric_name)
            WHERE s.dimensions = e.dims AND e.is_default = {is_default}
            """
        cur.execute(insert.format(is_default="false"))
        if has_defaults:
            # A minute that already has a datapoint of the series gets no default (a separate statement: the
            # check reads stored points, which the matches never need to).
            cur.execute(
                insert.format(is_default="true")
                + """
                AND NOT EXISTS (
                    SELECT 1 FROM metric_points p
                    WHERE p.series_id = s.series_id AND p.timestamp >= e.timestamp AND p.timestamp < e.timestamp + 60000
                )
                """
            )
    finally:
        cur.execute("DROP TABLE IF EXISTS emitted_points")
