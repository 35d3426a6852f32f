"""Random events for the property tests and their ingestion into a fresh log group per example.

Events are JSON objects over a small fixed vocabulary of keys (level, status, latency_ms, user, ctx.shard,
tags) or plain-text lines of a small vocabulary of words, within three hours of the start of yesterday (UTC),
so bins line up the same way on every run. JSON is written compactly, so a JSON event is one field of a
space-delimited pattern."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from hypothesis import strategies as st

from reference import Event

STREAMS = ("web", "worker")
LEVELS = ["ERROR", "WARN", "INFO", "DEBUG"]
USERS = ["alice", "bob", "Bob", "carol", "Émile", "a_c", "42", "007"]
WORDS = [
    "ERROR",
    "ERRORS",
    "WARN",
    "INFO",
    "disk",
    "full",
    "user",
    "alice",
    "login",
    "failed",
    "404",
    "200",
    "1534",
    "GET",
    "/api/orders",
    "index.html",
    "12ms",
    "[10/Oct/2000:13:25:15 -0700]",
    '"GET /index.html HTTP/1.0"',
    "[x]y",
    '"oops',
    '[1,"a"]',
    "café",
    "50%",
]
DAY_MS = 86_400_000
BASE_MS = (int(time.time() * 1000) // DAY_MS - 1) * DAY_MS
SPAN_MS = 3 * 3_600_000
_groups = itertools.count()

documents = st.fixed_dictionaries(
    {},
    optional={
        "level": st.sampled_from([*LEVELS, None]),
        "status": st.sampled_from([200, 201, 404, 500, 503]),
        "latency_ms": st.one_of(st.integers(-3, 1500), st.sampled_from([0.25, 12.5, 99.75, 150.5, 1000.0, 1000.5])),
        "user": st.sampled_from([*USERS, 7, True, None]),  # 7 sorts right after "007": equal numbers by text
        "ctx": st.fixed_dictionaries({}, optional={"shard": st.integers(0, 3)}),
        "tags": st.lists(st.sampled_from(["a", "b", "c", 404, None]), max_size=3),
    },
)


@st.composite
def text_lines(draw: st.DrawFn) -> str:
    """Words separated by spaces (now and then two, or a tab); a few lines start with a space or end
    with a newline."""
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6))
    separators = draw(st.lists(st.sampled_from([" ", " ", " ", "  ", "\t"]), min_size=len(words), max_size=len(words)))
    line = "".join(sep + word for sep, word in zip(separators, words, strict=True))[len(separators[0]) :]
    return draw(st.sampled_from(["", "", "", "", " "])) + line + draw(st.sampled_from(["", "", "", "", "\n"]))


json_lines = st.builds(
    lambda before, document, after: before + json.dumps(document, separators=(",", ":"), ensure_ascii=False) + after,
    st.sampled_from(["", "", "", " "]),
    documents,
    st.sampled_from(["", "", "", "\n"]),
)
messages = st.one_of(json_lines, text_lines())
# Multiples of five minutes land on bin edges and make equal timestamps likely.
offsets = st.one_of(st.integers(0, SPAN_MS // 300_000).map(lambda i: i * 300_000), st.integers(0, SPAN_MS))


@st.composite
def event_lists(draw: st.DrawFn, min_size: int = 5, max_size: int = 30) -> list[Event]:
    """Events in ingestion order: each stream's events in time order, stream after stream."""
    drawn = draw(st.lists(st.tuples(st.sampled_from(STREAMS), offsets, messages), min_size=min_size, max_size=max_size))
    return [
        Event(timestamp=BASE_MS + offset, message=message, stream=stream)
        for name in STREAMS
        for stream, offset, message in sorted((e for e in drawn if e[0] == name), key=lambda e: e[1])
    ]


def ingest(client: Any, events: list[Event], prefix: str) -> str:
    """A new log group holding ``events`` (one PutLogEvents per stream, in list order); returns its name."""
    group = f"/property/{prefix}/{next(_groups)}"
    client.create_log_group(logGroupName=group)
    for stream in STREAMS:
        client.create_log_stream(logGroupName=group, logStreamName=stream)
        batch = [{"timestamp": e["timestamp"], "message": e["message"]} for e in events if e["stream"] == stream]
        if batch:
            answer = client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
            assert "rejectedLogEventsInfo" not in answer
    return group
