"""What a leading filter on a discovered field implies about the stored event, so the scan can skip
events before any JSON is parsed.

`level = "ERROR"` on a JSON field can only be true for a message that contains `ERROR`, unless the
message escapes characters (`\\u0045RROR`), so `contains(message, 'ERROR') OR contains(message, '\\')`
is a necessary condition. DuckDB evaluates it on the raw column at memory speed: a needle search parses
one document instead of millions.

For a well-known key that ingest stored in a column of its own (store/event_fields.py), a JSON object
message is narrowed by that column instead (`field_level = '"ERROR"'`: the stored value is canonical
JSON text), which never reads a message.
Such a condition says nothing of the other messages: those that may embed an object (`json_fragment`)
are narrowed by their text, and the rest have no JSON fields, so no such filter holds for them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from vigil.engine.insights.duckdb_sql.text import quote
from vigil.engine.insights.plan import Scan, Stage, X
from vigil.store.event_fields import KEYED_FIELDS, stored_string


@dataclass
class Narrowing:
    """Necessary conditions for an event to pass the query's leading filters."""

    text: list[str] = field(default_factory=list)  # on the raw message, for any event
    keyed: list[str] = field(default_factory=list)  # on stored key columns, for JSON object messages
    unkeyed_text: list[str] = field(default_factory=list)  # the text conditions the keyed ones leave out
    # The filters are nothing but keyed equalities, so for a message with stored fields the keyed
    # conditions are the filters themselves, not only implied by them.
    exact: bool = True


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


def _needle(condition: X) -> tuple[int, str] | None:
    """(JSON field index, literal) of `field = "literal"` or `field like "literal"`."""
    if condition.op not in ("eq", "contains") or len(condition.args) != 2:
        return None
    field_, literal = condition.args
    if not field_.op.startswith("jfield_") or literal.op != "string" or not isinstance(literal.value, str):
        return None
    if not literal.value or _is_number(literal.value):
        return None
    return field_.value, literal.value


def keyed_column(path: tuple[str | int, ...]) -> str | None:
    """The log_events column ingest stores this JSON field in, for a JSON object message."""
    return KEYED_FIELDS.get(path[0]) if len(path) == 1 and isinstance(path[0], str) else None


def keyed_columns(scan: Scan) -> list[str]:
    return sorted({c for c in map(keyed_column, scan.json_paths) if c is not None})


def narrowing(scan: Scan, stages: Sequence[Stage], message: str, columns: str) -> Narrowing:
    """The conditions implied by the filters in ``stages`` (the query's leading filters, which read
    discovered fields straight from the message); ``columns`` qualifies the stored key columns."""
    found = Narrowing()
    for stage in stages:
        if stage.where is None:
            continue
        for condition in _conjuncts(stage.where):
            needle = _needle(condition)
            if needle is None:
                found.exact = False
                continue
            index, literal = needle
            text = f"(contains({message}, {quote(literal)}) OR contains({message}, '\\'))"
            found.text.append(text)
            column = keyed_column(scan.json_paths[index])
            stored = stored_string(literal)
            if column is None or stored is None or (condition.op == "eq" and _json_text(literal)):
                found.unkeyed_text.append(text)
                found.exact = False
            elif condition.op == "eq":
                # One value, so that DuckDB filters the column as it reads it (an IN of two does not).
                found.keyed.append(f"{columns}{column} = {quote(stored)}")
            else:
                found.keyed.append(f"contains({columns}{column}, {quote(literal)})")
                found.exact = False
    return found


def _json_text(text: str) -> bool:
    """Whether a value other than a string may have ``text`` as its text (`true`, an object, an array)."""
    return text in ("true", "false") or text.startswith(("{", "["))
