"""Functions that summarise: over one series' datapoints they give a number, across an array they give a
series (one value per timestamp); and those that pick series from an array.

AVG, MAX, MIN, SUM, STDDEV (population) and DATAPOINT_COUNT. Across an array, AVG counts a series' missing
value as 0, as AWS documents; the others use the values present. METRIC_COUNT, FIRST, LAST, REMOVE_EMPTY,
SLICE and SORT (by AVG, MIN, MAX or SUM, ASC or DESC, optionally the first N; series without data last).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from vigil.engine.metrics.math.scope import Scope
from vigil.engine.metrics.math.values import Series, SeriesArray, Value, Word, empty_series, union_times, values_on

_OVER_SERIES: dict[str, Callable[[np.ndarray], float]] = {
    "AVG": lambda v: float(np.mean(v)) if len(v) else float("nan"),
    "MAX": lambda v: float(np.max(v)) if len(v) else float("nan"),
    "MIN": lambda v: float(np.min(v)) if len(v) else float("nan"),
    "SUM": lambda v: float(np.sum(v)) if len(v) else float("nan"),
    "STDDEV": lambda v: float(np.std(v)) if len(v) else float("nan"),
    "DATAPOINT_COUNT": lambda v: float(len(v)),
}


def _across(name: str, matrix: np.ndarray) -> np.ndarray:
    present = ~np.isnan(matrix)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns are masked out below
        if name == "AVG":
            result = np.nansum(matrix, axis=0) / matrix.shape[0]
        elif name == "DATAPOINT_COUNT":
            result = present.sum(axis=0).astype(float)
        else:
            reduce = {"MAX": np.nanmax, "MIN": np.nanmin, "SUM": np.nansum, "STDDEV": np.nanstd}[name]
            result = reduce(matrix, axis=0)
    return np.where(present.any(axis=0), result, np.nan)


def summary(name: str) -> Callable[[Scope, list[Value]], Value]:
    def apply(scope: Scope, args: list[Value]) -> Value:
        (value,) = args
        if isinstance(value, Series):
            return _OVER_SERIES[name](value.values[value.present])
        array = scope.evaluation.array(value, f"The argument of {name}")
        if not array.items:
            times, period = scope.default_grid()
            return empty_series(times, period, "")
        times = union_times(series.times for series in array.items)
        matrix = np.vstack([values_on(series, times) for series in array.items])
        first = array.items[0]
        return Series(times, _across(name, matrix), min(s.period for s in array.items), first.label, None)

    return apply


def metric_count(scope: Scope, args: list[Value]) -> Value:
    return float(len(scope.evaluation.array(args[0], "The argument of METRIC_COUNT").items))


def first_or_last(name: str) -> Callable[[Scope, list[Value]], Value]:
    def apply(scope: Scope, args: list[Value]) -> Value:
        items = scope.evaluation.array(args[0], f"The argument of {name}").items
        if not items:
            times, period = scope.default_grid()
            return empty_series(times, period, "")
        return items[0] if name == "FIRST" else items[-1]

    return apply


def remove_empty(scope: Scope, args: list[Value]) -> Value:
    items = scope.evaluation.array(args[0], "The argument of REMOVE_EMPTY").items
    return SeriesArray(tuple(series for series in items if series.present.any()))


def _index(scope: Scope, value: Value, what: str) -> int:
    number = scope.evaluation.scalar(value, what)
    if not number.is_integer() or number < 0:
        raise scope.evaluation.error(f"{what} must be a whole number of 0 or more, not {number:g}")
    return int(number)


def slice_of(scope: Scope, args: list[Value]) -> Value:
    items = scope.evaluation.array(args[0], "The first argument of SLICE").items
    begin = _index(scope, args[1], "The start of SLICE")
    end = _index(scope, args[2], "The end of SLICE") if len(args) > 2 else len(items)
    return SeriesArray(items[begin:end])


def sort(scope: Scope, args: list[Value]) -> Value:
    evaluation = scope.evaluation
    items = evaluation.array(args[0], "The first argument of SORT").items
    by, order = args[1], args[2]
    if not isinstance(by, Word) or by.name not in ("AVG", "MIN", "MAX", "SUM"):
        raise evaluation.error("SORT sorts by AVG, MIN, MAX or SUM")
    if not isinstance(order, Word) or order.name not in ("ASC", "DESC"):
        raise evaluation.error("SORT's order is ASC or DESC")
    keys = [_OVER_SERIES[by.name](series.values[series.present]) for series in items]
    sign = -1.0 if order.name == "DESC" else 1.0

    def rank(index: int) -> tuple[bool, float]:
        key = keys[index]
        return (True, 0.0) if np.isnan(key) else (False, sign * key)

    ranked = sorted(range(len(items)), key=rank)
    chosen = tuple(items[i] for i in ranked)
    if len(args) > 3:
        chosen = chosen[: _index(scope, args[3], "The limit of SORT")]
    return SeriesArray(chosen)
