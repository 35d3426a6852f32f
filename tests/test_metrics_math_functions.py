"""Metric math functions through GetMetricData, each against values computed here from what was put."""

from __future__ import annotations

import itertools
import math
import statistics
from datetime import datetime
from typing import Any

import pytest
from metrics_helpers import MINUTE, epoch_ms, hour_start
from metrics_math_helpers import (
    Maybe,
    close,
    each_point,
    expression,
    get,
    labelled,
    math_error,
    metric,
    only,
    present,
    put_minutes,
)

A: list[Maybe] = [3.0, -5.5, None, 8.0, 2.25, None, 0.5]
B: list[Maybe] = [4.0, None, 6.0, 0.0, 2.0, None, 0.25]
C: list[Maybe] = [None, 1.0, 1.0, None, None, 1.0, None]
MINUTES = len(A)


@pytest.fixture
def base(cloudwatch_client: Any) -> datetime:
    moment = hour_start()
    for name, values in (("A", A), ("B", B), ("C", C)):
        put_minutes(cloudwatch_client, name, moment, values)
    return moment


def compute(cloudwatch: Any, base: datetime, text: str, **extra: Any) -> list[tuple[int, float]]:
    queries = [metric("a", "A"), metric("b", "B"), metric("c", "C"), expression("e1", text, **extra)]
    return only(get(cloudwatch, queries, base, MINUTES), base)


def results(cloudwatch: Any, base: datetime, text: str) -> list[tuple[str, list[tuple[int, float]]]]:
    queries = [
        metric("a", "A", Label="la"),
        metric("b", "B", Label="lb"),
        metric("c", "C", Label="lc"),
        expression("e1", text, Label=""),
    ]
    return labelled(get(cloudwatch, queries, base, MINUTES), base)


def values(series: list[Maybe]) -> list[float]:
    return [v for v in series if v is not None]


def minutes_with_any(*series: list[Maybe]) -> list[int]:
    return [minute for minute in range(MINUTES) if any(s[minute] is not None for s in series)]


# ---- functions of each datapoint ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "function"),
    [("ABS", abs), ("CEIL", math.ceil), ("FLOOR", math.floor), ("LOG", math.log), ("LOG10", math.log10)],
)
def test_a_pointwise_function_applies_to_each_datapoint(
    cloudwatch_client: Any, base: datetime, name: str, function: Any
) -> None:
    assert compute(cloudwatch_client, base, f"{name}(a)") == each_point(A, lambda v: float(function(v)))


def test_a_pointwise_function_of_an_array_applies_to_each_series(cloudwatch_client: Any, base: datetime) -> None:
    assert results(cloudwatch_client, base, "ABS(METRICS())") == [
        ("la", each_point(A, abs)),
        ("lb", each_point(B, abs)),
        ("lc", each_point(C, abs)),
    ]


# ---- summaries ------------------------------------------------------------------------------------------------

SUMMARIES = {
    "AVG": statistics.fmean,
    "MAX": max,
    "MIN": min,
    "SUM": sum,
    "STDDEV": statistics.pstdev,
    "DATAPOINT_COUNT": len,
}


@pytest.mark.parametrize("name", list(SUMMARIES))
def test_a_summary_of_a_series_is_a_number(cloudwatch_client: Any, base: datetime, name: str) -> None:
    figure = float(SUMMARIES[name](values(A)))

    got = compute(cloudwatch_client, base, f"a - {name}(a)")

    assert close(got, each_point(A, lambda v: v - figure))


@pytest.mark.parametrize("name", ["MAX", "MIN", "SUM", "STDDEV", "DATAPOINT_COUNT"])
def test_a_summary_of_an_array_is_a_series_over_the_values_present(
    cloudwatch_client: Any, base: datetime, name: str
) -> None:
    expected = [
        (minute, float(SUMMARIES[name]([s[minute] for s in (A, B, C) if s[minute] is not None])))
        for minute in minutes_with_any(A, B, C)
    ]

    assert close(compute(cloudwatch_client, base, f"{name}(METRICS())"), expected)


def test_the_average_of_an_array_counts_a_missing_value_as_zero(cloudwatch_client: Any, base: datetime) -> None:
    expected = [(minute, sum(s[minute] or 0.0 for s in (A, B, C)) / 3) for minute in minutes_with_any(A, B, C)]

    assert close(compute(cloudwatch_client, base, "AVG([a, b, c])"), expected)


