"""What GetMetricData returns for one query: one result for a series, one per series for an array (all with
the query's Id), each with its datapoints (finite values only), label and messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from vigil.engine.metrics.math.evaluate import Evaluator
from vigil.engine.metrics.math.labels import LabelContext, expand
from vigil.engine.metrics.math.values import Series, SeriesArray
from vigil.errors import ServiceError

ARITHMETIC_ERROR = {
    "Code": "ArithmeticError",
    "Value": "One or more data-points have been dropped due to non-numeric values (NaN, -Infinite, +Infinite)",
}


@dataclass(frozen=True)
class Result:
    query_id: str
    label: str
    times: np.ndarray  # epoch milliseconds, ascending
    values: np.ndarray
    messages: tuple[dict[str, str], ...]


def _result(query_id: str, label: str, series: Series, messages: tuple[dict[str, str], ...]) -> Result:
    kept = series.present
    return Result(query_id, label, series.times[kept], series.values[kept], messages)


def query_results(evaluator: Evaluator, query: Mapping[str, Any], context: LabelContext) -> list[Result]:
    """The results of a query, labelled: a MetricStat query or an expression giving one series is labelled
    by its Label (by default the metric name, or the expression's Id); each series of an array gets its own
    label (a SEARCH result's, a metric's) after the expression's Label, or in place of ``${LABEL}`` in it."""
    query_id = query["Id"]
    value = evaluator.value(query_id)
    given = query.get("Label")
    messages = (ARITHMETIC_ERROR,) if evaluator.dropped(query_id) else ()
    if isinstance(value, Series):
        default = value.label if "MetricStat" in query else query_id
        return [_result(query_id, expand(given or default, value, default, context), value, messages)]
    if isinstance(value, SeriesArray):
        results = []
        for series in value.items:
            default = series.label or query_id
            if not given:
                label = default
            elif "${" in given:
                label = expand(given, series, default, context)
            else:
                label = f"{given} {series.label}".rstrip()
            results.append(_result(query_id, label, series, messages))
        return results
    raise ServiceError(
        "ValidationError",
        f"Error in expression {query_id}: the result must be a time series or an array of time series, "
        "not a single number.",
    )
