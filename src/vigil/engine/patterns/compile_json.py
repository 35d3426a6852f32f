"""SQL for JSON patterns.

The message must be a JSON object (``json_valid`` first: DuckDB's JSON functions raise on invalid
JSON). Every selector without a wildcard is read by one ``json_extract`` call with a list of paths, so
the document is parsed once per event; a lambda over a one-element list binds that result to a name
the conditions share. A wildcard selector yields a list of values and is read by its own call.
"""

from __future__ import annotations

from vigil.engine.patterns import sql
from vigil.engine.patterns.ast import (
    And,
    AnyElement,
    AnyMember,
    Check,
    Comparison,
    Condition,
    Index,
    JsonPattern,
    Key,
    Number,
    Or,
    Regex,
    Selector,
    Text,
    Wildcard,
)
from vigil.store.event_fields import KEYED_FIELDS, stored_string

_BOUND = "vigil_json"  # the lambda parameter holding the plain selectors' values
_ITEM = "vigil_item"  # the lambda parameter for one value of a wildcard selector
_NUMBER = "json_type({v}) IN ('BIGINT', 'UBIGINT', 'DOUBLE')"
_STRING_OR_NUMBER = "json_type({v}) IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE')"
_CHECKS = {"IS NULL": "null", "IS TRUE": "true", "IS FALSE": "false"}


def is_object(column: str, json_flag: str | None = None) -> str:
    """Whether the message is a JSON object; ``json_flag`` names a column that already says whether it is valid
    JSON (ingest records it), which spares parsing each message once more only to find out."""
    valid = json_flag or f"json_valid({column})"
    return f"({valid} AND starts_with(ltrim({column}, ' ' || chr(9) || chr(10) || chr(13)), '{{'))"


def duckdb_path(selector: Selector) -> str:
    """The selector as a DuckDB JSON path; every key is quoted, so dots and dashes stay in the key."""
    path = "$"
    for step in selector.steps:
        if isinstance(step, Key):
            path += '."' + step.name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        elif isinstance(step, Index):
            path += f"[{step.position}]"
        elif isinstance(step, AnyMember):
            path += ".*"
        elif isinstance(step, AnyElement):
            path += "[*]"
    return path


def _value_test(comparison: Comparison, value: str) -> str:
    """``comparison`` on one JSON value (SQL NULL when the property is missing)."""
    operand, negate = comparison.value, comparison.operator == "!="
    if isinstance(operand, Number):
        compare = sql.COMPARISONS[comparison.operator]
        return f"({_NUMBER.format(v=value)} AND TRY_CAST({value} AS DOUBLE) {compare} {sql.number(operand.value)})"
    text = f"({value} ->> '$')"
    if isinstance(operand, Text):
        return f"(json_type({value}) = 'VARCHAR' AND {text} {'<>' if negate else '='} {sql.string(operand.text)})"
    no = "NOT " if negate else ""
    if isinstance(operand, Wildcard):
        return f"({_STRING_OR_NUMBER.format(v=value)} AND {text} {no}{sql.like(operand.glob)})"
    assert isinstance(operand, Regex)
    return f"(json_type({value}) = 'VARCHAR' AND {no}regexp_matches({text}, {sql.string(operand.regex)}))"


def _check_test(check: Check, value: str) -> str:
    if check.test == "NOT EXISTS":
        return f"({value} IS NULL)"
    return f"(CAST({value} AS VARCHAR) = {sql.string(_CHECKS[check.test])})"


def _test(node: Comparison | Check, value: str) -> str:
    return _value_test(node, value) if isinstance(node, Comparison) else _check_test(node, value)


class _JsonCompiler:
    def __init__(self, pattern: JsonPattern, column: str, json_flag: str | None) -> None:
        self.column = column
        self.json_flag = json_flag
        plain = [s for s in pattern.selectors if not s.has_wildcard]
        self.slots = {selector.text: f"{_BOUND}[{i}]" for i, selector in enumerate(plain, start=1)}
        self.paths = [duckdb_path(s) for s in plain]

    def condition(self, node: Condition) -> str:
        if isinstance(node, And):
            return sql.all_of([self.condition(part) for part in node.parts])
        if isinstance(node, Or):
            return sql.any_of([self.condition(part) for part in node.parts])
        assert isinstance(node, Comparison | Check)
        selector = node.selector
        if not selector.has_wildcard:
            return _test(node, self.slots[selector.text])
        # A wildcard selector matches when any of its values does; NOT EXISTS when it has none.
        values = f"json_extract({self.column}, {sql.string(duckdb_path(selector))})"
        if isinstance(node, Check) and node.test == "NOT EXISTS":
            return f"(len({values}) = 0)"
        return f"coalesce(list_bool_or(list_transform({values}, lambda {_ITEM}: {_test(node, _ITEM)})), false)"

    def predicate(self, pattern: JsonPattern) -> str:
        body = self.condition(pattern.condition)
        if self.paths:
            paths = "[" + ", ".join(sql.string(p) for p in self.paths) + "]"
            body = f"list_transform([json_extract({self.column}, {paths})], lambda {_BOUND}: {body})[1]"
        return f"(CASE WHEN {is_object(self.column, self.json_flag)} THEN coalesce({body}, false) ELSE false END)"


def keyed_condition(pattern: JsonPattern, columns: str) -> str | None:
    """A condition on the fields ingest stores (store/event_fields.py) that every JSON object message
    matching the pattern meets, from its top-level `$.key = "text"` terms on those keys; None without any.
    (For a message whose fields were stored, such a term holds exactly when the stored JSON text is the
    string's.)"""
    condition = pattern.condition
    terms = condition.parts if isinstance(condition, And) else (condition,)
    found = []
    for term in terms:
        if not (isinstance(term, Comparison) and term.operator == "=" and isinstance(term.value, Text)):
            continue
        steps = term.selector.steps
        column = KEYED_FIELDS.get(steps[0].name) if len(steps) == 1 and isinstance(steps[0], Key) else None
        stored = stored_string(term.value.text)
        if column is not None and stored is not None:
            found.append(f"{columns}{column} = {sql.string(stored)}")
    return " AND ".join(found) or None


def json_predicate(pattern: JsonPattern, column: str, json_flag: str | None = None) -> str:
    return _JsonCompiler(pattern, column, json_flag).predicate(pattern)


def json_value(selector: Selector, column: str, json_flag: str | None = None) -> str:
    """The selector's value as text; NULL when the message is not a JSON object, the property is missing
    or its value is null. A wildcard selector has many values: they come as one JSON array."""
    path = sql.string(duckdb_path(selector))
    if selector.has_wildcard:
        value = f"CAST(to_json(json_extract({column}, {path})) AS VARCHAR)"
    else:
        value = f"json_extract_string({column}, {path})"
    return f"(CASE WHEN {is_object(column, json_flag)} THEN {value} END)"
