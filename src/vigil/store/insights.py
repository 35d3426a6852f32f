"""Running a Logs Insights query's statements on a cursor the caller owns (and may interrupt)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb


@dataclass(frozen=True)
class InsightsRun:
    rows: list[tuple[Any, ...]]
    scanned: int
    scanned_bytes: int
    matched: int


def run(
    cursor: duckdb.DuckDBPyConnection,
    rows_sql: str,
    scanned_sql: str,
    matched_sql: str | None,
    *,
    matched_in_rows: bool,
    rows_are_matched_below: int | None,
) -> InsightsRun:
    """Read-only: the result rows first (the real work), then the statistics. ``matched_sql`` runs only
    when the rows do not tell: with ``matched_in_rows`` each row ends with the count; with
    ``rows_are_matched_below`` fewer rows than that are all the matched events."""
    rows = cursor.execute(rows_sql).fetchall()
    known: int | None = None
    if matched_in_rows and rows:
        known = int(rows[0][-1])
    elif rows_are_matched_below is not None and len(rows) < rows_are_matched_below:
        known = len(rows)
    found = statistics(cursor, scanned_sql, matched_sql, known)
    return InsightsRun(rows, found.scanned, found.scanned_bytes, found.matched)


def rows(cursor: duckdb.DuckDBPyConnection, rows_sql: str) -> InsightsRun:
    """Read-only: the result rows, without statistics."""
    return InsightsRun(cursor.execute(rows_sql).fetchall(), 0, 0, 0)


def statistics(
    cursor: duckdb.DuckDBPyConnection, scanned_sql: str, matched_sql: str | None, matched: int | None = None
) -> InsightsRun:
    """Read-only: no rows, only the statistics. Events matched: ``matched`` when the caller knows it, else
    ``matched_sql``'s count, else every event scanned."""
    scanned, scanned_bytes = (int(value) for value in cursor.execute(scanned_sql).fetchall()[0])
    if matched is None:
        matched = scanned if matched_sql is None else int(cursor.execute(matched_sql).fetchall()[0][0])
    return InsightsRun([], scanned, scanned_bytes, matched)


def one_row(cursor: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    return tuple(cursor.execute(sql).fetchall()[0])