def test_metric_count_counts_the_series_of_an_array(cloudwatch_client: Any, base: datetime) -> None:
    assert compute(cloudwatch_client, base, "b * METRIC_COUNT(METRICS())") == each_point(B, lambda v: v * 3)


# ---- functions of consecutive datapoints --------------------------------------------------------------------


def consecutive(series: list[Maybe]) -> list[tuple[tuple[int, float], tuple[int, float]]]:
    found = present(series)
    return list(itertools.pairwise(found))


def test_diff_subtracts_the_previous_datapoint(cloudwatch_client: Any, base: datetime) -> None:
    expected = [(now, value - before) for (_, before), (now, value) in consecutive(A)]
    assert compute(cloudwatch_client, base, "DIFF(a)") == expected


def test_diff_time_gives_the_seconds_since_the_previous_datapoint(cloudwatch_client: Any, base: datetime) -> None:
    expected = [(now, (now - then) * 60.0) for (then, _), (now, _) in consecutive(A)]
    assert compute(cloudwatch_client, base, "DIFF_TIME(a)") == expected


def test_rate_is_the_change_per_second(cloudwatch_client: Any, base: datetime) -> None:
    expected = [(now, (value - before) / ((now - then) * 60.0)) for (then, before), (now, value) in consecutive(A)]
    assert close(compute(cloudwatch_client, base, "RATE(a)"), expected)


def test_running_sum_adds_up_the_datapoints_so_far(cloudwatch_client: Any, base: datetime) -> None:
    found = present(A)
    expected = [(minute, sum(v for _, v in found[: i + 1])) for i, (minute, _) in enumerate(found)]
    assert compute(cloudwatch_client, base, "RUNNING_SUM(a)") == expected


# ---- FILL -----------------------------------------------------------------------------------------------------


def test_fill_with_a_number_fills_every_missing_period(cloudwatch_client: Any, base: datetime) -> None:
    assert compute(cloudwatch_client, base, "FILL(a, 42)") == [(m, 42.0 if v is None else v) for m, v in enumerate(A)]


def test_fill_with_a_series_takes_its_value_at_that_time(cloudwatch_client: Any, base: datetime) -> None:
    filled = [(m, b if a is None else a) for m, (a, b) in enumerate(zip(A, B, strict=True))]
    assert compute(cloudwatch_client, base, "FILL(a, b)") == [(m, v) for m, v in filled if v is not None]


def test_fill_repeat_repeats_the_last_value_before_the_gap(cloudwatch_client: Any, base: datetime) -> None:
    expected, last = [], None
    for minute, value in enumerate(C):
        last = value if value is not None else last
        if last is not None:
            expected.append((minute, last))
    assert compute(cloudwatch_client, base, "FILL(c, REPEAT)") == expected


def test_fill_linear_interpolates_across_each_gap(cloudwatch_client: Any, base: datetime) -> None:
    known = present(A)
    expected = []
    for (start, low), (stop, high) in itertools.pairwise(known):
        expected += [(m, low + (high - low) * (m - start) / (stop - start)) for m in range(start, stop)]
    expected.append(known[-1])
    assert close(compute(cloudwatch_client, base, "FILL(a, LINEAR)"), expected)


def test_fill_of_an_array_fills_each_series(cloudwatch_client: Any, base: datetime) -> None:
    assert results(cloudwatch_client, base, "FILL(METRICS(), 0)") == [
        (label, [(m, 0.0 if v is None else v) for m, v in enumerate(series)])
        for label, series in (("la", A), ("lb", B), ("lc", C))
    ]


# ---- IF (AWS's documented examples) ---------------------------------------------------------------------------

COND = [1.0, 1.0, 0.0, 0.0, None]
TRUE_SERIES = [30.0, None, 0.0, 0.0, 30.0]
FALSE_SERIES = [0.0, 0.0, 20.0, None, 20.0]


@pytest.fixture
def documented(cloudwatch_client: Any) -> datetime:
    moment = hour_start()
    for name, series in (("Cond", COND), ("Yes", TRUE_SERIES), ("No", FALSE_SERIES)):
        put_minutes(cloudwatch_client, name, moment, series)
    return moment


