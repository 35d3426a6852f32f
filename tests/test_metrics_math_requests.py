"""Metric math in the whole GetMetricData request: expressions over other expressions and hidden queries,
labels (default, given, dynamic), ScanBy and MaxDatapoints paging of expression results, and AWS's errors
for malformed expressions, unknown Ids, cycles and the functions Vigil cannot offer."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pytest
from metrics_helpers import MINUTE, aws_error, hour_start
from metrics_math_helpers import (
    each_point,
    expression,
    get,
    labelled,
    math_error,
    metric,
    only,
    pairwise,
    present,
    put_minutes,
)

A = [3.0, 5.0, None, 8.0, 2.5, 1.0, 4.0, None, 6.0, 7.0]
B = [1.0, None, 2.0, 2.0, None, 9.0, 0.5, 3.0, None, 1.5]
MINUTES = len(A)


@pytest.fixture
def base(cloudwatch_client: Any) -> datetime:
    moment = hour_start()
    put_minutes(cloudwatch_client, "A", moment, A, {"Route": "/a"})
    put_minutes(cloudwatch_client, "B", moment, B, {"Route": "/b"})
    return moment


def metrics() -> list[dict[str, Any]]:
    return [metric("a", "A", dimensions={"Route": "/a"}), metric("b", "B", dimensions={"Route": "/b"})]


# ---- references, ReturnData, labels ---------------------------------------------------------------------------


def test_an_expression_can_use_another_expression(cloudwatch_client: Any, base: datetime) -> None:
    queries = [*metrics(), expression("sum", "a + b", ReturnData=False), expression("e1", "sum * 2")]

    assert only(get(cloudwatch_client, queries, base, MINUTES), base) == pairwise(A, B, lambda x, y: (x + y) * 2)


def test_queries_with_return_data_false_are_computed_but_not_returned(cloudwatch_client: Any, base: datetime) -> None:
    queries = [*metrics(), expression("hidden", "a * 3", ReturnData=False), expression("e1", "hidden - a")]

    reply = get(cloudwatch_client, queries, base, MINUTES)

    assert [result["Id"] for result in reply["MetricDataResults"]] == ["e1"]
    assert only(reply, base) == each_point(A, lambda v: 2 * v)


def test_results_follow_the_order_of_the_queries(cloudwatch_client: Any, base: datetime) -> None:
    queries = [
        expression("first", "b + 1"),
        metric("a", "A", dimensions={"Route": "/a"}, returned=True),
        metric("b", "B", dimensions={"Route": "/b"}),
        expression("last", "a + 1"),
    ]

    reply = get(cloudwatch_client, queries, base, MINUTES)

    assert [result["Id"] for result in reply["MetricDataResults"]] == ["first", "a", "last"]


def test_an_expression_without_a_label_is_labelled_with_its_id(cloudwatch_client: Any, base: datetime) -> None:
    reply = get(cloudwatch_client, [*metrics(), expression("error_rate", "a / b")], base, MINUTES)

    assert reply["MetricDataResults"][0]["Label"] == "error_rate"


def test_an_expression_with_a_label_is_labelled_with_it(cloudwatch_client: Any, base: datetime) -> None:
    reply = get(cloudwatch_client, [*metrics(), expression("e1", "a / b", Label="Error rate")], base, MINUTES)

    assert reply["MetricDataResults"][0]["Label"] == "Error rate"


def test_an_array_without_a_label_keeps_each_metric_label(cloudwatch_client: Any, base: datetime) -> None:
    queries = [
        metric("a", "A", dimensions={"Route": "/a"}, Label="Alpha"),
        metric("b", "B", dimensions={"Route": "/b"}),
    ]

    reply = get(cloudwatch_client, [*queries, expression("e1", "FILL(METRICS(), 0)")], base, MINUTES)

    assert [label for label, _ in labelled(reply, base)] == ["Alpha", "B"]


def test_an_array_label_goes_before_each_metric_label(cloudwatch_client: Any, base: datetime) -> None:
    queries = [*metrics(), expression("e1", "FILL(METRICS(), 0)", Label="Filled With 0:")]

    reply = get(cloudwatch_client, queries, base, MINUTES)

    assert [label for label, _ in labelled(reply, base)] == ["Filled With 0: A", "Filled With 0: B"]


def _figure(value: float) -> str:
    return f"{value:.15g}"


def test_dynamic_label_statistics_are_computed_over_the_result(cloudwatch_client: Any, base: datetime) -> None:
    label = "${AVG} ${MAX} ${MIN} ${SUM} ${FIRST} ${LAST} ${DATAPOINT_COUNT} ${MIN_MAX_RANGE} ${FIRST_LAST_RANGE}"
    queries = [*metrics(), expression("e1", "a * 2", Label=label)]

    reply = get(cloudwatch_client, queries, base, MINUTES)

    doubled = [v * 2 for _, v in present(A)]
    figures = [
        sum(doubled) / len(doubled),
        max(doubled),
        min(doubled),
        sum(doubled),
        doubled[0],
        doubled[-1],
    ]
    expected = " ".join(
        [
            *map(_figure, figures),
            str(len(doubled)),
            _figure(max(doubled) - min(doubled)),
            _figure(doubled[-1] - doubled[0]),
        ]
    )
    assert reply["MetricDataResults"][0]["Label"] == expected


def test_dynamic_label_properties_describe_the_metric(cloudwatch_client: Any, base: datetime, vigil: Any) -> None:
    label = (
        "${LABEL}|${PROP('Namespace')}|${PROP('MetricName')}|${PROP('Dim.Route')}|${PROP('Stat')}|"
        "${PROP('Period')}|${PROP('Region')}"
    )
    queries = [metric("a", "A", stat="Maximum", period=120, dimensions={"Route": "/a"}, returned=True, Label=label)]

    reply = get(cloudwatch_client, queries, base, MINUTES)

    assert reply["MetricDataResults"][0]["Label"] == f"A|Shop|A|/a|Maximum|120|{vigil.region}"


def test_dynamic_label_times_follow_the_label_timezone(cloudwatch_client: Any, base: datetime) -> None:
    queries = [*metrics(), expression("e1", "a + 0", Label="${FIRST_TIME} ${LAST_TIME}")]

    reply = get(cloudwatch_client, queries, base, MINUTES, LabelOptions={"Timezone": "+0130"})

    found = present(A)
    zone = datetime.fromisoformat("2000-01-01T00:00:00+01:30").tzinfo
    first, last = ((base + minute * MINUTE).astimezone(zone).isoformat() for minute in (found[0][0], found[-1][0]))
    assert reply["MetricDataResults"][0]["Label"] == f"{first} {last}"


@pytest.mark.parametrize("timezone", ["fuzz", "+130", "0130", "+0160", "+01:30"])
def test_a_label_timezone_not_of_the_documented_form_is_a_validation_error(
    cloudwatch_client: Any, base: datetime, timezone: str
) -> None:
    code, message = aws_error(
        lambda: get(cloudwatch_client, metrics(), base, MINUTES, LabelOptions={"Timezone": timezone})
    )

    assert (code, repr(timezone) in message) == ("ValidationError", True)


def test_an_unknown_dynamic_value_is_left_as_written(cloudwatch_client: Any, base: datetime) -> None:
    reply = get(cloudwatch_client, [*metrics(), expression("e1", "a + 0", Label="x ${NOPE} y")], base, MINUTES)

    assert reply["MetricDataResults"][0]["Label"] == "x ${NOPE} y"


def test_the_reply_has_request_level_messages(cloudwatch_client: Any, base: datetime) -> None:
    reply = get(cloudwatch_client, [*metrics(), expression("e1", "a + b")], base, MINUTES)

    assert reply["Messages"] == []


# ---- ScanBy and paging ----------------------------------------------------------------------------------------


def test_expression_results_are_newest_first_by_default(cloudwatch_client: Any, base: datetime) -> None:
    reply = get(cloudwatch_client, [*metrics(), expression("e1", "a + b")], base, MINUTES, ScanBy="TimestampDescending")

    assert only(reply, base) == list(reversed(pairwise(A, B, lambda x, y: x + y)))


def pages(cloudwatch: Any, queries: list[dict[str, Any]], base: datetime, size: int, scan_by: str) -> list[Any]:
    found, token = [], None
    while True:
        extra = {"NextToken": token} if token else {}
        page = get(cloudwatch, queries, base, MINUTES, MaxDatapoints=size, ScanBy=scan_by, **extra)
        found.append(page)
        token = page.get("NextToken")
        if token is None:
            return found


def gathered(replies: Iterable[Any], base: datetime) -> dict[tuple[str, str], list[tuple[int, float]]]:
    series: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for reply in replies:
        for result in reply["MetricDataResults"]:
            for label, found in labelled({"MetricDataResults": [result]}, base, result["Id"]):
                series.setdefault((result["Id"], label), []).extend(found)
    return series


@pytest.mark.parametrize("scan_by", ["TimestampDescending", "TimestampAscending"])
def test_max_datapoints_pages_expression_results_without_losing_a_datapoint(
    cloudwatch_client: Any, base: datetime, scan_by: str
) -> None:
    queries = [*metrics(), expression("sum", "a + b"), expression("each", "METRICS() * 2", Label="")]
    whole = get(cloudwatch_client, queries, base, MINUTES, ScanBy=scan_by)

    paged = pages(cloudwatch_client, queries, base, 4, scan_by)

    total = sum(len(result["Values"]) for result in whole["MetricDataResults"])
    assert [sum(len(r["Values"]) for r in page["MetricDataResults"]) for page in paged[:-1]] == [4] * (len(paged) - 1)
    assert len(paged) == -(-total // 4)
    assert gathered(paged, base) == gathered([whole], base)


def test_a_cut_expression_result_says_partial_data(cloudwatch_client: Any, base: datetime) -> None:
    reply = get(cloudwatch_client, [*metrics(), expression("e1", "a + b")], base, MINUTES, MaxDatapoints=3)

    assert reply["MetricDataResults"][0]["StatusCode"] == "PartialData"
    assert reply["NextToken"]


def test_boto3s_paginator_gathers_every_expression_datapoint(cloudwatch_client: Any, base: datetime) -> None:
    queries = [*metrics(), expression("e1", "FILL(METRICS(), 0)")]
    window = {"MetricDataQueries": queries, "StartTime": base, "EndTime": base + MINUTES * MINUTE}

    paginated = cloudwatch_client.get_paginator("get_metric_data").paginate(**window, PaginationConfig={"PageSize": 3})

    assert gathered(paginated, base) == gathered([cloudwatch_client.get_metric_data(**window)], base)


# ---- errors ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position"),
    [("a +", 4), ("a + * b", 5), ("(a + b", 7), ("a b", 3), ("a $ b", 3), ("ABS(a", 6), ("a + 'x", 5)],
)
def test_a_syntax_error_names_its_position(cloudwatch_client: Any, text: str, position: int) -> None:
    code, message = math_error(cloudwatch_client, [*metrics(), expression("e1", text)])

    assert code == "ValidationError"
    assert "e1" in message
    assert f"position {position}" in message


def test_an_empty_expression_is_a_syntax_error(cloudwatch_client: Any) -> None:
    code, message = math_error(cloudwatch_client, [*metrics(), expression("e1", "   ")])

    assert code == "ValidationError"
    assert "empty" in message


def test_an_unknown_id_is_a_validation_error_naming_it(cloudwatch_client: Any) -> None:
    code, message = math_error(cloudwatch_client, [*metrics(), expression("e1", "a + m7")])

    assert code == "ValidationError"
    assert "m7" in message


def test_a_cycle_is_a_validation_error_naming_it(cloudwatch_client: Any) -> None:
    queries = [expression("e1", "e2 + 1"), expression("e2", "e3 * 2"), expression("e3", "e1 - 1")]

    code, message = math_error(cloudwatch_client, queries)

    assert code == "ValidationError"
    assert "e1 -> e2 -> e3 -> e1" in message


def test_an_expression_referring_to_itself_is_a_cycle(cloudwatch_client: Any) -> None:
    code, message = math_error(cloudwatch_client, [*metrics(), expression("e1", "a + e1")])

    assert code == "ValidationError"
    assert "e1 -> e1" in message


def test_an_unknown_function_is_a_validation_error_naming_it(cloudwatch_client: Any) -> None:
    code, message = math_error(cloudwatch_client, [*metrics(), expression("e1", "MEDIAN(a)")])

    assert code == "ValidationError"
    assert "MEDIAN" in message


def test_a_lower_case_function_name_is_a_validation_error(cloudwatch_client: Any) -> None:
    code, message = math_error(cloudwatch_client, [*metrics(), expression("e1", "abs(a)")])

    assert code == "ValidationError"
    assert "upper case" in message


@pytest.mark.parametrize(
    "text",
    [
        "ANOMALY_DETECTION_BAND(a, 2)",
        "INSIGHT_RULE_METRIC('rule', 'UniqueContributors')",
        "SERVICE_QUOTA(a)",
        "LAMBDA('fn', a)",
    ],
)
def test_a_function_vigil_cannot_offer_says_so(cloudwatch_client: Any, text: str) -> None:
    code, message = math_error(cloudwatch_client, [*metrics(), expression("e1", text)])

    assert code == "ValidationError"
    assert f"{text.split('(')[0]} is not available in Vigil" in message


def test_a_metrics_insights_query_is_refused_by_name(cloudwatch_client: Any) -> None:
    code, message = math_error(cloudwatch_client, [expression("q1", 'SELECT AVG(A) FROM "Shop"', Period=60)])

    assert code == "ValidationError"
    assert "Metrics Insights" in message


def test_a_mistake_in_an_expression_not_returned_is_still_refused(cloudwatch_client: Any) -> None:
    queries = [*metrics(), expression("e1", "a + 1"), expression("e2", "a +", ReturnData=False)]

    code, _ = math_error(cloudwatch_client, queries)

    assert code == "ValidationError"


def test_an_expression_with_an_invalid_period_is_a_validation_error(cloudwatch_client: Any) -> None:
    code, message = math_error(cloudwatch_client, [*metrics(), expression("e1", "TIME_SERIES(1)", Period=7)])

    assert code == "ValidationError"
    assert "7" in message


def test_a_string_outside_metrics_and_search_is_a_validation_error(cloudwatch_client: Any) -> None:
    code, _ = math_error(cloudwatch_client, [*metrics(), expression("e1", "a + 'x'")])

    assert code == "ValidationError"


def test_a_number_alone_is_not_a_time_series(cloudwatch_client: Any) -> None:
    code, message = math_error(cloudwatch_client, [*metrics(), expression("e1", "1 + 2")])

    assert code == "ValidationError"
    assert "time series" in message


def test_deep_nesting_is_a_validation_error(cloudwatch_client: Any) -> None:
    code, message = math_error(cloudwatch_client, [*metrics(), expression("e1", "(" * 60 + "a" + ")" * 60)])

    assert code == "ValidationError"
    assert "nesting" in message


def test_a_long_chain_of_operations_is_a_validation_error(cloudwatch_client: Any) -> None:
    code, message = math_error(cloudwatch_client, [*metrics(), expression("e1", "a+" * 600 + "a")])

    assert code == "ValidationError"
    assert "deep" in message


def test_a_chain_of_a_hundred_metrics_is_answered(cloudwatch_client: Any, base: datetime) -> None:
    queries = [*metrics(), expression("e1", " + ".join(["a"] * 100))]

    assert only(get(cloudwatch_client, queries, base, MINUTES), base) == each_point(A, lambda v: v * 100)
