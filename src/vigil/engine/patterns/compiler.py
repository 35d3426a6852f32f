"""A filter pattern compiled to DuckDB SQL: one boolean expression over a message column, and the
expressions for the values it extracts (metric values and dimensions, TestMetricFilter).

The same compiled pattern serves FilterLogEvents, metric filters, subscription filters and live tail:
each embeds ``predicate_sql`` in its own query over stored events or a batch of new ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from vigil.engine.patterns.ast import (
    DelimitedPattern,
    JsonPattern,
    MatchAll,
    RegexPattern,
    TermPattern,
)
from vigil.engine.patterns.compile_delimited import DelimitedCompiler
from vigil.engine.patterns.compile_json import json_predicate, json_value, keyed_condition
from vigil.engine.patterns.compile_text import regex_predicate, term_predicate
from vigil.engine.patterns.json_parser import parse_selector
from vigil.engine.patterns.parser import parse_pattern
from vigil.errors import invalid_parameter

PatternKind = Literal["all", "terms", "regex", "json", "delimited"]


@dataclass(frozen=True)
class CompiledPattern:
    text: str
    kind: PatternKind
    predicate_sql: str
    # What TestMetricFilter reports, in pattern order: ``$name`` (space-delimited) or ``$.path`` (JSON
    # selectors without a wildcard).
    fields: tuple[str, ...]
    _extract: Callable[[str], str | None] = field(repr=False, compare=False)
    # A condition on the fields ingest stores that every matching message with stored fields meets (JSON
    # patterns with `$.level = "…"`-like terms), so a reader of stored events can narrow by those columns.
    keyed_sql: str | None = None

    def extract_sql(self, name: str) -> str:
        """SQL for the text of ``$name`` / ``$3`` (space-delimited) or ``$.path`` (JSON): NULL when the
        event does not have it."""
        found = self._extract(name)
        if found is None:
            raise invalid_parameter(f"{name} is not a field of the filter pattern {self.text!r}.")
        return found


def _none(name: str) -> str | None:
    return None


def _delimited(text: str, pattern: DelimitedPattern, column: str) -> CompiledPattern:
    compiler = DelimitedCompiler(pattern, column)
    values: Mapping[str, str] = {f"${f.name}": compiler.value(f) for f in pattern.fields} | {
        f"${f.position}": compiler.value(f) for f in pattern.fields
    }
    names = tuple(f"${f.name}" for f in pattern.fields)
    return CompiledPattern(text, "delimited", compiler.predicate(), names, values.get)


def _json(text: str, pattern: JsonPattern, column: str, json_flag: str | None) -> CompiledPattern:
    def extract(name: str) -> str | None:
        if not name.startswith(("$.", "$[")):
            return None
        return json_value(parse_selector(name), column, json_flag)

    names = tuple(s.text for s in pattern.selectors if not s.has_wildcard)
    predicate = json_predicate(pattern, column, json_flag)
    return CompiledPattern(text, "json", predicate, names, extract, keyed_condition(pattern, ""))


@lru_cache(maxsize=1024)
def compile_pattern(text: str | None, column: str = "message", json_flag: str | None = None) -> CompiledPattern:
    """Parse and compile ``text``; raises InvalidParameterException naming what is wrong and where.

    ``json_flag``: a column beside ``column`` saying whether the message is valid JSON (stored events have
    ``is_json``), read instead of validating each message again."""
    source = text or ""
    pattern = parse_pattern(source)
    if isinstance(pattern, MatchAll):
        return CompiledPattern(source, "all", "true", (), _none)
    if isinstance(pattern, TermPattern):
        return CompiledPattern(source, "terms", term_predicate(pattern, column), (), _none)
    if isinstance(pattern, RegexPattern):
        return CompiledPattern(source, "regex", regex_predicate(pattern, column), (), _none)
    if isinstance(pattern, JsonPattern):
        return _json(source, pattern, column, json_flag)
    return _delimited(source, pattern, column)
