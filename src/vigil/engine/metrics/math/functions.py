"""The functions metric math knows: how many arguments each takes and what it computes, and the ones AWS
documents that Vigil cannot offer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vigil.engine.metrics.math import aggregates, elementwise, sequence
from vigil.engine.metrics.math.conditional import if_
from vigil.engine.metrics.math.scope import Scope
from vigil.engine.metrics.math.values import Value


@dataclass(frozen=True)
class Function:
    least: int
    most: int
    apply: Callable[[Scope, list[Value]], Value]
    keywords: frozenset[str] = frozenset()  # the bare words it takes as arguments


def _period(scope: Scope, args: list[Value]) -> Value:
    return float(scope.evaluation.series(args[0], "The argument of PERIOD").period)


def _metrics(scope: Scope, args: list[Value]) -> Value:
    if args and not isinstance(args[0], str):
        raise scope.evaluation.error('The argument of METRICS is a string, as in METRICS("errors")')
    contains = args[0] if args else ""
    assert isinstance(contains, str)
    return scope.metrics(contains)


def _search(scope: Scope, args: list[Value]) -> Value:
    evaluation = scope.evaluation
    text, stat = args[0], args[1]
    if not isinstance(text, str) or not isinstance(stat, str):
        raise evaluation.error("SEARCH takes a search expression and a statistic, each quoted")
    period = evaluation.scalar(args[2], "The period of SEARCH") if len(args) > 2 else float(scope.default_grid()[1])
    if not period.is_integer() or period < 1:
        raise evaluation.error(f"The period of SEARCH must be a whole number of seconds, not {period:g}")
    return scope.search(text, stat, int(period))


def _one(apply: Callable[[Scope, list[Value]], Value]) -> Function:
    return Function(1, 1, apply)


FUNCTIONS: dict[str, Function] = {
    **{name: _one(elementwise.pointwise(name)) for name in ("ABS", "CEIL", "FLOOR", "LOG", "LOG10")},
    **{name: _one(aggregates.summary(name)) for name in ("AVG", "MAX", "MIN", "SUM", "STDDEV", "DATAPOINT_COUNT")},
    **{name: _one(elementwise.calendar(name)) for name in ("MINUTE", "HOUR", "DAY", "DATE", "MONTH", "YEAR", "EPOCH")},
    **{name: _one(sequence.sequence(name)) for name in ("DIFF", "DIFF_TIME", "RATE", "RUNNING_SUM")},
    "FIRST": _one(aggregates.first_or_last("FIRST")),
    "LAST": _one(aggregates.first_or_last("LAST")),
    "METRIC_COUNT": _one(aggregates.metric_count),
    "REMOVE_EMPTY": _one(aggregates.remove_empty),
    "SLICE": Function(2, 3, aggregates.slice_of),
    "SORT": Function(3, 4, aggregates.sort, frozenset({"AVG", "MIN", "MAX", "SUM", "ASC", "DESC"})),
    "FILL": Function(2, 2, sequence.fill, frozenset({"REPEAT", "LINEAR"})),
    "IF": Function(2, 3, if_),
    "TIME_SERIES": _one(elementwise.time_series),
    "PERIOD": _one(_period),
    "METRICS": Function(0, 1, _metrics),
    "SEARCH": Function(2, 3, _search),
}

UNAVAILABLE: dict[str, str] = {
    "ANOMALY_DETECTION_BAND": "Vigil has no anomaly detection models yet",
    "INSIGHT_RULE_METRIC": "Vigil has no Contributor Insights rules",
    "SERVICE_QUOTA": "Vigil has no AWS service quotas",
    "LAMBDA": "Vigil does not call Lambda functions",
}
