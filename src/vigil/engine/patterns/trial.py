"""TestMetricFilter: which of some messages a pattern matches, and the values it extracts from each,
evaluated by the same compiled SQL that filters stored events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from vigil.engine.patterns.compiler import compile_pattern


class MessageMatcher(Protocol):
    def match_messages(
        self, messages: Sequence[str], predicate_sql: str, values_sql: Sequence[str]
    ) -> list[tuple[int, list[str | None]]]: ...


@dataclass(frozen=True)
class PatternMatch:
    event_number: int  # 1-based position in the messages given
    message: str
    extracted: dict[str, str]  # ``$name`` / ``$.path`` -> text, only the values the event has


class PatternTrial:
    def __init__(self, matcher: MessageMatcher) -> None:
        self.matcher = matcher

    def run(self, pattern: str | None, messages: Sequence[str]) -> list[PatternMatch]:
        compiled = compile_pattern(pattern)
        values_sql = [compiled.extract_sql(name) for name in compiled.fields]
        rows = self.matcher.match_messages(messages, compiled.predicate_sql, values_sql)
        return [
            PatternMatch(
                number,
                messages[number - 1],
                {name: value for name, value in zip(compiled.fields, values, strict=True) if value is not None},
            )
            for number, values in rows
        ]
