"""SQL for metric filters: their definitions, and the SELECTs of the datapoints they draw from a batch of new
events (stored by store/emitted_points.py inside the events' own transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
    """SELECTs of one filter's datapoints in the batch, in the columns of ``emitted_points``."""
    series = f"{_text(e.account_id)}, {_text(e.region)}, {_text(e.namespace)}, {_text(e.metric_name)}, {_text(e.unit)}"
    group = f"group_id = {int(e.group_id)}"
    selects = [
        f"SELECT {series}, timestamp, {e.value_expression()}, {e.dimensions_expression()}, false, 60 "
        f"FROM stored_events "
        f"WHERE {group} AND ({e.predicate_sql})"
    ]
    if e.default_value is not None:
        # Each minute of the batch with events but no match reports the default value (once: see
        # store/emitted_points.py).
        default = f"CAST({e.default_value!r} AS DOUBLE)"
        selects.append(
            f"SELECT {series}, minute, {default}, '{{}}', true, 60 FROM ("
            f"SELECT DISTINCT timestamp - timestamp % 60000 AS minute FROM stored_events WHERE {group} "
            f"EXCEPT SELECT DISTINCT timestamp - timestamp % 60000 FROM stored_events "
            f"WHERE {group} AND coalesce(({e.predicate_sql}), false))"
        )
    return selects


def filter_selects(emissions: Sequence[Emission]) -> list[str]:
    """The SELECTs of every filter's datapoints over ``stored_events`` (see store/emitted_points.py)."""
    return [select for e in emissions for select in _emitted_rows(e)]
