"""Every expression of a request, checked before any query runs: its syntax, the functions it calls and
their argument counts, the keywords and strings it uses, SEARCH's own syntax, statistic and period, the Ids
it refers to, and that no expression depends on itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vigil.engine.metrics.extended import extended_statistic
from vigil.engine.metrics.math.ast import Call, Keyword, Node, Number, Ref, String, children, walk
from vigil.engine.metrics.math.functions import FUNCTIONS, UNAVAILABLE
from vigil.engine.metrics.math.lexer import syntax_error
from vigil.engine.metrics.math.parser import parse
from vigil.engine.metrics.math.search import parse_search
from vigil.engine.metrics.statistics import check_period
from vigil.errors import ServiceError

BASIC_STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")


@dataclass(frozen=True)
class MathQuery:
    query_id: str
    tree: Node
    refs: tuple[str, ...]  # the Ids it refers to, in order of appearance


def _error(query_id: str, message: str) -> ServiceError:
    return ServiceError("ValidationError", f"Error in expression {query_id}: {message}")


def check_statistic(stat: str, where: str) -> None:
    if stat not in BASIC_STATISTICS:
        extended_statistic(stat, where, "ValidationError")


def _check_call(query_id: str, call: Call) -> None:
    if call.name in UNAVAILABLE:
        raise _error(query_id, f"{call.name} is not available in Vigil: {UNAVAILABLE[call.name]}.")
    function = FUNCTIONS.get(call.name)
    if function is None:
        raise syntax_error(query_id, call.position, f"unknown function {call.name}")
    if not function.least <= len(call.args) <= function.most:
        count = str(function.least) if function.least == function.most else f"{function.least} to {function.most}"
        raise syntax_error(query_id, call.position, f"{call.name} takes {count} arguments, not {len(call.args)}")
    for arg in call.args:
        if isinstance(arg, Keyword) and arg.name not in function.keywords:
            raise syntax_error(query_id, arg.position, f"{call.name} does not take {arg.name}")
        if isinstance(arg, String) and call.name not in ("METRICS", "SEARCH"):
            raise syntax_error(query_id, arg.position, f"{call.name} does not take a string")
    if call.name == "SEARCH":
        _check_search(query_id, call)


def _check_search(query_id: str, call: Call) -> None:
    text, stat = call.args[0], call.args[1]
    if not isinstance(text, String) or not isinstance(stat, String):
        raise syntax_error(query_id, call.position, "SEARCH takes a quoted search expression and a quoted statistic")
    parse_search(text.value, lambda message: _error(query_id, message))
    check_statistic(stat.value, f"the statistic of SEARCH in expression {query_id}")
    if len(call.args) > 2:
        period = call.args[2]
        if not isinstance(period, Number) or not period.value.is_integer():
            raise syntax_error(query_id, period.position, "SEARCH's period is a whole number of seconds")
        check_period(int(period.value), f"period of SEARCH in expression {query_id}", "ValidationError")


def _check_tree(query_id: str, tree: Node, ids: set[str]) -> tuple[str, ...]:
    refs: list[str] = []
    for node in walk(tree):
        if isinstance(node, Call):
            _check_call(query_id, node)
        elif isinstance(node, Ref):
            if node.name not in ids:
                raise _error(query_id, f"Unknown metric or expression Id {node.name} at position {node.position}.")
            refs.append(node.name)
    # Keywords and strings are only arguments of the functions that take them (checked with each call).
    loose = [
        child
        for node in walk(tree)
        if not isinstance(node, Call)
        for child in children(node)
        if isinstance(child, Keyword | String)
    ]
    if isinstance(tree, Keyword | String):
        loose.append(tree)
    for node in loose:
        what = node.name if isinstance(node, Keyword) else f"the string {node.value!r}"
        raise syntax_error(query_id, node.position, f"unexpected {what}")
    return tuple(refs)


def check_expressions(queries: Sequence[Mapping[str, Any]]) -> dict[str, MathQuery]:
    """The parsed expressions of the request by Id, or AWS's ValidationError for the first mistake."""
    ids = {query["Id"] for query in queries}
    checked: dict[str, MathQuery] = {}
    for query in queries:
        if "Expression" not in query:
            continue
        query_id, text = query["Id"], query["Expression"]
        if text.lstrip().upper().startswith("SELECT"):
            raise _error(query_id, "Metrics Insights queries (SELECT ...) are not supported by Vigil.")
        if query.get("Period") is not None:
            check_period(int(query["Period"]), f"Period of query {query_id}", "ValidationError")
        tree = parse(text, query_id)
        checked[query_id] = MathQuery(query_id, tree, _check_tree(query_id, tree, ids))
    _refuse_cycles(checked)
    return checked


def _refuse_cycles(expressions: Mapping[str, MathQuery]) -> None:
    done: set[str] = set()

    def visit(query_id: str, path: list[str]) -> None:
        if query_id in path:
            cycle = [*path[path.index(query_id) :], query_id]
            raise _error(cycle[0], f"Circular reference: {' -> '.join(cycle)}.")
        if query_id in done or query_id not in expressions:
            return
        for ref in expressions[query_id].refs:
            visit(ref, [*path, query_id])
        done.add(query_id)

    for query_id in expressions:
        visit(query_id, [])
