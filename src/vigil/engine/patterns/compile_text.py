"""SQL for term patterns and standalone ``%regex%`` patterns."""

from __future__ import annotations

from vigil.engine.patterns import sql
from vigil.engine.patterns.ast import RegexPattern, TermPattern


def term_predicate(pattern: TermPattern, column: str) -> str:
    """Every plain term present and every ``-`` term absent; ``?`` terms count only on their own
    (AWS documents that they are ignored next to other terms)."""
    if not (pattern.required or pattern.excluded):
        return sql.any_of([f"contains({column}, {sql.string(term)})" for term in pattern.optional])
    parts = [f"contains({column}, {sql.string(term)})" for term in pattern.required]
    parts += [f"NOT contains({column}, {sql.string(term)})" for term in pattern.excluded]
    return sql.all_of(parts)


def regex_predicate(pattern: RegexPattern, column: str) -> str:
    return f"regexp_matches({column}, {sql.string(pattern.regex)})"
