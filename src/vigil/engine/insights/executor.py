"""Running a planned query: SQL on the caller's cursor, then result rows as AWS shows them."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import duckdb

from vigil.engine.insights import ast, duckdb_sql
from vigil.engine.insights.context import TIMESTAMP
from vigil.engine.insights.duckdb_sql.regex_check import regex_error
from vigil.engine.insights.finish import expressions, finish, walk
from vigil.engine.insights.lexer import malformed
from vigil.engine.insights.plan import Plan
from vigil.engine.insights.planner import POINTER, Planner
from vigil.engine.logs.pointers import encode_pointer
from vigil.store import insights as store
from vigil.store.records import LogGroup


@dataclass(frozen=True)
class QueryTarget:
    groups: Sequence[LogGroup]
    start_ms: int  # inclusive
    end_ms: int  # inclusive
    limit: int  # the most rows returned (StartQuery's limit)
    now_ms: int  # the query's start time: retention cut-offs, now(), queryStartTime()


@dataclass
class QueryResults:
    rows: list[list[tuple[str, str]]]
    records_matched: float
    records_scanned: float
    bytes_scanned: float


def plan(query: ast.Query, target: QueryTarget) -> Plan:
    """The finished plan of the result rows."""
    return finish(_planner(query, target).plan())


def _planner(query: ast.Query, target: QueryTarget) -> Planner:
    return Planner(
        query, target.groups, start_ms=target.start_ms, end_ms=target.end_ms, limit=target.limit, now_ms=target.now_ms
    )


def _matched(planned: Plan) -> Plan | None:
    """The plan up to the last filter that decides which events match, or None when none does."""
    if planned.matched_stage is None:
        return None
    prefix = copy.deepcopy(planned)
    prefix.stages = prefix.stages[: planned.matched_stage + 1]
    prefix.outputs, prefix.order, prefix.matched_column = [], [], None
    return finish(prefix)


def _regexes(planned: Plan) -> Iterator[str]:
    for value in expressions(planned):
        for node in walk(value):
            if node.op == "regex" or (node.op == "fn" and node.value == "regexreplace"):
                yield node.args[1].value
            elif node.op == "regex_struct":
                yield node.value[0]


def validate(query: ast.Query) -> None:
    """Plan the query against no log groups, so every error a plan can meet surfaces at StartQuery."""
    planned = plan(query, QueryTarget(groups=(), start_ms=0, end_ms=0, limit=1, now_ms=0))
    for pattern in _regexes(planned):
        problem = regex_error(pattern)
        if problem is not None:
            raise malformed(query.text, 0, f"invalid regular expression /{pattern}/ ({problem})")


# The first time slice of a query whose rows can be published newest first, as a fraction of the span that
# holds events: small, since a capped query often needs only the newest events.
FIRST_SLICE = 1 / 64
# A later slice is sized to find the rows still missing at the rate seen so far, with this margin, and is
# at least twice the one before; after a slice without rows, the next one takes the rest of the window.
SLICE_MARGIN = 1.25


def _newest_first(planned: Plan) -> bool:
    """Rows are events by @timestamp descending and no stage looks across events (stats, sort, dedup,
    limit), so every row of a later time slice comes before every row of an earlier one."""
    if not planned.events or not planned.order:
        return False
    first = planned.order[0]
    if not (first.descending and first.key.op == "col" and first.key.value == TIMESTAMP):
        return False
    return not any(s.aggregate or s.order or s.limit is not None or s.qualify is not None for s in planned.stages)


def execute(
    query: ast.Query,
    target: QueryTarget,
    cursor: duckdb.DuckDBPyConnection,
    publish: Callable[[QueryResults], None] | None = None,
) -> QueryResults:
    """The query's rows and statistics. With ``publish``, a query whose rows come newest first runs slice
    by slice from the end of its window, handing what it found so far to ``publish`` after each, so a
    running query shows rows and one that runs out of time keeps them."""
    if publish is not None and _newest_first(plan(query, target)):
        return _in_slices(query, target, cursor, publish)
    return _execute(query, target, cursor)


def _in_slices(
    query: ast.Query, target: QueryTarget, cursor: duckdb.DuckDBPyConnection, publish: Callable[[QueryResults], None]
) -> QueryResults:
    planned = plan(query, target)
    oldest, newest = store.one_row(cursor, duckdb_sql.bounds(planned.scan))
    if oldest is None or max(oldest, target.start_ms) > min(newest, target.end_ms):
        return _execute(query, target, cursor)
    # Slices over the part of the window that holds events, not over the whole window asked for; the last
    # one reaches back to the window's start.
    oldest, newest = max(oldest, target.start_ms), min(newest, target.end_ms)
    found = QueryResults([], 0.0, 0.0, 0.0)
    end, cut = target.end_ms, newest
    step = max(1, round((newest - oldest + 1) * FIRST_SLICE))
    while end >= target.start_ms:
        start = target.start_ms if cut - step < oldest else cut - step + 1
        window = replace(target, start_ms=start, end_ms=end, limit=planned.limit - len(found.rows))
        rows = _execute(query, window, cursor, statistics=False).rows
        capped = len(found.rows) + len(rows) >= planned.limit
        if capped:
            # The rest of the window adds to the statistics only: counted with this slice, in one pass.
            part = _statistics(query, replace(target, end_ms=end), cursor)
        else:
            part = _statistics(query, window, cursor, len(rows) if planned.rows_are_matched else None)
        found = _add(found, replace(part, rows=rows))
        publish(found)
        if capped:
            break
        step = _next_step(step, cut - start + 1, len(rows), planned.limit - len(found.rows), start - oldest)
        end = cut = start - 1
    return found


def _next_step(step: int, covered: int, found: int, missing: int, left: int) -> int:
    """The next slice's length: the rest (``left``) after a slice without rows, else what finds the ``missing``
    rows at the rate the last slice (``covered`` ms, ``found`` rows) saw, and at least twice ``step``."""
    if not found:
        return max(left, 1)
    return max(2 * step, math.ceil(missing * covered / found * SLICE_MARGIN))


def _add(found: QueryResults, part: QueryResults) -> QueryResults:
    return QueryResults(
        found.rows + part.rows,
        found.records_matched + part.records_matched,
        found.records_scanned + part.records_scanned,
        found.bytes_scanned + part.bytes_scanned,
    )


def _statistics(
    query: ast.Query, target: QueryTarget, cursor: duckdb.DuckDBPyConnection, matched_rows: int | None = None
) -> QueryResults:
    """The statistics of the window; ``matched_rows`` when the rows already tell how many matched."""
    unfinished = _planner(query, target).plan()
    matched = _matched(unfinished)
    count = duckdb_sql.count(matched) if matched is not None and matched_rows is None else None
    run = store.statistics(cursor, duckdb_sql.scanned(unfinished.scan), count, matched_rows)
    return QueryResults([], float(run.matched), float(run.scanned), float(run.scanned_bytes))


def _execute(
    query: ast.Query, target: QueryTarget, cursor: duckdb.DuckDBPyConnection, *, statistics: bool = True
) -> QueryResults:
    """The rows, and unless told not to, the statistics."""
    unfinished = _planner(query, target).plan()
    matched = _matched(unfinished)
    planned = finish(unfinished)
    if statistics:
        run = store.run(
            cursor,
            duckdb_sql.rows(planned),
            duckdb_sql.scanned(planned.scan),
            duckdb_sql.count(matched) if matched is not None else None,
            matched_in_rows=planned.matched_column is not None,
            rows_are_matched_below=planned.limit if planned.rows_are_matched else None,
        )
    else:
        run = store.rows(cursor, duckdb_sql.rows(planned))
    names = [output.name for output in planned.outputs]
    width = len(names)
    rows: list[list[tuple[str, str]]] = []
    for row in run.rows:
        pairs = [(name, value) for name, value in zip(names, row[:width], strict=True) if value is not None]
        if planned.events:
            pairs.append((POINTER, encode_pointer(*row[width:])))
        rows.append(pairs)
    return QueryResults(rows, float(run.matched), float(run.scanned), float(run.scanned_bytes))