def if_result(cloudwatch: Any, base: datetime, text: str) -> list[Maybe]:
    queries = [metric("metric1", "Cond"), metric("metric2", "Yes"), metric("metric3", "No"), expression("e1", text)]
    found = dict(only(get(cloudwatch, queries, base, 5), base))
    return [found.get(minute) for minute in range(5)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IF(metric1, metric2, metric3)", [30.0, 0.0, 20.0, None, None]),
        ("IF(metric1, 5, metric3)", [5.0, 5.0, 20.0, None, None]),
        ("IF(metric1, metric2, 5)", [30.0, 0.0, 5.0, 5.0, None]),
        ("IF(metric1, metric2)", [30.0, 0.0, None, None, None]),
    ],
)
def test_if_follows_the_documented_table(
    cloudwatch_client: Any, documented: datetime, text: str, expected: list[Maybe]
) -> None:
    assert if_result(cloudwatch_client, documented, text) == expected


def test_if_with_a_comparison_keeps_the_low_values(cloudwatch_client: Any, base: datetime) -> None:
    assert compute(cloudwatch_client, base, "IF(a < 3, a)") == [(m, v) for m, v in present(A) if v < 3]


def test_if_with_a_true_number_condition_chooses_the_first_series(cloudwatch_client: Any, base: datetime) -> None:
    assert compute(cloudwatch_client, base, "IF(1, a, b)") == present(A)


def test_if_with_a_false_number_condition_chooses_the_second_series(cloudwatch_client: Any, base: datetime) -> None:
    assert compute(cloudwatch_client, base, "IF(0, a, b)") == present(B)


def test_if_with_a_false_number_and_no_second_series_is_empty(cloudwatch_client: Any, base: datetime) -> None:
    assert compute(cloudwatch_client, base, "IF(0, a)") == []


# ---- arrays ---------------------------------------------------------------------------------------------------


def test_metrics_gives_every_metric_query_in_request_order(cloudwatch_client: Any, base: datetime) -> None:
    assert [label for label, _ in results(cloudwatch_client, base, "METRICS()")] == ["la", "lb", "lc"]


def test_metrics_with_a_string_keeps_the_ids_containing_it(cloudwatch_client: Any, base: datetime) -> None:
    queries = [
        metric("errors_4xx", "A"),
        metric("errors_5xx", "B"),
        metric("requests", "C"),
        expression("e1", 'SUM(METRICS("errors"))'),
    ]

    reply = get(cloudwatch_client, queries, base, MINUTES)

    expected = [(m, (A[m] or 0.0) + (B[m] or 0.0)) for m in minutes_with_any(A, B)]
    assert only(reply, base) == expected


def test_metrics_leaves_expressions_out(cloudwatch_client: Any, base: datetime) -> None:
    queries = [
        metric("a", "A"),
        expression("e0", "a * 2", ReturnData=False),
        expression("e1", "METRIC_COUNT(METRICS()) + a"),
    ]

    assert only(get(cloudwatch_client, queries, base, MINUTES), base) == each_point(A, lambda v: v + 1)


@pytest.mark.parametrize(("name", "index"), [("FIRST", 0), ("LAST", -1)])
def test_first_and_last_pick_from_an_array(cloudwatch_client: Any, base: datetime, name: str, index: int) -> None:
    assert compute(cloudwatch_client, base, f"{name}([a, b, c])") == present([A, B, C][index])


def test_sort_orders_by_the_function_and_limits(cloudwatch_client: Any, base: datetime) -> None:
    sums = {"la": sum(values(A)), "lb": sum(values(B)), "lc": sum(values(C))}
    expected = sorted(sums, key=lambda label: -sums[label])[:2]

    assert [label for label, _ in results(cloudwatch_client, base, "SORT(METRICS(), SUM, DESC, 2)")] == expected


@pytest.mark.parametrize("function", ["AVG", "MIN", "MAX", "SUM"])
def test_sort_ascending_by_each_function(cloudwatch_client: Any, base: datetime, function: str) -> None:
    figure = SUMMARIES[function]
    keys = {"la": figure(values(A)), "lb": figure(values(B)), "lc": figure(values(C))}

    got = [label for label, _ in results(cloudwatch_client, base, f"SORT(METRICS(), {function}, ASC)")]

    assert got == sorted(keys, key=lambda label: keys[label])


