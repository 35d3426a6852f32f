"""Aggregate functions of stats (docs/insights.md, decision 6).

Events without the field take no part. pct is the exact nearest-rank percentile; stddev is the sample
standard deviation; count_distinct is exact; earliest and latest skip events where the field is missing.
"""

from __future__ import annotations

from vigil.engine.insights import ast, sorting, values
from vigil.engine.insights.context import EVENT_ID, TIMESTAMP
from vigil.engine.insights.expressions import ExprCompiler
from vigil.engine.insights.plan import Kind, X, col, lit

_NUMERIC = {"sum": "sum", "avg": "avg", "stddev": "stddev"}


def aggregate(c: ExprCompiler, call: ast.Call) -> X:
    name = call.name
    if name == "count" and (call.star or not call.args):
        return X("agg", (), Kind.NUM, "count_star")
    value = c.compile(call.args[0])
    if name == "count":
        if value.kind is Kind.JSON:
            return X("agg", (values.present(value),), Kind.NUM, "count_if")
        return X("agg", (sorting.partition_key(value),), Kind.NUM, "count")
    if name == "count_distinct":
        return X("agg", (sorting.partition_key(value),), Kind.NUM, "count_distinct")
    if name in _NUMERIC:
        return X("agg", (values.number(value),), Kind.NUM, _NUMERIC[name])
    keeps_time = value.kind is Kind.TIME
    if name in ("min", "max"):
        return X("agg", (values.number(value),), Kind.TIME if keeps_time else Kind.NUM, name)
    if name == "pct":
        percent = call.args[1]
        assert isinstance(percent, ast.NumberLit)
        return X("agg", (values.number(value), lit(percent.value / 100)), Kind.TIME if keeps_time else Kind.NUM, "pct")
    if name in ("earliest", "latest"):
        if not c.relation.events:
            raise c.error(call, f"{name}() reads @timestamp, which the rows after stats do not have")
        key = X("struct", (col(TIMESTAMP, Kind.NUM), col(EVENT_ID, Kind.NUM)), Kind.NUM)
        return _pick("arg_min" if name == "earliest" else "arg_max", value, key)
    # sortsFirst / sortsLast: the value that sorts first or last in natural order.
    if value.kind in values.NUMERIC:
        return X(
            "agg",
            (values.number(value),),
            value.kind if keeps_time else Kind.NUM,
            "min" if name == "sortsfirst" else "max",
        )
    key = X("sort_struct", tuple(sorting.sort_keys(value)), Kind.NUM)
    return _pick("arg_min" if name == "sortsfirst" else "arg_max", value, key)


def _pick(function: str, value: X, key: X) -> X:
    """The value from the event with the smallest or largest key, among events where it is present."""
    present = values.present(value)
    if value.kind is Kind.DYN:
        return values.dyn(
            X("agg", (values.text(value), key, present), Kind.STR, function),
            X("agg", (values.is_number(value), key, present), Kind.BOOL, function),
        )
    return X("agg", (value, key, present), value.kind, function)
