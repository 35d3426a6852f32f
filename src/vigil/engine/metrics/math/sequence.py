"""Functions of a series' datapoints in time order: DIFF, DIFF_TIME, RATE, RUNNING_SUM and FILL.

DIFF, DIFF_TIME and RATE pair each datapoint with the one before it that the series has (gaps are skipped),
so the first datapoint has no result. FILL gives every period of the series' grid a value: a number, another
series' value at that time, REPEAT (the last value before the gap) or LINEAR (interpolated across the gap);
REPEAT cannot fill before the first datapoint nor LINEAR outside the first and last, so those stay missing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vigil.engine.metrics.math.scope import Scope
from vigil.engine.metrics.math.values import Series, SeriesArray, Value, Word, each, values_on


def _with_previous(series: Series, combine: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """``combine(current, previous)`` over the indexes of each datapoint and the one before it."""
    indexes = np.flatnonzero(series.present)
    result = np.full(len(series.values), np.nan)
    if len(indexes) > 1:
        result[indexes[1:]] = combine(indexes[1:], indexes[:-1])
    return result


def _diff(series: Series) -> np.ndarray:
    return _with_previous(series, lambda now, before: series.values[now] - series.values[before])


def _diff_time(series: Series) -> np.ndarray:
    return _with_previous(series, lambda now, before: (series.times[now] - series.times[before]) / 1000)


def _rate(series: Series) -> np.ndarray:
    return _diff(series) / _diff_time(series)


def _running_sum(series: Series) -> np.ndarray:
    result = np.full(len(series.values), np.nan)
    present = series.present
    result[present] = np.cumsum(series.values[present])
    return result


_SEQUENCES: dict[str, Callable[[Series], np.ndarray]] = {
    "DIFF": _diff,
    "DIFF_TIME": _diff_time,
    "RATE": _rate,
    "RUNNING_SUM": _running_sum,
}


def sequence(name: str) -> Callable[[Scope, list[Value]], Value]:
    compute = _SEQUENCES[name]

    def apply(scope: Scope, args: list[Value]) -> Value:
        (value,) = args
        scope.evaluation.array(value, f"The argument of {name}")
        return each(value, lambda series: series.with_values(compute(series)))

    return apply


def _repeat(series: Series) -> np.ndarray:
    present = series.present
    last = np.maximum.accumulate(np.where(present, np.arange(len(present)), -1))
    return np.where(last >= 0, series.values[np.maximum(last, 0)], np.nan)


def _linear(series: Series) -> np.ndarray:
    indexes = np.flatnonzero(series.present)
    result = series.values.copy()
    if len(indexes) > 1:
        inside = slice(indexes[0], indexes[-1] + 1)
        result[inside] = np.interp(series.times[inside], series.times[indexes], series.values[indexes])
    return result


def fill(scope: Scope, args: list[Value]) -> Value:
    target, filler = args
    evaluation = scope.evaluation
    evaluation.array(target, "The first argument of FILL")

    def on(series: Series) -> Series:
        if isinstance(filler, Word):
            if filler.name == "REPEAT":
                return series.with_values(_repeat(series))
            if filler.name == "LINEAR":
                return series.with_values(_linear(series))
            raise evaluation.error(f"FILL takes a number, a time series, REPEAT or LINEAR, not {filler.name}")
        if isinstance(filler, float):
            if np.isnan(filler):
                return series
            return series.with_values(np.where(series.present, series.values, filler))
        other = evaluation.series(filler, "The second argument of FILL")
        return series.with_values(np.where(series.present, series.values, values_on(other, series.times)))

    if isinstance(filler, SeriesArray) and len(filler.items) != 1:
        raise evaluation.error("The second argument of FILL must be a number, a time series, REPEAT or LINEAR")
    return each(target, on)
