"""Text the raw message must contain for a leading filter on a discovered field to hold.

`level = "ERROR"` on a JSON field can only be true for a message that contains `ERROR`, unless the
message escapes characters (`\\u0045RROR`), so `contains(message, 'ERROR') OR contains(message, '\\')`
is a necessary condition. DuckDB evaluates it on the raw column at memory speed, before any JSON is
parsed: a needle search parses one document instead of millions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from vigil.engine.insights.duckdb_sql.text import quote
from vigil.engine.insights.plan import Stage, X


def _conjuncts(value: X) -> Iterator[X]:
    if value.op == "and":
        for arg in value.args:
            yield from _conjuncts(arg)
    else:
        yield value


def _is_number(text: str) -> bool:
    # A JSON number's extracted text is re-rendered (`1e3` reads as `1000.0`), so it need not appear as is.
    try:
        float(text)
    except ValueError:
        return False
    return True


def _needle(condition: X) -> str | None:
    if condition.op not in ("eq", "contains") or len(condition.args) != 2:
        return None
    field, literal = condition.args
    if not field.op.startswith("jfield_") or literal.op != "string" or not isinstance(literal.value, str):
        return None
    if not literal.value or _is_number(literal.value):
        return None
    return literal.value


def conditions(stages: Sequence[Stage], message: str) -> list[str]:
    """SQL conditions on ``message`` implied by the filters in ``stages`` (the query's leading filters,
    which read discovered fields straight from the message)."""
    found = []
    for stage in stages:
        if stage.where is None:
            continue
        for condition in _conjuncts(stage.where):
            needle = _needle(condition)
            if needle is not None:
                found.append(f"(contains({message}, {quote(needle)}) OR contains({message}, '\\'))")
    return found
