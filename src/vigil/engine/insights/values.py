"""How values of each kind convert and compare (docs/insights.md, decisions 1-3 and 7).

- Text of a number is the number as Insights shows it; text of a timestamp is the UTC timestamp string.
- A comparison is numeric when one side is numeric (a number, a timestamp, a boolean, a JSON number) and
  the other converts to a number; a non-numeric string against a number is false; two strings compare as
  strings. Any comparison involving a missing value is false, negated ones included.
"""

from __future__ import annotations

from vigil.engine.insights.plan import NULL, Kind, X, lit

NUMERIC = (Kind.NUM, Kind.TIME, Kind.BOOL)
_FLIP = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "eq": "eq", "ne": "ne"}


def dyn(text: X, is_number: X) -> X:
    return X("dyn", (text, is_number), Kind.DYN)


def text(value: X) -> X:
    """The value as a string (NULL when missing); maps and lists have no text."""
    kind = value.kind
    if kind is Kind.STR:
        return value
    if kind is Kind.DYN:
        return value.args[0]
    if kind is Kind.NUM:
        return X("num_text", (value,))
    if kind is Kind.TIME:
        return X("time_text", (value,))
    if kind is Kind.BOOL:
        return X("bool_text", (never_missing(value),))
    return X("jval_text", (value,))


def display(value: X) -> X:
    """The value as a result row shows it: like ``text``, but maps and lists as JSON and booleans 1/0."""
    if value.kind is Kind.JSON:
        return X("jval_display", (value,))
    return text(value)


def number(value: X) -> X:
    """The value as a number; NULL when missing or not numeric."""
    kind = value.kind
    if kind is Kind.NUM:
        return value
    if kind is Kind.TIME:
        return X("to_double", (value,), Kind.NUM)
    if kind is Kind.BOOL:
        return X("bool_num", (never_missing(value),), Kind.NUM)
    if value.op == "string":
        converted = _literal_number(value.value)
        return lit(converted) if converted is not None else X("null", kind=Kind.NUM)
    return X("to_num", (text(value),), Kind.NUM)


def is_number(value: X) -> X:
    """Whether the value is a number (not a string that looks like one)."""
    kind = value.kind
    if kind in NUMERIC:
        return lit(True)
    if kind is Kind.DYN:
        return value.args[1]
    if kind is Kind.JSON:
        return X("jval_isnum", (value,), Kind.BOOL)
    return lit(False)


def present(value: X) -> X:
    if value.kind is Kind.JSON:
        return X("jval_present", (value,), Kind.BOOL)
    return X("not_null", (text(value) if value.kind is Kind.DYN else value,), Kind.BOOL)


def condition(value: X) -> X:
    """A value used as a condition: booleans as they are; a number is true when not 0; text when present
    and not "", "0" or "false"."""
    if value.kind is Kind.BOOL:
        return value
    if value.kind in (Kind.NUM, Kind.TIME):
        return X("ne", (number(value), lit(0)), Kind.BOOL)
    return X("truthy_text", (text(value),), Kind.BOOL)


def boolean(op: str, *args: X) -> X:
    return X(op, args, Kind.BOOL)


def never_missing(condition_value: X) -> X:
    """A condition as a value: one that met a missing operand is false, not missing."""
    return condition_value if condition_value.op == "bool" else X("false_if_null", (condition_value,), Kind.BOOL)


def negate(condition_value: X) -> X:
    """Two-valued NOT: a missing operand made the inner condition false, so its negation is true."""
    return boolean("not", boolean("false_if_null", condition_value))


def _literal_number(text_value: str) -> float | None:
    try:
        converted = float(text_value.strip())
    except ValueError:
        return None
    return converted if converted == converted and abs(converted) != float("inf") else None


def compare(op: str, left: X, right: X) -> X:
    """``left op right`` for op in eq ne lt le gt ge, by the rules in the module docstring."""
    if left.kind in NUMERIC or right.kind in NUMERIC:
        return boolean(op, number(left), number(right))
    if left.kind is Kind.STR and right.kind is Kind.STR:
        return boolean(op, left, right)
    if left.kind is Kind.STR:  # keep the dynamic side on the left
        return compare(_FLIP[op], right, left)
    return _compare_dynamic(op, left, right)


def _compare_dynamic(op: str, left: X, right: X) -> X:
    as_text = boolean(op, text(left), text(right))
    if right.op == "string":
        literal = _literal_number(right.value)
        if literal is None:
            # A number's text is never this string, so equality needs no type test.
            return as_text if op == "eq" else boolean("and", boolean("not", is_number(left)), as_text)
        return X("case", (is_number(left), boolean(op, number(left), lit(literal)), as_text), Kind.BOOL, True)
    either_number = boolean("or", is_number(left), is_number(right))
    return X("case", (either_number, boolean(op, number(left), number(right)), as_text), Kind.BOOL, True)


def in_list(operand: X, items: list[X]) -> X:
    """Whole-value membership; numbers compare numerically."""
    strings = [item.value for item in items if item.op == "string" and _literal_number(item.value) is None]
    numbers = [item for item in items if item.op == "number" or (item.op == "string" and item.value not in strings)]
    tests: list[X] = []
    if strings and operand.kind not in NUMERIC:
        tests.append(X("in_list", (text(operand),), Kind.BOOL, tuple(strings)))
    tests.extend(compare("eq", operand, item) for item in numbers)
    if not tests:
        return lit(False)
    result = tests[0]
    for test in tests[1:]:
        result = boolean("or", result, test)
    return result


def unify(values: list[X]) -> Kind:
    """The kind of a value that is one of ``values`` (coalesce, if, case)."""
    kinds = {value.kind for value in values if value is not NULL and value.op != "null"}
    if len(kinds) == 1:
        return kinds.pop()
    if not kinds:
        return Kind.STR
    if kinds <= set(NUMERIC):
        return Kind.NUM
    return Kind.DYN


def convert(value: X, kind: Kind) -> X:
    """``value`` as ``kind``, for the branches of coalesce / if / case (DYN pairs are built by the caller)."""
    if value.op == "null":
        return X("null", kind=kind)
    if kind is value.kind:
        return value
    if kind is Kind.NUM:
        return number(value)
    return text(value)
