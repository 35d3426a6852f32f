"""What expressions compute: a scalar (a float), a time series, or an array of time series.

A series is a grid of period starts (epoch milliseconds, ascending) and one value per period, NaN where the
period has no datapoint. Series on the same grid combine element by element; series on different grids are
first aligned on the union of their timestamps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from vigil.errors import ServiceError


@dataclass(frozen=True)
class MetricInfo:
    """Where a series came from, for ``${PROP(...)}`` labels and SEARCH's default labels."""

    namespace: str
    metric_name: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str


@dataclass(frozen=True, eq=False)
class Series:
    times: np.ndarray  # int64 epoch milliseconds
    values: np.ndarray  # float64, NaN where there is no datapoint
    period: int  # seconds
    label: str
    info: MetricInfo | None = None

    def with_values(self, values: np.ndarray) -> Series:
        return replace(self, values=values)

    @property
    def present(self) -> np.ndarray:
        return ~np.isnan(self.values)


@dataclass(frozen=True)
class SeriesArray:
    items: tuple[Series, ...]


@dataclass(frozen=True)
class Word:
    """A keyword argument (REPEAT, ASC, AVG ...) once evaluated."""

    name: str


Value = float | Series | SeriesArray | Word | str


def grid(start_ms: int, end_ms: int, period: int) -> np.ndarray:
    """The period starts from ``start_ms`` (already aligned) up to ``end_ms`` (exclusive)."""
    step = period * 1000
    return np.arange(start_ms, end_ms, step, dtype=np.int64) if end_ms > start_ms else np.empty(0, np.int64)


def empty_series(times: np.ndarray, period: int, label: str) -> Series:
    return Series(times, np.full(len(times), np.nan), period, label)


def same_times(first: np.ndarray, second: np.ndarray) -> bool:
    return first is second or (len(first) == len(second) and bool(np.array_equal(first, second)))


def union_times(arrays: Iterable[np.ndarray]) -> np.ndarray:
    arrays = list(arrays)
    if not arrays:
        return np.empty(0, np.int64)
    result = arrays[0]
    for other in arrays[1:]:
        if not same_times(result, other):
            result = np.union1d(result, other)
    return result


def values_on(series: Series, times: np.ndarray) -> np.ndarray:
    """The series' values at ``times``, NaN where it has no period starting there."""
    if same_times(series.times, times):
        return series.values
    found = np.full(len(times), np.nan)
    if len(series.times) == 0 or len(times) == 0:
        return found
    position = np.minimum(np.searchsorted(series.times, times), len(series.times) - 1)
    hit = series.times[position] == times
    found[hit] = series.values[position[hit]]
    return found


@dataclass
class Evaluation:
    """What evaluating one query's expression needs to report and to raise: its Id for error messages, and
    whether any datapoint was dropped for not being a finite number (AWS's ArithmeticError message)."""

    query_id: str
    dropped: bool = field(default=False)

    def error(self, message: str) -> ServiceError:
        return ServiceError("ValidationError", f"Error in expression {self.query_id}: {message}")

    def finite(self, values: np.ndarray, present: np.ndarray) -> np.ndarray:
        """``values`` where ``present``, missing elsewhere; a value that should be there but is not a finite
        number (a division by zero, the log of zero) is dropped, and the evaluation remembers it."""
        kept = present & np.isfinite(values)
        if (present & ~kept).any():
            self.dropped = True
        return np.where(kept, values, np.nan)

    def series(self, value: Value, what: str) -> Series:
        if isinstance(value, Series):
            return value
        if isinstance(value, SeriesArray) and len(value.items) == 1:
            return value.items[0]
        raise self.error(f"{what} must be a single time series, not {kind(value)}")

    def scalar(self, value: Value, what: str) -> float:
        if isinstance(value, float):
            return value
        raise self.error(f"{what} must be a number, not {kind(value)}")

    def array(self, value: Value, what: str) -> SeriesArray:
        if isinstance(value, SeriesArray):
            return value
        if isinstance(value, Series):
            return SeriesArray((value,))
        raise self.error(f"{what} must be an array of time series, not {kind(value)}")


def kind(value: Value) -> str:
    if isinstance(value, float):
        return "a number"
    if isinstance(value, Series):
        return "a time series"
    if isinstance(value, SeriesArray):
        return "an array of time series"
    if isinstance(value, Word):
        return f"the keyword {value.name}"
    return "a string"


def each(value: Value, apply: Callable[[Series], Series]) -> Series | SeriesArray:
    """``apply`` to a series, or to every series of an array."""
    if isinstance(value, SeriesArray):
        return SeriesArray(tuple(apply(series) for series in value.items))
    assert isinstance(value, Series)
    return apply(value)
