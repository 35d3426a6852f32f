"""Reference evaluators for the property tests: a subset of Logs Insights and the filter-pattern language,
written in plain Python from the documented semantics (docs/insights.md, docs/filter-patterns.md) and never
from the engine's code. They favour being obviously right over being fast: every event is looked at in
Python, which is fine for the few dozen events a generated example holds.

Both modules hold a small AST that the tests' strategies build, render it to the text the server parses
(``.text()``) and evaluate it over a list of events (dicts with ``timestamp``, ``message`` and ``stream``, in
the order they were ingested, so a later event has a larger event id)."""

from __future__ import annotations

from typing import TypedDict


class Event(TypedDict):
    timestamp: int
    message: str
    stream: str
