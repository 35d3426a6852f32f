"""Plan expressions spelled in DuckDB SQL. Every operation the planner emits has one entry here."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from vigil.engine.insights.duckdb_sql import functions
from vigil.engine.insights.duckdb_sql.text import number_text, quote, time_text
from vigil.engine.insights.plan import Kind, OrderTerm, Scan, X

_NULLS = {
    Kind.STR: "NULL::VARCHAR",
    Kind.DYN: "NULL::VARCHAR",
    Kind.NUM: "NULL::DOUBLE",
    Kind.TIME: "NULL::BIGINT",
    Kind.BOOL: "NULL::BOOLEAN",
    Kind.JSON: "NULL::JSON",
}
_INFIX = {"add": "+", "sub": "-", "mul": "*", "eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_AGGREGATES = {"count": "count", "sum": "sum", "avg": "avg", "min": "min", "max": "max", "stddev": "stddev_samp"}
_DIGITS_ONLY = "'[0-9]+'"
# Each run of digits becomes '0', its length in 4 digits, then the digits: runs sort among the characters
# '0'-'9' (after '/', before ':'), shorter runs first, equal lengths by value.
_NATURAL = (
    "array_to_string(list_transform(regexp_extract_all({t}, '[0-9]+|[^0-9]+'), lambda p: "
    "CASE WHEN p[1] BETWEEN '0' AND '9' THEN '0' || lpad(CAST(length(p) AS VARCHAR), 4, '0') || p ELSE p END), '')"
)


def number_literal(value: float) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return f"CAST('{value!r}' AS DOUBLE)"
    return f"CAST({value!r} AS DOUBLE)"


class Renderer:
    def __init__(self, scan: Scan) -> None:
        self.scan = scan

    def order(self, terms: list[OrderTerm]) -> str:
        return ", ".join(f"{self.sql(term.key)} {'DESC' if term.descending else 'ASC'} NULLS LAST" for term in terms)

    def sql(self, x: X) -> str:
        handler: Callable[[Renderer, X], str] | None = _HANDLERS.get(x.op)
        if handler is not None:
            return handler(self, x)
        if x.op in _INFIX:
            left, right = (self.sql(arg) for arg in x.args)
            return f"({left} {_INFIX[x.op]} {right})"
        raise AssertionError(f"no DuckDB spelling for {x!r}")

    def args(self, x: X) -> list[str]:
        return [self.sql(arg) for arg in x.args]

    # ---- values --------------------------------------------------------------------------------------

    def column(self, x: X) -> str:
        return str(x.value)

    def json_text(self, x: X) -> str:
        return f"__t{x.value}"

    def json_is_number(self, x: X) -> str:
        return f"__n{x.value}"

    def group_log(self, x: X) -> str:
        (group_id,) = self.args(x)
        cases = " ".join(f"WHEN {gid} THEN {quote(log)}" for gid, log in sorted(self.scan.group_logs.items()))
        return f"(CASE {group_id} {cases} END)" if cases else "NULL::VARCHAR"

    def case(self, x: X) -> str:
        args = self.args(x)
        default = args.pop() if x.value else None
        branches = " ".join(f"WHEN {args[i]} THEN {args[i + 1]}" for i in range(0, len(args), 2))
        otherwise = f" ELSE {default}" if default is not None else ""
        return f"(CASE {branches}{otherwise} END)"

    def natural(self, x: X) -> str:
        text, is_number = self.args(x)
        numeric = f"({is_number} OR regexp_full_match({text}, {_DIGITS_ONLY}))"
        if x.op == "nat_class":
            return f"(CASE WHEN {text} IS NULL THEN NULL WHEN {numeric} THEN 1 ELSE 0 END)"
        if x.op == "nat_number":
            return f"(CASE WHEN {numeric} THEN TRY_CAST({text} AS DOUBLE) END)"
        natural = _NATURAL.format(t=text)
        return f"(CASE WHEN {numeric} OR NOT regexp_matches({text}, '[0-9]') THEN {text} ELSE {natural} END)"

    def period(self, x: X) -> str:
        (value,) = self.args(x)
        mode, length, origin = x.value
        v = f"CAST({value} AS BIGINT)"
        if mode == "ms":
            if x.op == "floor_period":
                return f"({v} - ((({v} - {origin}) % {length}) + {length}) % {length})"
            return f"({v} + ((({origin} - {v}) % {length}) + {length}) % {length})"
        stamp = f"make_timestamp({v} * 1000)"
        months = f"((year({stamp}) - 1970) * 12 + month({stamp}) - 1)"
        start = f"({months} - ({months} % {length}))"

        def month_start(index: str) -> str:
            return f"epoch_ms(make_timestamp(1970 + ({index}) // 12, ({index}) % 12 + 1, 1, 0, 0, 0))"

        floor = month_start(start)
        if x.op == "floor_period":
            return floor
        return f"(CASE WHEN {floor} = {v} THEN {v} ELSE {month_start(f'{start} + {length}')} END)"

    def aggregate(self, x: X) -> str:
        name = x.value
        args = self.args(x)
        if name == "count_star":
            return "count(*)"
        if name == "count_if":
            return f"count_if({args[0]})"
        if name == "count_distinct":
            return f"count(DISTINCT {args[0]})"
        if name == "pct":
            return f"quantile_disc({args[0]}, {args[1]})"
        if name in ("arg_min", "arg_max"):
            value, key, present = args
            return f"{name}({value}, {key}) FILTER (WHERE {present})"
        return f"{_AGGREGATES[name]}({args[0]})"

    def first_of_group(self, x: X) -> str:
        keys = ", ".join(self.args(x))
        order = self.order(list(x.value))
        return f"(row_number() OVER (PARTITION BY {keys} ORDER BY {order}) = 1)"


def _fn(render: Renderer, x: X) -> str:
    return functions.render(x.value, render.args(x))


def _spelled(spell: Callable[[list[str], Any], str]) -> Callable[[Renderer, X], str]:
    return lambda render, x: spell(render.args(x), x.value)


def _one(template: str) -> Callable[[Renderer, X], str]:
    return lambda render, x: template.format(*render.args(x))


_HANDLERS: dict[str, Callable[[Renderer, X], str]] = {
    "col": Renderer.column,
    "null": lambda render, x: _NULLS[x.kind],
    "bool": lambda render, x: "TRUE" if x.value else "FALSE",
    "number": lambda render, x: number_literal(x.value),
    "string": lambda render, x: quote(x.value),
    "jfield_text": Renderer.json_text,
    "jfield_isnum": Renderer.json_is_number,
    "lambda_field": lambda render, x: f"nullif(struct_extract(__l, {quote(x.value)}), '')",
    "group_log": Renderer.group_log,
    "to_num": _one("TRY_CAST({0} AS DOUBLE)"),
    "to_double": _one("CAST({0} AS DOUBLE)"),
    "num_text": lambda render, x: number_text(render.sql(x.args[0])),
    "time_text": lambda render, x: time_text(render.sql(x.args[0])),
    "time_of": _one("(CASE WHEN abs({0}) < 1e17 THEN CAST({0} AS BIGINT) END)"),
    "bool_text": _one("(CASE WHEN {0} THEN '1' WHEN NOT {0} THEN '0' END)"),
    "bool_num": _one("CAST({0} AS DOUBLE)"),
    "false_if_null": _one("coalesce({0}, FALSE)"),
    "truthy_text": _one("({0} IS NOT NULL AND {0} NOT IN ('', '0', 'false'))"),
    "not_null": _one("({0} IS NOT NULL)"),
    "is_null": _one("({0} IS NULL)"),
    "div": _one("({0} / nullif({1}, 0))"),
    "mod": _one("({0} % nullif({1}, 0))"),
    "pow": _one("power({0}, {1})"),
    "neg": _one("(-{0})"),
    "and": _one("({0} AND {1})"),
    "or": _one("({0} OR {1})"),
    "not": _one("(NOT {0})"),
    "case": Renderer.case,
    "contains": _one("contains({0}, {1})"),
    "regex": _one("regexp_matches({0}, {1})"),
    "in_list": lambda render, x: f"({render.sql(x.args[0])} IN ({', '.join(quote(v) for v in x.value)}))",
    "between": _one("({0} BETWEEN {1} AND {2})"),
    "regex_struct": lambda render, x: (
        f"regexp_extract({render.sql(x.args[0])}, {quote(x.value[0])}, [{', '.join(quote(n) for n in x.value[1])}])"
    ),
    "struct_get": lambda render, x: f"struct_extract({render.sql(x.args[0])}, {quote(x.value)})",
    "nullif_empty": _one("nullif({0}, '')"),
    "struct": lambda render, x: f"({', '.join(render.args(x))})",
    "sort_struct": lambda render, x: "({}, {}, {})".format(
        *(f"coalesce({arg}, {default})" for arg, default in zip(render.args(x), ("0", "0", "''"), strict=True))
    ),
    "nat_class": Renderer.natural,
    "nat_number": Renderer.natural,
    "nat_text": Renderer.natural,
    "floor_period": Renderer.period,
    "ceil_period": Renderer.period,
    "agg": Renderer.aggregate,
    "matched_total": lambda render, x: "sum(count(*)) OVER ()",
    "first_of_group": Renderer.first_of_group,
    "fn": _fn,
    **{op: _spelled(spell) for op, spell in functions.OPS.items()},
}
