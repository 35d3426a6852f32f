"""Metric math operators through GetMetricData: arithmetic, unary minus, comparisons and logical operators,
with AWS's rules for what they combine (series with series aligned by timestamp, a missing value counting as
0 when the other series has one; series with numbers; arrays with either). Expectations are computed here from
the values put."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import pytest
from metrics_helpers import hour_start
from metrics_math_helpers import (
    each_point,
    expression,
    get,
    labelled,
    math_error,
    metric,
    only,
    pairwise,
    put_minutes,
)

A = [3.0, 5.0, None, 8.0, 2.0, None, 0.5]
B = [4.0, None, 6.0, 0.0, 2.0, None, 0.25]
MINUTES = len(A)


@pytest.fixture
def base(cloudwatch_client: Any) -> Any:
    moment = hour_start()
    put_minutes(cloudwatch_client, "A", moment, A)
    put_minutes(cloudwatch_client, "B", moment, B)
    return moment


def compute(cloudwatch: Any, base: Any, text: str) -> list[tuple[int, float]]:
    reply = get(cloudwatch, [metric("a", "A"), metric("b", "B"), expression("e1", text)], base, MINUTES)
    return only(reply, base)


def _power(a: float, b: float) -> float:
    return a**b


ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "^": _power,
}


@pytest.mark.parametrize("symbol", list(ARITHMETIC))
def test_series_op_series_aligns_by_timestamp_and_counts_a_missing_value_as_zero(
    cloudwatch_client: Any, base: Any, symbol: str
) -> None:
    assert compute(cloudwatch_client, base, f"a {symbol} b") == pairwise(A, B, ARITHMETIC[symbol])


@pytest.mark.parametrize("symbol", list(ARITHMETIC))
def test_series_op_number_applies_to_each_datapoint(cloudwatch_client: Any, base: Any, symbol: str) -> None:
    assert compute(cloudwatch_client, base, f"a {symbol} 2") == each_point(A, lambda v: ARITHMETIC[symbol](v, 2.0))


@pytest.mark.parametrize("symbol", list(ARITHMETIC))
def test_number_op_series_applies_to_each_datapoint(cloudwatch_client: Any, base: Any, symbol: str) -> None:
    assert compute(cloudwatch_client, base, f"2 {symbol} b") == each_point(B, lambda v: ARITHMETIC[symbol](2.0, v))


def test_numbers_combine_into_a_number_that_can_scale_a_series(cloudwatch_client: Any, base: Any) -> None:
    assert compute(cloudwatch_client, base, "a * (2 + 3 * 4) / 7") == each_point(A, lambda v: v * 14.0 / 7.0)


def test_unary_minus_negates_each_datapoint(cloudwatch_client: Any, base: Any) -> None:
    assert compute(cloudwatch_client, base, "-a") == each_point(A, lambda v: -v)


def test_power_binds_tighter_than_unary_minus_and_to_the_right(cloudwatch_client: Any, base: Any) -> None:
    assert compute(cloudwatch_client, base, "-a ^ 2 + 2 ^ 3 ^ 2") == each_point(A, lambda v: -(v**2) + 2.0**9)


def test_multiplication_binds_tighter_than_addition(cloudwatch_client: Any, base: Any) -> None:
    assert compute(cloudwatch_client, base, "a + b * 2") == pairwise(A, B, lambda x, y: x + y * 2)


def test_a_division_by_zero_drops_the_datapoint_and_says_so(cloudwatch_client: Any, base: Any) -> None:
    reply = get(cloudwatch_client, [metric("a", "A"), metric("b", "B"), expression("e1", "a / b")], base, MINUTES)

    [result] = reply["MetricDataResults"]
    assert only(reply, base) == pairwise(A, B, operator.truediv)
    assert len(result["Values"]) < len(pairwise(A, B, operator.add))
    assert [m["Code"] for m in result["Messages"]] == ["ArithmeticError"]


def test_a_result_without_dropped_datapoints_has_no_messages(cloudwatch_client: Any, base: Any) -> None:
    reply = get(cloudwatch_client, [metric("a", "A"), expression("e1", "a * 2")], base, MINUTES)

    assert reply["MetricDataResults"][0]["Messages"] == []


COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@pytest.mark.parametrize("symbol", list(COMPARISONS))
def test_comparing_two_series_gives_one_or_zero_counting_a_missing_value_as_zero(
    cloudwatch_client: Any, base: Any, symbol: str
) -> None:
    expected = pairwise(A, B, lambda x, y: float(COMPARISONS[symbol](x, y)))
    assert compute(cloudwatch_client, base, f"a {symbol} b") == expected


@pytest.mark.parametrize("symbol", list(COMPARISONS))
def test_comparing_a_series_with_a_number_gives_one_or_zero_per_datapoint(
    cloudwatch_client: Any, base: Any, symbol: str
) -> None:
    expected = each_point(A, lambda v: float(COMPARISONS[symbol](v, 3.0)))
    assert compute(cloudwatch_client, base, f"a {symbol} 3") == expected


def test_the_documented_comparison_example_gives_the_documented_outputs(cloudwatch_client: Any) -> None:
    # AWS's "Comparison and logical operators" table: metric1 [30, 20, 0, 0], metric2 [20, -, 20, -].
    base = hour_start()
    put_minutes(cloudwatch_client, "M1", base, [30.0, 20.0, 0.0, 0.0])
    put_minutes(cloudwatch_client, "M2", base, [20.0, None, 20.0, None])
    queries = [
        metric("metric1", "M1"),
        metric("metric2", "M2"),
        expression("lower", "(metric1 < metric2)"),
        expression("high", "(metric1 >= 30)"),
        expression("both", "(metric1 > 15 AND metric2 > 15)"),
    ]

    reply = get(cloudwatch_client, queries, base, 4)

    assert [v for _, v in only(reply, base, "lower")] == [0.0, 0.0, 1.0, 0.0]
    assert [v for _, v in only(reply, base, "high")] == [1.0, 0.0, 0.0, 0.0]
    assert [v for _, v in only(reply, base, "both")] == [1.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("spelling", ["AND", "&&"])
def test_and_is_true_where_both_sides_are_non_zero(cloudwatch_client: Any, base: Any, spelling: str) -> None:
    expected = pairwise(A, B, lambda x, y: float(x != 0 and y != 0))
    assert compute(cloudwatch_client, base, f"a {spelling} b") == expected


@pytest.mark.parametrize("spelling", ["OR", "||"])
def test_or_is_true_where_either_side_is_non_zero(cloudwatch_client: Any, base: Any, spelling: str) -> None:
    expected = pairwise(A, B, lambda x, y: float(x != 0 or y != 0))
    assert compute(cloudwatch_client, base, f"a {spelling} b") == expected


def test_not_turns_zero_into_one_and_anything_else_into_zero(cloudwatch_client: Any, base: Any) -> None:
    assert compute(cloudwatch_client, base, "NOT b") == each_point(B, lambda v: float(v == 0))


def test_and_binds_tighter_than_or(cloudwatch_client: Any, base: Any) -> None:
    got = compute(cloudwatch_client, base, "a > 4 OR a < 1 AND b < 1")
    expected = pairwise(
        [None if v is None else float(v > 4) for v in A],
        pairwise_values(A, B, lambda x, y: float(x < 1 and y < 1)),
        lambda x, y: float(x != 0 or y != 0),
    )
    assert got == expected


def pairwise_values(left: list[float | None], right: list[float | None], op: Callable[[float, float], float]) -> list:
    """``pairwise`` as a list of minute values (None where no datapoint results)."""
    found = dict(pairwise(left, right, op))
    return [found.get(minute) for minute in range(len(left))]


def test_an_array_op_a_number_applies_to_each_series(cloudwatch_client: Any, base: Any) -> None:
    reply = get(
        cloudwatch_client,
        [metric("a", "A", Label="first"), metric("b", "B", Label="second"), expression("e1", "METRICS() * 10")],
        base,
        MINUTES,
    )

    assert labelled(reply, base) == [
        ("first", each_point(A, lambda v: v * 10)),
        ("second", each_point(B, lambda v: v * 10)),
    ]


def test_a_number_divided_by_an_array_applies_to_each_series(cloudwatch_client: Any, base: Any) -> None:
    reply = get(cloudwatch_client, [metric("a", "A"), metric("b", "B"), expression("e1", "SUM(100 / [a, b])")], base, 7)

    per_series = [dict(each_point(values, lambda v: 100 / v)) for values in (A, B)]
    expected = [
        (minute, sum(found.get(minute, 0.0) for found in per_series))
        for minute in range(MINUTES)
        if any(minute in found for found in per_series)
    ]
    assert only(reply, base) == expected


def test_an_array_op_a_series_applies_the_series_to_each_of_its_series(cloudwatch_client: Any, base: Any) -> None:
    reply = get(
        cloudwatch_client,
        [metric("a", "A"), metric("b", "B"), expression("e1", "[a, b] - a", Label="")],
        base,
        MINUTES,
    )

    assert [found for _, found in labelled(reply, base)] == [
        pairwise(A, A, operator.sub),
        pairwise(B, A, operator.sub),
    ]


def test_unary_minus_on_an_array_negates_each_series(cloudwatch_client: Any, base: Any) -> None:
    reply = get(cloudwatch_client, [metric("a", "A"), metric("b", "B"), expression("e1", "SUM(-[a, b])")], base, 7)

    assert only(reply, base) == pairwise(A, B, lambda x, y: -x - y)


def test_two_arrays_do_not_combine(cloudwatch_client: Any) -> None:
    code, message = math_error(cloudwatch_client, [metric("a", "A"), expression("e1", "METRICS() + METRICS()")])

    assert code == "ValidationError"
    assert "e1" in message


def test_series_with_different_periods_align_on_their_timestamps(cloudwatch_client: Any, base: Any) -> None:
    reply = get(
        cloudwatch_client,
        [metric("a", "A", period=60), metric("b", "B", period=120), expression("e1", "a + b")],
        base,
        MINUTES,
    )

    by_two_minutes = [
        sum(v for v in B[i : i + 2] if v is not None) if any(v is not None for v in B[i : i + 2]) else None
        for i in range(0, MINUTES, 2)
    ]
    b_on_minutes: list[float | None] = [None] * MINUTES
    for index, value in enumerate(by_two_minutes):
        b_on_minutes[index * 2] = value
    assert only(reply, base) == pairwise(A, b_on_minutes, operator.add)


def test_dividing_by_a_zero_number_drops_every_datapoint(cloudwatch_client: Any, base: Any) -> None:
    reply = get(cloudwatch_client, [metric("a", "A"), expression("e1", "a / 0")], base, MINUTES)

    [result] = reply["MetricDataResults"]
    assert result["Values"] == []
    assert [m["Code"] for m in result["Messages"]] == ["ArithmeticError"]
