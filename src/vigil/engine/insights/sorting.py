"""Sort keys: AWS's natural sort, with missing values last in both directions (docs/insights.md, decision 5).

Numbers sort by value; in ascending order every other value comes before every number. A string made
only of digits counts as a number. Other strings compare run by run: runs of non-digits by code point,
runs of digits by length, then value. Descending is the exact reverse.
"""

from __future__ import annotations

from vigil.engine.insights import values
from vigil.engine.insights.plan import Kind, OrderTerm, X


def sort_keys(value: X) -> list[X]:
    """The expressions that order ``value`` ascending (NULL, sorting last, when it is missing)."""
    if value.kind is Kind.TIME:
        return [value]
    if value.kind in values.NUMERIC:
        return [values.number(value)]
    text = values.text(value)
    is_number = values.is_number(value)
    return [
        X("nat_class", (text, is_number), Kind.NUM),
        X("nat_number", (text, is_number), Kind.NUM),
        X("nat_text", (text, is_number), Kind.STR),
    ]


def order_by(value: X, descending: bool) -> list[OrderTerm]:
    return [OrderTerm(key, descending) for key in sort_keys(value)]


def partition_key(value: X) -> X:
    """What makes two values the same for dedup and grouping."""
    return values.number(value) if value.kind in values.NUMERIC else values.text(value)
