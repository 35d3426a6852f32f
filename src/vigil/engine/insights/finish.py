"""Last touches to a plan before SQL: drop columns nothing reads, keep only the JSON paths still used,
and decide how discovered values are read.

Discovered values are read as text (one cheap `json_extract_string`) unless the query needs their JSON
type: to tell a JSON number from a string, or an object (not a field) from a string. Numeric uses
(`avg(latency)`, `status >= 500`) and equality with plain strings are blind to both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from vigil.engine.insights.context import STREAM_NAME
from vigil.engine.insights.plan import Kind, OrderTerm, Plan, X, col


def expressions(plan: Plan) -> Iterator[X]:
    for stage in plan.stages:
        yield from (value for _, value in stage.columns)
        yield from (term.key for term in stage.order)
        if stage.where is not None:
            yield stage.where
        if stage.qualify is not None:
            yield stage.qualify
    yield from (output.value for output in plan.outputs)
    yield from (term.key for term in plan.order)
    if plan.matched_column is not None:
        yield col(plan.matched_column, Kind.NUM)


def walk(value: X) -> Iterator[X]:
    yield value
    for arg in value.args:
        yield from walk(arg)
    if value.op == "first_of_group":
        for term in value.value:
            yield from walk(term.key)


def rewrite(value: X, change: Callable[[X], X | None]) -> X:
    replaced = change(value)
    if replaced is not None:
        return replaced
    args = tuple(rewrite(arg, change) for arg in value.args)
    payload = value.value
    if value.op == "first_of_group":
        payload = tuple(OrderTerm(rewrite(term.key, change), term.descending) for term in payload)
    return X(value.op, args, value.kind, payload)


def _prune_columns(plan: Plan) -> None:
    """Drop columns of non-stats stages that no later expression reads (stats columns define groups)."""
    while True:
        read = {node.value for value in expressions(plan) for node in walk(value) if node.op == "col"}
        dropped = False
        for stage in plan.stages:
            if stage.aggregate:
                continue
            kept = [(name, value) for name, value in stage.columns if name in read]
            dropped = dropped or len(kept) != len(stage.columns)
            stage.columns = kept
        if not dropped:
            return


def _safe_literal(text: str) -> bool:
    """A string no object or array can equal as text."""
    return not text.startswith(("{", "["))


def _blind_use(node: X) -> bool:
    """Uses of a discovered value's text that neither its JSON type nor an object's text can change:
    a number conversion, and equality with (or membership in) plain strings."""
    if node.op == "to_num":
        return True
    if node.op == "eq":
        return any(arg.op == "string" and _safe_literal(arg.value) for arg in node.args)
    return node.op == "in_list" and all(_safe_literal(value) for value in node.value)


def _typed_fields(plan: Plan) -> set[int]:
    """The JSON fields (by path index) some use of which needs their JSON type."""
    typed: set[int] = set()

    def visit(node: X, blind: bool) -> None:
        if node.op == "jfield_isnum" or (node.op == "jfield_text" and not blind):
            typed.add(node.value)
        for arg in node.args:
            visit(arg, _blind_use(node))
        if node.op == "first_of_group":
            for term in node.value:
                visit(term.key, False)

    for value in expressions(plan):
        visit(value, False)
    return typed


def _renumber_paths(plan: Plan) -> None:
    used = sorted({node.value for value in expressions(plan) for node in walk(value) if node.op.startswith("jfield_")})
    if used == list(range(len(plan.scan.json_paths))):
        return
    index = {old: new for new, old in enumerate(used)}
    plan.scan.json_paths = [plan.scan.json_paths[old] for old in used]

    def renumber(node: X) -> X | None:
        return X(node.op, (), node.kind, index[node.value]) if node.op.startswith("jfield_") else None

    _apply(plan, renumber)


def _apply(plan: Plan, change: Callable[[X], X | None]) -> None:
    for stage in plan.stages:
        stage.columns = [(name, rewrite(value, change)) for name, value in stage.columns]
        stage.order = [OrderTerm(rewrite(term.key, change), term.descending) for term in stage.order]
        stage.where = rewrite(stage.where, change) if stage.where is not None else None
        stage.qualify = rewrite(stage.qualify, change) if stage.qualify is not None else None
    for output in plan.outputs:
        output.value = rewrite(output.value, change)
    plan.order = [OrderTerm(rewrite(term.key, change), term.descending) for term in plan.order]


def finish(plan: Plan) -> Plan:
    _prune_columns(plan)
    _renumber_paths(plan)
    plan.scan.json_typed = _typed_fields(plan)
    nodes = [node for value in expressions(plan) for node in walk(value)]
    plan.scan.lambda_fields = any(node.op == "lambda_field" for node in nodes)
    plan.scan.stream_names = any(node.op == "col" and node.value == STREAM_NAME for node in nodes)
    return plan
