"""Property tests: random events and random filter patterns give, through FilterLogEvents and
TestMetricFilter, the events that a plain-Python reference evaluator (tests/reference/patterns.py) matches."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from reference import Event
from reference.events import event_lists, ingest, messages
from reference.patterns import (
    WILDCARD,
    Condition,
    Field,
    Json,
    JsonAnd,
    JsonOr,
    JsonTest,
    Pattern,
    Regex,
    SpaceDelimited,
    Term,
    Terms,
    Value,
)

from vigil.testing import VigilServer

EXAMPLES = settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
WORDS = [
    "ERROR",
    "ERRORS",
    "WARN",
    "INFO",
    "disk",
    "full",
    "alice",
    "404",
    "level",
    "user",
    "GET",
    "200",
    "a_c",
    "café",
]
PHRASES = [" ", "50%", "disk full", "/api/orders", "login failed", "12ms", "index.html", "GET /index.html"]
REGEXES = ["ERROR|WARN", "\\d{3}", "^INFO", "full$", "a.i", "[A-Z]{4,}", "disk\\s+full", "ms$", ":[0-9]+,", "\\["]
NUMERIC_OPS = ["=", "!=", "<", ">", "<=", ">="]
# Per selector, the right-hand sides worth trying: values its events hold, and values of the wrong type.
JSON_VALUES: dict[tuple[str, ...], list[Value]] = {
    ("level",): [Value("word", "ERROR"), Value("string", "INFO"), Value("wildcard", "E*R"), Value("regex", "^[DW]")],
    ("status",): [Value("number", "404"), Value("number", "4e2"), Value("wildcard", "4*"), Value("string", "404")],
    ("latency_ms",): [
        Value("number", "12.5"),
        Value("number", "100"),
        Value("number", "1.5e1"),
        Value("wildcard", "1*5"),
    ],
    ("user",): [
        Value("word", "alice"),
        Value("string", "42"),
        Value("number", "42"),
        Value("wildcard", '"*o*"'),
        Value("wildcard", '"a_c*"'),
        Value("string", "Émile"),
    ],
    ("ctx", "shard"): [Value("number", "2"), Value("number", "-1"), Value("wildcard", "*"), Value("string", "true")],
    ("ctx",): [Value("wildcard", "*"), Value("number", "0")],
    ("tags",): [Value("wildcard", "*"), Value("word", "a")],
    ("tags", 0): [Value("word", "a"), Value("number", "404"), Value("wildcard", "*")],
    ("tags", WILDCARD): [Value("word", "b"), Value("number", "404"), Value("regex", "^[ab]")],
    ("nope",): [Value("word", "ERROR"), Value("number", "0")],
}
FIELD_CONDITIONS = [
    *(Condition(op, word) for op in ("=", "!=") for word in ["ERROR", "WARN", "alice", "GET", "E*", "*ms", "*.html*"]),
    *(Condition(op, number) for op in ("=", "!=", ">", "<", ">=", "<=") for number in ["404", "200", "300", "1e3"]),
    *(Condition("=", regex) for regex in ["%^[A-Z]+$%", "%[0-9]%", "%/%"]),
]


@pytest.fixture(scope="module")
def client(vigil_server: VigilServer) -> Any:
    return vigil_server.client("logs")


# ---- strategies -----------------------------------------------------------------------------------

term_lists = st.lists(
    st.builds(Term, st.sampled_from(WORDS + PHRASES)) | st.builds(Term, st.sampled_from(WORDS), st.sampled_from("-?")),
    min_size=1,
    max_size=4,
).map(lambda found: Terms(tuple(found)))
terms = st.one_of(term_lists, term_lists, term_lists, st.just(Terms((Term(" "),))))
regexes = st.builds(Regex, st.sampled_from(REGEXES))


@st.composite
def json_tests(draw: st.DrawFn) -> JsonTest:
    selector = draw(st.sampled_from(list(JSON_VALUES)))
    value = draw(st.sampled_from(JSON_VALUES[selector]))
    unary = draw(st.sampled_from(["IS NULL", "NOT EXISTS", "IS TRUE", "IS FALSE"]))
    op = draw(st.sampled_from(NUMERIC_OPS if value.kind == "number" else ["=", "!="]))
    return draw(
        st.sampled_from([JsonTest(selector, op, value), JsonTest(selector, op, value), JsonTest(selector, unary)])
    )


json_conditions = st.recursive(
    json_tests(), lambda inner: st.builds(JsonAnd, inner, inner) | st.builds(JsonOr, inner, inner), max_leaves=3
)
json_patterns = st.builds(Json, json_conditions)
page_sizes = st.none() | st.integers(1, 7)


@st.composite
def space_delimited(draw: st.DrawFn) -> SpaceDelimited:
    count = draw(st.integers(1, 4))
    fields: list[Field | None] = [
        Field(
            f"f{i + 1}",
            tuple(draw(st.lists(st.sampled_from(FIELD_CONDITIONS), max_size=2, unique=True))),
            draw(st.sampled_from(["&&", "||"])),
        )
        for i in range(count)
    ]
    if draw(st.booleans()):
        fields.insert(draw(st.integers(0, count)), None)
    return SpaceDelimited(tuple(fields))


# ---- running and comparing ------------------------------------------------------------------------


def filtered(client: Any, group: str, pattern: str, page_size: int | None) -> list[tuple[str, int, str]]:
    """Every event FilterLogEvents returns, following nextToken to the end."""
    found: list[tuple[str, int, str]] = []
    token: dict[str, Any] = {} if page_size is None else {"limit": page_size}
    while True:
        page = client.filter_log_events(logGroupName=group, filterPattern=pattern, **token)
        found += [(e["logStreamName"], e["timestamp"], e["message"]) for e in page["events"]]
        if "nextToken" not in page:
            return found
        token = {**token, "nextToken": page["nextToken"]}


def check_filter(client: Any, events: list[Event], patterns: list[Pattern], page_size: int | None) -> None:
    """One log group, several patterns: ingesting costs more than filtering. A small page size makes
    FilterLogEvents page through the matches."""
    group = ingest(client, events, "patterns")
    for pattern in patterns:
        text = pattern.text()
        note(f"pattern: {text}")
        # Stable: events with equal timestamps stay in ingestion (event id) order, as FilterLogEvents returns them.
        expected = sorted(
            ((e["stream"], e["timestamp"], e["message"]) for e in events if pattern.matches(e["message"])),
            key=lambda e: e[1],
        )
        assert filtered(client, group, text, page_size) == expected


def check_metric_filter(client: Any, lines: list[str], pattern: Pattern) -> None:
    text = pattern.text()
    note(f"pattern: {text}")
    answer = client.test_metric_filter(filterPattern=text, logEventMessages=lines)
    assert [m["eventNumber"] for m in answer["matches"]] == [
        number for number, line in enumerate(lines, start=1) if pattern.matches(line)
    ]


def several(patterns: st.SearchStrategy[Pattern]) -> st.SearchStrategy[list[Pattern]]:
    return st.lists(patterns, min_size=1, max_size=5)


# ---- properties -----------------------------------------------------------------------------------


@EXAMPLES
@given(events=event_lists(), patterns=several(terms), page_size=page_sizes)
def test_term_patterns_match_the_reference(
    client: Any, events: list[Event], patterns: list[Pattern], page_size: int | None
) -> None:
    check_filter(client, events, patterns, page_size)


@EXAMPLES
@given(events=event_lists(), patterns=several(regexes), page_size=page_sizes)
def test_regex_patterns_match_the_reference(
    client: Any, events: list[Event], patterns: list[Pattern], page_size: int | None
) -> None:
    check_filter(client, events, patterns, page_size)


@EXAMPLES
@given(events=event_lists(), patterns=several(json_patterns), page_size=page_sizes)
def test_json_patterns_match_the_reference(
    client: Any, events: list[Event], patterns: list[Pattern], page_size: int | None
) -> None:
    check_filter(client, events, patterns, page_size)


@EXAMPLES
@given(events=event_lists(), patterns=several(space_delimited()), page_size=page_sizes)
def test_space_delimited_patterns_match_the_reference(
    client: Any, events: list[Event], patterns: list[Pattern], page_size: int | None
) -> None:
    check_filter(client, events, patterns, page_size)


@settings(EXAMPLES, max_examples=600)
@given(
    lines=st.lists(messages, min_size=10, max_size=50),
    pattern=st.sampled_from([terms, regexes, json_patterns, json_patterns, space_delimited()]).flatmap(
        lambda kind: kind
    ),
)
def test_test_metric_filter_matches_the_reference(client: Any, lines: list[str], pattern: Pattern) -> None:
    """TestMetricFilter needs no ingestion, so it tries many more patterns than FilterLogEvents can."""
    check_metric_filter(client, lines, pattern)
