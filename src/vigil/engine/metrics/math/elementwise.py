"""Functions of each datapoint alone: ABS, CEIL, FLOOR, LOG, LOG10; and those of each period's timestamp,
which give a value for every period of the series' grid whether or not it has data: MINUTE, HOUR, DAY (1 is
Monday, 7 Sunday), DATE (day of the month), MONTH, YEAR and EPOCH (seconds), all in UTC; TIME_SERIES(S)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vigil.engine.metrics.math.scope import Scope
from vigil.engine.metrics.math.values import Series, SeriesArray, Value, each

_POINTWISE: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "ABS": np.abs,
    "CEIL": np.ceil,
    "FLOOR": np.floor,
    "LOG": np.log,
    "LOG10": np.log10,
}


def pointwise(name: str) -> Callable[[Scope, list[Value]], Value]:
    function = _POINTWISE[name]

    def apply(scope: Scope, args: list[Value]) -> Value:
        (value,) = args
        evaluation = scope.evaluation
        if isinstance(value, float):
            with np.errstate(all="ignore"):
                result = float(function(np.array([value]))[0])
            return result if np.isfinite(result) else float("nan")
        evaluation.array(value, f"The argument of {name}")  # refuses anything but series

        def on(series: Series) -> Series:
            with np.errstate(all="ignore"):
                computed = function(series.values)
            return series.with_values(evaluation.finite(computed, series.present))

        return each(value, on)

    return apply


def _calendar(name: str, times: np.ndarray) -> np.ndarray:
    days = (times // 86_400_000).astype("datetime64[D]")
    if name == "MINUTE":
        return (times // 60_000 % 60).astype(float)
    if name == "HOUR":
        return (times // 3_600_000 % 24).astype(float)
    if name == "DAY":
        # 1970-01-01 was a Thursday (4 when Monday is 1).
        return ((days.astype(np.int64) + 3) % 7 + 1).astype(float)
    if name == "DATE":
        return ((days - days.astype("datetime64[M]")).astype(np.int64) + 1).astype(float)
    if name == "MONTH":
        return (days.astype("datetime64[M]").astype(np.int64) % 12 + 1).astype(float)
    if name == "YEAR":
        return (days.astype("datetime64[Y]").astype(np.int64) + 1970).astype(float)
    return (times // 1000).astype(float)  # EPOCH


def calendar(name: str) -> Callable[[Scope, list[Value]], Value]:
    def apply(scope: Scope, args: list[Value]) -> Value:
        (value,) = args
        scope.evaluation.array(value, f"The argument of {name}")
        return each(value, lambda series: series.with_values(_calendar(name, series.times)))

    return apply


def time_series(scope: Scope, args: list[Value]) -> Value:
    (value,) = args
    number = scope.evaluation.scalar(value, "The argument of TIME_SERIES")
    times, period = scope.default_grid()
    values = np.full(len(times), number)
    return Series(times, scope.evaluation.finite(values, np.ones(len(times), bool)), period, "")


def array_of(scope: Scope, items: list[Value]) -> Value:
    """``[a, b, ...]``: the series of each item (an array's series in its order), in order."""
    found: list[Series] = []
    for item in items:
        found.extend(scope.evaluation.array(item, "Each item of [...]").items)
    return SeriesArray(tuple(found))
