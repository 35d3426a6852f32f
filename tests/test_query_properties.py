"""Property tests: random events and random Logs Insights queries give, through StartQuery and
GetQueryResults, the rows that a plain-Python reference evaluator (tests/reference/insights.py) computes."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from reference import Event
from reference.events import BASE_MS, LEVELS, SPAN_MS, USERS, event_lists, ingest
from reference.insights import (
    ROW_CAP,
    Agg,
    And,
    Bin,
    Cell,
    Compare,
    In,
    IsPresent,
    Like,
    Not,
    Or,
    Predicate,
    Query,
    Stats,
    evaluate,
    ordered_rows,
    project,
)

from vigil.testing import VigilServer

EXAMPLES = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
OPERATORS = ["=", "!=", "<", ">", "<=", ">="]
LITERALS: dict[str, list[str | int | float]] = {
    "level": [*LEVELS, "error", "M"],
    "status": [200, 404, 500, 0, "404", "404.0", "2xx"],
    "latency_ms": [0, 12.5, 100, 500, 1000.5, "100"],
    "user": [*USERS, "zed", 42, 7, 7.0],
    "ctx.shard": [0, 1, 2, 3, "1"],
    "tags.0": ["a", "b", 404],
    "@logStream": ["web", "worker"],
}
FIELDS = list(LITERALS)
COLUMNS = [*FIELDS, "@message", "@timestamp", "@log"]
SORT_KEYS = ["level", "status", "latency_ms", "user", "ctx.shard", "tags.0", "@logStream", "@timestamp"]
GROUP_KEYS = ["level", "status", "user", "ctx.shard", "@logStream"]
NUMERIC_FIELDS = ["latency_ms", "ctx.shard", "status", "user"]  # user: "42" and "007" convert
BINS = [Bin(1, "m"), Bin(5, "m"), Bin(15, "m"), Bin(30, "s"), Bin(300, "s"), Bin(90, "m"), Bin(1, "h")]


@pytest.fixture(scope="module")
def client(vigil_server: VigilServer) -> Any:
    return vigil_server.client("logs")


# ---- strategies -----------------------------------------------------------------------------------


@st.composite
def atoms(draw: st.DrawFn) -> Predicate:
    """One condition; comparisons come up most, since their typing rules have the most cases."""
    kind = draw(st.sampled_from(["compare", "compare", "compare", "in", "present", "like", "regex"]))
    field = draw(st.sampled_from(FIELDS))
    values = st.sampled_from(LITERALS[field])
    if kind == "compare":
        return Compare(field, draw(st.sampled_from(OPERATORS)), draw(values))
    if kind == "in":
        return In(field, tuple(draw(st.lists(values, min_size=1, max_size=3, unique=True))), draw(st.booleans()))
    if kind == "present":
        return IsPresent(field)
    negated = draw(st.booleans())
    if kind == "like":
        field = draw(st.sampled_from(["@message", "level", "user", "status"]))
        return Like(
            field,
            draw(st.sampled_from(["ERROR", "disk full", "al", "40", "level", "a_c", "50%", "é"])),
            negated=negated,
        )
    field = draw(st.sampled_from(["@message", "level", "user"]))
    pattern = draw(st.sampled_from(["^ERR", "full$", "a.i", "[0-9]{3}", "(?i)error", "^\\{"]))
    return Like(field, pattern, regex=True, negated=negated)


predicates = st.recursive(
    atoms(),
    lambda inner: st.one_of(st.builds(Not, inner), st.builds(And, inner, inner), st.builds(Or, inner, inner)),
    max_leaves=3,
)
filters = st.lists(predicates, max_size=2).map(tuple)
limits = st.none() | st.integers(1, 12)
directions = st.sampled_from([None, True, False])


@st.composite
def aggregates(draw: st.DrawFn) -> tuple[Agg, ...]:
    aggs = []
    for index in range(draw(st.integers(1, 3))):
        function = draw(st.sampled_from(["count", "count_distinct", "sum", "avg", "min", "max", "pct"]))
        if function == "count":
            field = draw(st.none() | st.sampled_from(COLUMNS))
        elif function == "count_distinct":
            field = draw(st.sampled_from([*GROUP_KEYS, "tags.0"]))
        else:
            field = draw(st.sampled_from(NUMERIC_FIELDS))
        percent = draw(st.sampled_from([25, 50, 90, 99]))
        alias = draw(st.sampled_from([f"c{index}", None]))
        aggs.append(Agg(function, field, percent, alias))
    columns = [agg.column for agg in aggs]
    return tuple(agg for i, agg in enumerate(aggs) if agg.column not in columns[:i])


group_keys = st.lists(st.sampled_from(GROUP_KEYS) | st.sampled_from(BINS), max_size=2, unique=True).map(tuple)
stats = st.builds(Stats, aggregates(), group_keys)


field_lists = st.lists(st.sampled_from(COLUMNS), max_size=4, unique=True).map(tuple)
sort_keys = st.lists(
    st.tuples(st.sampled_from(SORT_KEYS), directions), min_size=1, max_size=2, unique_by=lambda k: k[0]
)
caps = st.sampled_from([ROW_CAP, ROW_CAP, 1, 3, 10])
event_queries = st.builds(Query, fields=field_lists, filters=filters, limit=limits, cap=caps)
flag_queries = st.builds(Query, flags=st.lists(predicates, min_size=1, max_size=12).map(tuple))
sorted_event_queries = st.builds(
    Query, fields=field_lists, filters=filters, sort=sort_keys.map(tuple), limit=limits, cap=caps
)
stats_queries = st.builds(Query, filters=filters, stats=stats)


@st.composite
def sorted_stats_queries(draw: st.DrawFn) -> Query:
    chosen = draw(stats)
    sort = draw(st.lists(st.sampled_from(chosen.columns), min_size=1, max_size=2, unique=True))
    keys = tuple((column, draw(directions)) for column in sort)
    return Query(filters=draw(filters), stats=chosen, sort=keys, limit=draw(limits), cap=draw(caps))


def several(queries: st.SearchStrategy[Query]) -> st.SearchStrategy[list[Query]]:
    """A few queries per example: ingesting a log group costs about as much as running a query."""
    return st.lists(queries, min_size=1, max_size=4)


# ---- running and comparing ------------------------------------------------------------------------


def run_query(client: Any, group: str, query: Query) -> list[list[tuple[str, str]]]:
    """The rows of a completed query, polled until it finishes."""
    query_id = client.start_query(
        logGroupName=group,
        startTime=BASE_MS // 1000,
        endTime=(BASE_MS + SPAN_MS) // 1000 + 1,
        queryString=query.text(),
        limit=query.cap,
    )["queryId"]
    for _ in range(3000):
        answer = client.get_query_results(queryId=query_id)
        if answer["status"] not in ("Scheduled", "Running"):
            break
        time.sleep(0.01)
    assert answer["status"] == "Complete", answer
    return [[(cell["field"], cell["value"]) for cell in row] for row in answer["results"]]


def without_pointer(row: list[tuple[str, str]], aggregated: bool) -> list[tuple[str, str]]:
    """Event rows end with @ptr (an opaque pointer, checked for presence only); stats rows have none."""
    if aggregated:
        assert "@ptr" not in dict(row), row
        return row
    assert row and row[-1][0] == "@ptr" and row[-1][1], row
    return row[:-1]


def same_value(actual: str, expected: Cell) -> bool:
    if isinstance(expected, str):
        return actual == expected
    try:
        return math.isclose(float(actual), expected, rel_tol=1e-9)
    except ValueError:
        return False


def same_row(actual: list[tuple[str, str]], expected: list[tuple[str, Cell]]) -> bool:
    return [f for f, _ in actual] == [f for f, _ in expected] and all(
        same_value(a, e) for (_, a), (_, e) in zip(actual, expected, strict=True)
    )


def engine_rows(client: Any, group: str, query: Query) -> list[list[tuple[str, str]]]:
    note(f"query: {query.text()} (StartQuery limit {query.cap})")
    rows = [without_pointer(row, query.stats is not None) for row in run_query(client, group, query)]
    note(f"engine rows: {rows}")
    return rows


def assert_same_rows(client: Any, events: list[Event], queries: list[Query]) -> None:
    group = ingest(client, events, "insights")
    for query in queries:
        actual = engine_rows(client, group, query)
        expected = evaluate(query, events, group)
        note(f"reference rows: {expected}")
        assert len(actual) == len(expected)
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert same_row(a, e), f"row {index}: engine {a} != reference {e}"


def assert_same_rows_up_to_ties(client: Any, events: list[Event], queries: list[Query]) -> None:
    """Rows that tie on every sort key may come in any order, and a limit may cut a tie anywhere."""
    group = ingest(client, events, "insights")
    for query in queries:
        actual = engine_rows(client, group, query)
        expected = ordered_rows(query, events, group)
        note(f"reference rows: {[project(query, row) for row in expected]}")
        assert len(actual) == min(len(expected), query.row_cap)
        tie = [column for column, _ in query.sort]
        while actual:
            key = tuple(expected[0].get(c) for c in tie)
            candidates = [project(query, row) for row in expected if tuple(row.get(c) for c in tie) == key]
            expected = [row for row in expected if tuple(row.get(c) for c in tie) != key]
            taken, actual = actual[: len(candidates)], actual[len(candidates) :]
            for row in taken:
                match = next((c for c in candidates if same_row(row, c)), None)
                assert match is not None, f"engine row {row} is not among the reference's tied rows {candidates}"
                candidates.remove(match)


# ---- properties -----------------------------------------------------------------------------------


@EXAMPLES
@given(events=event_lists(min_size=8, max_size=40), queries=several(event_queries))
def test_filtered_events_match_the_reference_newest_first(
    client: Any, events: list[Event], queries: list[Query]
) -> None:
    assert_same_rows(client, events, queries)


@EXAMPLES
@given(events=event_lists(min_size=8, max_size=40), queries=several(flag_queries))
def test_conditions_as_fields_match_the_reference(client: Any, events: list[Event], queries: list[Query]) -> None:
    """`fields (cond) as flag0, …` reads 1 or 0 per event: one query checks a dozen conditions on every
    event, so this covers the comparison, like, in and logic rules far faster than filters could."""
    assert_same_rows(client, events, queries)


@EXAMPLES
@given(events=event_lists(min_size=8, max_size=40), queries=several(sorted_event_queries))
def test_sorted_events_match_the_reference(client: Any, events: list[Event], queries: list[Query]) -> None:
    assert_same_rows(client, events, queries)


@EXAMPLES
@given(events=event_lists(min_size=8, max_size=40), queries=several(stats_queries))
def test_stats_match_the_reference_ordered_by_their_keys(
    client: Any, events: list[Event], queries: list[Query]
) -> None:
    assert_same_rows(client, events, queries)


@EXAMPLES
@given(events=event_lists(min_size=8, max_size=40), queries=several(sorted_stats_queries()))
def test_sorted_stats_match_the_reference_up_to_ties(client: Any, events: list[Event], queries: list[Query]) -> None:
    assert_same_rows_up_to_ties(client, events, queries)
