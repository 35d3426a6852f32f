"""SQL for space-delimited patterns (how events split into fields is in delimited_layout.py).

The event is split into tokens once (``regexp_extract_all``), the values of the fields that carry
conditions are picked from the tokens into a list, and a lambda binds that list so every condition
reads it. Events the narrowed layout regex rejects are never split.
"""

from __future__ import annotations

from vigil.engine.patterns import sql
from vigil.engine.patterns.ast import And, Condition, DelimitedPattern, Field, FieldTest, Number, Or, Regex, Text
from vigil.engine.patterns.delimited_layout import TOKEN, Placement, narrowed, placements, prefix

_TOKENS = "vigil_tokens"  # lambda parameter: the event's tokens
_VALUES = "vigil_values"  # lambda parameter: the fields' values, NULL when the event has too few tokens
_WHITESPACE = "' ' || chr(9) || chr(10) || chr(13) || chr(12)"


def _unwrapped(token: str) -> str:
    """A token without the brackets or quotes of a bracketed or quoted field."""
    wrapped = (
        f"length({token}) >= 2 AND ((starts_with({token}, '[') AND ends_with({token}, ']')) "
        f"OR (starts_with({token}, '\"') AND ends_with({token}, '\"')))"
    )
    return f"(CASE WHEN {wrapped} THEN {token}[2:-2] ELSE {token} END)"


def _test(test: FieldTest, value: str) -> str:
    operand, negate = test.value, test.operator == "!="
    if isinstance(operand, Number):
        is_number = f"regexp_full_match({value}, {sql.string(sql.NUMBER_RE2)})"
        if negate:  # a field that is not a number is not equal to one
            return f"NOT ({is_number} AND TRY_CAST({value} AS DOUBLE) = {sql.number(operand.value)})"
        compare = sql.COMPARISONS[test.operator]
        return f"({is_number} AND TRY_CAST({value} AS DOUBLE) {compare} {sql.number(operand.value)})"
    if isinstance(operand, Text):
        return f"({value} {'<>' if negate else '='} {sql.string(operand.text)})"
    no = "NOT " if negate else ""
    if isinstance(operand, Regex):
        return f"({no}regexp_matches({value}, {sql.string(operand.regex)}))"
    return f"({value} {no}{sql.like(operand.glob)})"


def _condition(node: Condition, value: str) -> str:
    if isinstance(node, And):
        return sql.all_of([_condition(part, value) for part in node.parts])
    if isinstance(node, Or):
        return sql.any_of([_condition(part, value) for part in node.parts])
    assert isinstance(node, FieldTest)
    return _test(node, value)


class DelimitedCompiler:
    def __init__(self, pattern: DelimitedPattern, column: str) -> None:
        self.pattern = pattern
        self.column = column
        self.count = len(pattern.fields)
        self.placements = placements(pattern)
        self.tokens = f"regexp_extract_all({column}, {sql.string(TOKEN)})"

    def _values(self, fields: list[Field]) -> str:
        """The values of ``fields`` as a list, NULL when the event has fewer tokens than the pattern has
        fields; the event is split once for all of them."""
        picked = ", ".join(self._pick(self.placements[field.position]) for field in fields)
        return (
            f"list_transform([{self.tokens}], lambda {_TOKENS}: "
            f"CASE WHEN len({_TOKENS}) >= {self.count} THEN [{picked}] END)[1]"
        )

    def _pick(self, placement: Placement) -> str:
        token = _unwrapped(f"{_TOKENS}[{placement.index}]")
        if not placement.rest:
            return token
        # More tokens than fields: the last field is the line from its token on, as written.
        after = f"length(regexp_extract({self.column}, {sql.string(prefix(self.count - 1))}))"
        rest = f"rtrim(substr({self.column}, {after} + 1), {_WHITESPACE})"
        return f"(CASE WHEN len({_TOKENS}) = {self.count} THEN {token} ELSE {rest} END)"

    def predicate(self) -> str:
        if not self.count:
            return "true"  # only ``...``: any number of fields, every event
        tested = [f for f in self.pattern.fields if f.condition is not None]
        if not tested:
            return f"coalesce(len({self.tokens}) >= {self.count}, false)"
        tests = [
            _condition(field.condition, f"{_VALUES}[{i}]")
            for i, field in enumerate(tested, start=1)
            if field.condition is not None
        ]
        body = sql.all_of([f"{_VALUES} IS NOT NULL", *tests])
        split = f"coalesce(list_transform([{self._values(tested)}], lambda {_VALUES}: {body})[1], false)"
        regex = narrowed(self.pattern)
        if regex is None:
            return split
        return f"(CASE WHEN regexp_matches({self.column}, {sql.string(regex)}) THEN {split} ELSE false END)"

    def value(self, field: Field) -> str:
        """The field's text, NULL when the event has fewer tokens than the pattern has fields."""
        return f"({self._values([field])})[1]"
