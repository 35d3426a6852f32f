"""Running a planned query: SQL on the caller's cursor, then result rows as AWS shows them."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import duckdb

from vigil.engine.insights import ast, duckdb_sql
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


def execute(query: ast.Query, target: QueryTarget, cursor: duckdb.DuckDBPyConnection) -> QueryResults:
    unfinished = _planner(query, target).plan()
    matched = _matched(unfinished)
    planned = finish(unfinished)
    run = store.run(
        cursor,
        duckdb_sql.rows(planned),
        duckdb_sql.scanned(planned.scan),
        duckdb_sql.count(matched) if matched is not None else None,
        matched_in_rows=planned.matched_column is not None,
        rows_are_matched_below=planned.limit if planned.rows_are_matched else None,
    )
    names = [output.name for output in planned.outputs]
    width = len(names)
    rows: list[list[tuple[str, str]]] = []
    for row in run.rows:
        pairs = [(name, value) for name, value in zip(names, row[:width], strict=True) if value is not None]
        if planned.events:
            pairs.append((POINTER, encode_pointer(*row[width:])))
        rows.append(pairs)
    return QueryResults(rows, float(run.matched), float(run.scanned), float(run.scanned_bytes))
