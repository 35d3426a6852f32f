"""Operators, with AWS's rules for what they combine.

- number op number: a number. A series op a number (either side): applied to each datapoint the series has.
- series op series: aligned by timestamp; where only one of them has a datapoint, the other's missing value
  counts as 0 (AWS documents this for arithmetic and for comparisons); where neither has one, none results.
- an array op a series or a number: applied to each series of the array. Two arrays do not combine.
- Comparisons and AND / OR give 1 (true) or 0 (false); any value but 0 is true. NOT gives 1 for 0, else 0.
- A result that is not a finite number (x / 0, 0 / 0) is dropped, and the result says so in its Messages.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vigil.engine.metrics.math.values import (
    Evaluation,
    Series,
    SeriesArray,
    Value,
    each,
    kind,
    union_times,
    values_on,
)

Operation = Callable[[np.ndarray, np.ndarray], np.ndarray]

_OPERATIONS: dict[str, Operation] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "^": np.power,
    "==": lambda a, b: (a == b).astype(float),
    "!=": lambda a, b: (a != b).astype(float),
    "<": lambda a, b: (a < b).astype(float),
    "<=": lambda a, b: (a <= b).astype(float),
    ">": lambda a, b: (a > b).astype(float),
    ">=": lambda a, b: (a >= b).astype(float),
    "AND": lambda a, b: ((a != 0) & (b != 0)).astype(float),
    "OR": lambda a, b: ((a != 0) | (b != 0)).astype(float),
}


def _compute(operator: str, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(_OPERATIONS[operator](left, right), dtype=float)


def binary(evaluation: Evaluation, operator: str, left: Value, right: Value) -> Value:
    for side in (left, right):
        if not isinstance(side, float | Series | SeriesArray):
            raise evaluation.error(f"the operator {operator} cannot take {kind(side)}")
    if isinstance(left, SeriesArray) and isinstance(right, SeriesArray):
        raise evaluation.error(f"the operator {operator} cannot combine two arrays of time series")
    if isinstance(left, SeriesArray):
        return each(left, lambda series: _series_op(evaluation, operator, series, right))  # type: ignore[arg-type]
    if isinstance(right, SeriesArray):
        return each(right, lambda series: _series_op(evaluation, operator, left, series))  # type: ignore[arg-type]
    if isinstance(left, float) and isinstance(right, float):
        result = float(_compute(operator, np.array([left]), np.array([right]))[0])
        return result if np.isfinite(result) else float("nan")
    return _series_op(evaluation, operator, left, right)


def _series_op(evaluation: Evaluation, operator: str, left: float | Series, right: float | Series) -> Series:
    if isinstance(left, Series) and isinstance(right, Series):
        times = union_times((left.times, right.times))
        first, second = values_on(left, times), values_on(right, times)
        present = ~np.isnan(first) | ~np.isnan(second)
        result = _compute(operator, np.nan_to_num(first, nan=0.0), np.nan_to_num(second, nan=0.0))
        return Series(times, evaluation.finite(result, present), min(left.period, right.period), left.label, left.info)
    series = left if isinstance(left, Series) else right
    assert isinstance(series, Series)
    if np.isnan(left if isinstance(left, float) else right):  # type: ignore[arg-type]
        # A number that is not one (AVG of a series without data) leaves nothing to compute.
        return series.with_values(evaluation.finite(np.full(len(series.times), np.nan), series.present))
    first = series.values if left is series else np.full(len(series.times), left)
    second = series.values if right is series else np.full(len(series.times), right)
    return series.with_values(evaluation.finite(_compute(operator, first, second), series.present))


def unary(evaluation: Evaluation, operator: str, operand: Value) -> Value:
    if operator == "+":
        return operand
    if isinstance(operand, float):
        return -operand if operator == "-" else float(operand == 0)
    if not isinstance(operand, Series | SeriesArray):
        raise evaluation.error(f"the operator {operator} cannot take {kind(operand)}")

    def apply(series: Series) -> Series:
        values = -series.values if operator == "-" else np.where(series.present, (series.values == 0), np.nan)
        return series.with_values(values.astype(float))

    return each(operand, apply)