def test_slice_takes_a_part_of_an_array(cloudwatch_client: Any, base: datetime) -> None:
    assert [label for label, _ in results(cloudwatch_client, base, "SLICE(METRICS(), 1, 2)")] == ["lb"]


def test_slice_with_one_index_takes_the_rest(cloudwatch_client: Any, base: datetime) -> None:
    assert [label for label, _ in results(cloudwatch_client, base, "SLICE(METRICS(), 1)")] == ["lb", "lc"]


def test_remove_empty_drops_series_without_datapoints(cloudwatch_client: Any, base: datetime) -> None:
    queries = [
        metric("a", "A", Label="la"),
        metric("none", "Nothing"),
        expression("e1", "REMOVE_EMPTY(METRICS())", Label=""),
    ]

    reply = get(cloudwatch_client, queries, base, MINUTES)

    assert labelled(reply, base) == [("la", present(A))]


# ---- periods, constants and dates -----------------------------------------------------------------------------


def test_period_gives_the_metric_period_in_seconds(cloudwatch_client: Any, base: datetime) -> None:
    queries = [metric("a", "A", period=120), expression("e1", "a / PERIOD(a)")]
    two_minutes = [sum(values(A[i : i + 2])) for i in range(0, MINUTES, 2) if values(A[i : i + 2])]
    starts = [i for i in range(0, MINUTES, 2) if values(A[i : i + 2])]

    assert only(get(cloudwatch_client, queries, base, MINUTES), base) == [
        (start, total / 120) for start, total in zip(starts, two_minutes, strict=True)
    ]


def test_time_series_gives_a_value_in_every_period(cloudwatch_client: Any, base: datetime) -> None:
    assert compute(cloudwatch_client, base, "TIME_SERIES(MAX(a))") == [(m, max(values(A))) for m in range(MINUTES)]


def test_time_series_uses_the_expression_period(cloudwatch_client: Any, base: datetime) -> None:
    got = compute(cloudwatch_client, base, "TIME_SERIES(7)", Period=180)
    assert got == [(m, 7.0) for m in range(0, MINUTES, 3)]


def _calendar(moment: datetime) -> dict[str, float]:
    return {
        "MINUTE": moment.minute,
        "HOUR": moment.hour,
        "DAY": moment.isoweekday(),
        "DATE": moment.day,
        "MONTH": moment.month,
        "YEAR": moment.year,
        "EPOCH": epoch_ms(moment) // 1000,
    }


@pytest.mark.parametrize("name", ["MINUTE", "HOUR", "DAY", "DATE", "MONTH", "YEAR", "EPOCH"])
def test_a_date_function_gives_every_period_its_utc_part(cloudwatch_client: Any, base: datetime, name: str) -> None:
    expected = [(m, float(_calendar(base + m * MINUTE)[name])) for m in range(MINUTES)]
    assert compute(cloudwatch_client, base, f"{name}(c)") == expected


def test_date_functions_filter_a_series(cloudwatch_client: Any, base: datetime) -> None:
    weekday = base.isoweekday()
    got = compute(cloudwatch_client, base, f"IF(DAY(a) == {weekday} AND MINUTE(a) >= 3, a)")
    # A true condition where the chosen series has no datapoint gives 0, as AWS documents for IF.
    assert got == [(m, A[m] or 0.0) for m in range(MINUTES) if (base + m * MINUTE).minute >= 3]


# ---- arguments ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["ABS(a, b)", "FILL(a)", "SORT(METRICS(), SUM)", "IF(a)", "FILL(a, ASC)", "SORT(METRICS(), SUM, UP)"]
)
def test_a_function_given_the_wrong_arguments_is_a_validation_error(cloudwatch_client: Any, text: str) -> None:
    code, message = math_error(cloudwatch_client, [metric("a", "A"), metric("b", "B"), expression("e1", text)])

    assert code == "ValidationError"
    assert "e1" in message


def test_a_summary_as_the_final_result_is_refused(cloudwatch_client: Any) -> None:
    code, message = math_error(cloudwatch_client, [metric("a", "A"), expression("e1", "AVG(a)")])

    assert code == "ValidationError"
    assert "time series" in message
