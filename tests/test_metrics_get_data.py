"""GetMetricData with MetricStat queries, as boto3 and every wire protocol see it: each query answers its series
and statistic per aligned period, computed here from the data sent; ScanBy orders, MaxDatapoints pages without
losing or repeating a datapoint, and the caller's mistakes are refused with AWS's error codes."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

import pytest
from metrics_helpers import (
    MINUTE,
    NAMESPACE,
    Sample,
    aws_error,
    by_period,
    epoch_ms,
    hour_start,
    nearest_rank,
    statistics,
)

PROTOCOLS = ["json", "query", "smithy-rpc-v2-cbor"]
SECOND = timedelta(seconds=1)

# One series: datapoint time, then its samples. Periods of 300 s: the first, second and fourth hold data, the third
# none. Values are multiples of 1/4 and counts whole, so every sum is exact whatever order it is added in.
SPREAD: list[tuple[timedelta, list[Sample]]] = [
    (10 * SECOND, [(1.0, 3.0), (2.5, 1.0), (10.0, 2.0)]),
    (5 * MINUTE - timedelta(milliseconds=1), [(0.25, 1.0)]),
    (5 * MINUTE, [(float(i), float(1 + i % 3)) for i in range(1, 101)]),
    (7 * MINUTE + 30 * SECOND, [(1000.0, 1.0)]),
    (15 * MINUTE + timedelta(milliseconds=1), [(42.0, 1.0)]),
    (19 * MINUTE, [(0.5, 2.0), (0.75, 1.0)]),
]


def put(cloudwatch: Any, *data: dict[str, Any]) -> None:
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=list(data))


def put_samples(cloudwatch: Any, metric: str, points: Iterable[tuple[datetime, list[Sample]]], **datum: Any) -> None:
    put(
        cloudwatch,
        *(
            {
                "MetricName": metric,
                "Timestamp": moment,
                "Values": [v for v, _ in samples],
                "Counts": [c for _, c in samples],
                **datum,
            }
            for moment, samples in points
        ),
    )


def put_minutes(cloudwatch: Any, metric: str, base: datetime, values: list[float]) -> None:
    """One value in each minute from ``base``, 20 seconds in."""
    put(
        cloudwatch,
        *(
            {"MetricName": metric, "Value": v, "Timestamp": base + i * MINUTE + 20 * SECOND}
            for i, v in enumerate(values)
        ),
    )


def query(
    identifier: str, metric: str = "Latency", stat: str = "Sum", period: int = 60, unit: str | None = None, **extra: Any
) -> dict[str, Any]:
    stat_spec: dict[str, Any] = {
        "Metric": {"Namespace": NAMESPACE, "MetricName": metric},
        "Period": period,
        "Stat": stat,
    }
    if unit is not None:
        stat_spec["Unit"] = unit
    return {"Id": identifier, "MetricStat": stat_spec, **extra}


def get_data(cloudwatch: Any, queries: list[dict[str, Any]], start: datetime, end: datetime, **request: Any) -> Any:
    return cloudwatch.get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=end, **request)


def points(result: dict[str, Any]) -> list[tuple[int, float]]:
    """A result's (period start in epoch milliseconds, value) pairs, in the order returned."""
    return [(epoch_ms(t), v) for t, v in zip(result["Timestamps"], result["Values"], strict=True)]


def by_id(reply: dict[str, Any]) -> dict[str, list[tuple[int, float]]]:
    return {result["Id"]: points(result) for result in reply["MetricDataResults"]}


def gathered(pages: Iterable[dict[str, Any]]) -> dict[str, list[tuple[int, float]]]:
    """Every query's datapoints over all pages, each page's part appended in turn."""
    series: dict[str, list[tuple[int, float]]] = {}
    for page in pages:
        for identifier, found in by_id(page).items():
            series.setdefault(identifier, []).extend(found)
    return series


def expected_value(stat: str, samples: list[Sample]) -> float:
    return nearest_rank(samples, stat) if stat.startswith("p") else statistics(samples)[stat]


def data_error(cloudwatch: Any, queries: list[dict[str, Any]], **request: Any) -> tuple[str, str]:
    base = hour_start()
    call = {"MetricDataQueries": queries, "StartTime": base, "EndTime": base + 10 * MINUTE, **request}
    return aws_error(lambda: cloudwatch.get_metric_data(**call))


# ---- values, periods and timestamps ------------------------------------------------------------------------------


@pytest.mark.parametrize("stat", ["SampleCount", "Average", "Sum", "Minimum", "Maximum", "p50", "p99", "p99.9"])
def test_a_metric_stat_query_gives_each_period_holding_data_its_statistic(cloudwatch_client: Any, stat: str) -> None:
    base = hour_start()
    sent = [(base + offset, samples) for offset, samples in SPREAD]
    put_samples(cloudwatch_client, "Latency", sent)

    reply = get_data(cloudwatch_client, [query("m1", stat=stat, period=300)], base, base + 20 * MINUTE)

    [result] = reply["MetricDataResults"]
    grouped = by_period(((moment, sample) for moment, samples in sent for sample in samples), 300)
    expected = sorted(((start, expected_value(stat, samples)) for start, samples in grouped.items()), reverse=True)
    assert [start - epoch_ms(base) for start, _ in expected] == [900_000, 300_000, 0]
    assert points(result) == expected
    assert result["StatusCode"] == "Complete"
    assert "NextToken" not in reply


def test_timestamps_are_multiples_of_the_period(cloudwatch_client: Any) -> None:
    base = hour_start()
    put_samples(cloudwatch_client, "Latency", [(base + offset, samples) for offset, samples in SPREAD])

    [result] = get_data(cloudwatch_client, [query("m1", period=120)], base, base + 20 * MINUTE)["MetricDataResults"]

    assert len(result["Timestamps"]) == 5
    assert all(epoch_ms(moment) % 120_000 == 0 for moment in result["Timestamps"])


def test_a_high_resolution_series_read_with_period_1_gives_one_value_per_second(cloudwatch_client: Any) -> None:
    base = hour_start()
    sent = [(0, 1.0), (250, 2.0), (999, 4.0), (1000, 8.0), (3500, 16.0), (3999, 32.0), (4000, 64.0)]
    put(
        cloudwatch_client,
        *(
            {"MetricName": "Ticks", "Value": v, "StorageResolution": 1, "Timestamp": base + timedelta(milliseconds=ms)}
            for ms, v in sent
        ),
    )

    reply = get_data(cloudwatch_client, [query("m1", metric="Ticks", period=1)], base, base + 10 * SECOND)

    start = epoch_ms(base)
    per_second = [(start + 4000, 64.0), (start + 3000, 48.0), (start + 1000, 8.0), (start, 7.0)]
    assert points(reply["MetricDataResults"][0]) == per_second


def test_data_before_a_start_time_rounded_to_the_minute_is_not_counted(cloudwatch_client: Any) -> None:
    base = hour_start()
    put_minutes(cloudwatch_client, "Latency", base, [1.0, 2.0, 4.0, 8.0, 16.0])

    reply = get_data(cloudwatch_client, [query("m1", period=300)], base + 2 * MINUTE + 34 * SECOND, base + 5 * MINUTE)

    assert sum(reply["MetricDataResults"][0]["Values"]) == 4.0 + 8.0 + 16.0


# ---- several queries, labels, ReturnData -------------------------------------------------------------------------


def test_several_queries_each_answer_their_own_series_and_statistic(cloudwatch_client: Any) -> None:
    base = hour_start()
    put_minutes(cloudwatch_client, "Latency", base, [3.0, 5.0])
    put(
        cloudwatch_client,
        *({"MetricName": "Orders", "Value": v, "Timestamp": base + 30 * SECOND} for v in (1.0, 2.0, 9.0)),
    )

    reply = get_data(
        cloudwatch_client,
        [query("latency", "Latency", "Maximum"), query("orders", "Orders", "SampleCount"), query("total", "Orders")],
        base,
        base + 5 * MINUTE,
    )

    start = epoch_ms(base)
    assert by_id(reply) == {
        "latency": [(start + 60_000, 5.0), (start, 3.0)],
        "orders": [(start, 3.0)],
        "total": [(start, 12.0)],
    }


def test_a_query_without_a_label_is_labelled_with_its_metric_name(cloudwatch_client: Any) -> None:
    base = hour_start()
    put_minutes(cloudwatch_client, "Latency", base, [1.0])

    reply = get_data(
        cloudwatch_client, [query("given", Label="Checkout latency"), query("default")], base, base + MINUTE
    )

    assert {r["Id"]: r["Label"] for r in reply["MetricDataResults"]} == {
        "given": "Checkout latency",
        "default": "Latency",
    }


def test_a_query_with_return_data_false_is_left_out_of_the_results(cloudwatch_client: Any) -> None:
    base = hour_start()
    put_minutes(cloudwatch_client, "Latency", base, [1.0, 2.0])

    reply = get_data(
        cloudwatch_client,
        [query("shown"), query("hidden", ReturnData=False), query("also", stat="Maximum", ReturnData=True)],
        base,
        base + 2 * MINUTE,
    )

    assert {result["Id"] for result in reply["MetricDataResults"]} == {"shown", "also"}


# ---- ScanBy -------------------------------------------------------------------------------------------------------


def test_scan_by_defaults_to_newest_first(cloudwatch_client: Any) -> None:
    base = hour_start()
    put_minutes(cloudwatch_client, "Latency", base, [1.0, 2.0, 4.0, 8.0])

    implicit = get_data(cloudwatch_client, [query("m1")], base, base + 4 * MINUTE)
    explicit = get_data(cloudwatch_client, [query("m1")], base, base + 4 * MINUTE, ScanBy="TimestampDescending")

    start = epoch_ms(base)
    newest_first = [(start + 180_000, 8.0), (start + 120_000, 4.0), (start + 60_000, 2.0), (start, 1.0)]
    assert by_id(implicit) == by_id(explicit) == {"m1": newest_first}


def test_scan_by_timestamp_ascending_gives_oldest_first(cloudwatch_client: Any) -> None:
    base = hour_start()
    put_minutes(cloudwatch_client, "Latency", base, [1.0, 2.0, 4.0, 8.0])

    reply = get_data(cloudwatch_client, [query("m1")], base, base + 4 * MINUTE, ScanBy="TimestampAscending")

    start = epoch_ms(base)
    assert by_id(reply) == {"m1": [(start, 1.0), (start + 60_000, 2.0), (start + 120_000, 4.0), (start + 180_000, 8.0)]}


# ---- units --------------------------------------------------------------------------------------------------------


def test_a_unit_reads_only_the_data_stored_with_that_unit(cloudwatch_client: Any) -> None:
    base = hour_start()
    put(
        cloudwatch_client,
        {"MetricName": "Latency", "Values": [1.0, 2.0], "Unit": "Seconds", "Timestamp": base},
        {"MetricName": "Latency", "Values": [500.0, 700.0, 900.0], "Unit": "Milliseconds", "Timestamp": base},
    )

    reply = get_data(
        cloudwatch_client,
        [query("s", unit="Seconds"), query("ms", unit="Milliseconds"), query("b", unit="Bytes")],
        base,
        base + MINUTE,
    )

    start = epoch_ms(base)
    assert by_id(reply) == {"s": [(start, 3.0)], "ms": [(start, 2100.0)], "b": []}


def test_without_a_unit_the_data_of_every_unit_makes_one_value_per_period(cloudwatch_client: Any) -> None:
    base = hour_start()
    put(
        cloudwatch_client,
        {"MetricName": "Latency", "Values": [1.0, 2.0], "Unit": "Seconds", "Timestamp": base},
        {"MetricName": "Latency", "Values": [500.0, 700.0, 900.0], "Unit": "Milliseconds", "Timestamp": base},
        {"MetricName": "Latency", "Value": 4.0, "Timestamp": base + MINUTE},
        {"MetricName": "Latency", "Value": 6.0, "Unit": "Count", "Timestamp": base + MINUTE},
    )

    reply = get_data(
        cloudwatch_client,
        [query("n", stat="SampleCount"), query("sum"), query("p50", stat="p50")],
        base,
        base + 2 * MINUTE,
    )

    start = epoch_ms(base)
    assert by_id(reply) == {
        "n": [(start + 60_000, 2.0), (start, 5.0)],
        "sum": [(start + 60_000, 10.0), (start, 2103.0)],
        "p50": [(start + 60_000, 4.0), (start, 500.0)],
    }


# ---- MaxDatapoints and NextToken -----------------------------------------------------------------------------------


@pytest.fixture
def two_series(cloudwatch_client: Any) -> datetime:
    """Latency in each of six minutes and Orders in each of five, from the returned base."""
    base = hour_start()
    put_minutes(cloudwatch_client, "Latency", base, [float(i + 1) for i in range(6)])
    put_minutes(cloudwatch_client, "Orders", base, [float(10 * (i + 1)) for i in range(5)])
    return base


def test_a_result_cut_by_max_datapoints_says_partial_data_and_comes_with_a_next_token(
    cloudwatch_client: Any, two_series: datetime
) -> None:
    reply = get_data(cloudwatch_client, [query("m1")], two_series, two_series + 10 * MINUTE, MaxDatapoints=4)

    [result] = reply["MetricDataResults"]
    assert result["StatusCode"] == "PartialData"
    assert len(result["Values"]) == 4
    assert reply["NextToken"]


@pytest.mark.parametrize("scan_by", ["TimestampDescending", "TimestampAscending"])
def test_next_token_resumes_where_the_page_stopped(cloudwatch_client: Any, two_series: datetime, scan_by: str) -> None:
    queries = [query("latency"), query("orders", metric="Orders")]
    window = (two_series, two_series + 10 * MINUTE)
    whole = get_data(cloudwatch_client, queries, *window, ScanBy=scan_by)

    pages, token = [], None
    while True:
        paging = {"NextToken": token} if token else {}
        page = get_data(cloudwatch_client, queries, *window, ScanBy=scan_by, MaxDatapoints=4, **paging)
        pages.append(page)
        token = page.get("NextToken")
        if token is None:
            break

    # Eleven datapoints, four a page: the first cut falls inside latency, the second inside orders.
    assert [sum(len(r["Values"]) for r in page["MetricDataResults"]) for page in pages] == [4, 4, 3]
    assert gathered(pages) == by_id(whole)
    assert [len(series) for series in by_id(whole).values()] == [6, 5]


def test_a_cut_between_two_queries_completes_the_first_and_resumes_at_the_second(
    cloudwatch_client: Any, two_series: datetime
) -> None:
    queries = [query("latency"), query("orders", metric="Orders")]
    window = (two_series, two_series + 10 * MINUTE)

    first = get_data(cloudwatch_client, queries, *window, MaxDatapoints=6)
    second = get_data(cloudwatch_client, queries, *window, MaxDatapoints=6, NextToken=first["NextToken"])

    whole = by_id(get_data(cloudwatch_client, queries, *window))
    assert [(r["Id"], r["StatusCode"]) for r in first["MetricDataResults"]] == [("latency", "Complete")]
    assert by_id(first) == {"latency": whole["latency"]}
    assert by_id(second) == {"orders": whole["orders"]}
    assert "NextToken" not in second


def test_boto3s_paginator_gathers_every_datapoint(cloudwatch_client: Any, two_series: datetime) -> None:
    queries = [query("latency"), query("orders", metric="Orders", stat="Maximum")]
    window = {"MetricDataQueries": queries, "StartTime": two_series, "EndTime": two_series + 10 * MINUTE}

    paginator = cloudwatch_client.get_paginator("get_metric_data")
    pages = list(paginator.paginate(**window, PaginationConfig={"PageSize": 3}))

    assert len(pages) == 4
    assert gathered(pages) == by_id(cloudwatch_client.get_metric_data(**window))


# ---- every wire protocol -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_get_metric_data_over_each_protocol(client_over: Callable[[str, str], Any], protocol: str) -> None:
    client = client_over("cloudwatch", protocol)
    base = hour_start()
    samples = [(float(i), 1.0) for i in range(1, 21)]
    put_samples(client, "Latency", [(base + 10 * SECOND, samples)], Unit="Milliseconds")
    put_minutes(client, "Latency", base + MINUTE, [7.0])

    reply = get_data(
        client,
        [
            query("sum", Label="Total latency"),
            query("p99", stat="p99", unit="Milliseconds"),
            query("hidden", stat="Minimum", ReturnData=False),
        ],
        base,
        base + 2 * MINUTE,
        ScanBy="TimestampAscending",
    )

    start = epoch_ms(base)
    assert by_id(reply) == {"sum": [(start, 210.0), (start + 60_000, 7.0)], "p99": [(start, 20.0)]}
    assert {r["Id"]: (r["Label"], r["StatusCode"]) for r in reply["MetricDataResults"]} == {
        "sum": ("Total latency", "Complete"),
        "p99": ("Latency", "Complete"),
    }


# ---- refusals -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("identifier", ["M1", "1m"])
def test_an_id_not_starting_with_a_lowercase_letter_is_a_validation_error(
    cloudwatch_client: Any, identifier: str
) -> None:
    code, message = data_error(cloudwatch_client, [query(identifier)])

    assert code == "ValidationError"
    assert identifier in message


def test_an_id_ending_in_a_newline_is_a_validation_error(cloudwatch_client: Any) -> None:
    code, _ = data_error(cloudwatch_client, [query("m1\n")])

    assert code == "ValidationError"


def test_a_duplicate_id_is_a_validation_error(cloudwatch_client: Any) -> None:
    code, message = data_error(cloudwatch_client, [query("m1"), query("m1", stat="Maximum")])

    assert code == "ValidationError"
    assert "m1" in message


def test_a_query_with_both_metric_stat_and_expression_is_a_validation_error(cloudwatch_client: Any) -> None:
    code, message = data_error(cloudwatch_client, [{**query("m1"), "Expression": "m2 * 2"}, query("m2")])

    assert code == "ValidationError"
    assert "MetricStat" in message
    assert "Expression" in message


def test_a_start_time_after_the_end_time_is_a_validation_error(cloudwatch_client: Any) -> None:
    base = hour_start()

    code, message = data_error(cloudwatch_client, [query("m1")], StartTime=base + MINUTE, EndTime=base)

    assert code == "ValidationError"
    assert "StartTime" in message


def test_a_period_of_7_is_refused_naming_the_period(cloudwatch_client: Any) -> None:
    _, message = data_error(cloudwatch_client, [query("m1", period=7)])

    assert "Period" in message
    assert "7" in message


def test_a_period_of_7_is_a_validation_error(cloudwatch_client: Any) -> None:
    code, _ = data_error(cloudwatch_client, [query("m1", period=7)])

    assert code == "ValidationError"


def test_an_unknown_stat_is_refused_by_name(cloudwatch_client: Any) -> None:
    _, message = data_error(cloudwatch_client, [query("m1", stat="median")])

    assert "median" in message
    assert "not a valid statistic" in message


def test_an_unknown_stat_is_a_validation_error(cloudwatch_client: Any) -> None:
    code, _ = data_error(cloudwatch_client, [query("m1", stat="TM(90%:10%)")])

    assert code == "ValidationError"


def test_a_bad_query_is_refused_even_when_its_data_is_not_returned(cloudwatch_client: Any) -> None:
    code, _ = data_error(cloudwatch_client, [query("m1"), query("m2", period=7, ReturnData=False)])

    assert code in {"ValidationError", "InvalidParameterValue"}


def test_a_bad_query_is_refused_even_when_the_page_ends_before_it(cloudwatch_client: Any) -> None:
    base = hour_start()
    put_minutes(cloudwatch_client, "Latency", base, [1.0, 2.0, 3.0])

    code, _ = data_error(cloudwatch_client, [query("m1"), query("m2", stat="p101")], MaxDatapoints=2)

    assert code in {"ValidationError", "InvalidParameterValue"}


def test_more_than_500_queries_are_a_validation_error(cloudwatch_client: Any) -> None:
    code, message = data_error(cloudwatch_client, [query(f"m{i}") for i in range(501)])

    assert code == "ValidationError"
    assert "500" in message


def test_500_queries_are_answered(cloudwatch_client: Any) -> None:
    base = hour_start()
    put_minutes(cloudwatch_client, "Latency", base, [1.0])

    reply = get_data(cloudwatch_client, [query(f"m{i}") for i in range(500)], base, base + MINUTE)

    assert len(reply["MetricDataResults"]) == 500
    assert all(result["Values"] == [1.0] for result in reply["MetricDataResults"])


def test_a_garbage_next_token_is_an_invalid_next_token(cloudwatch_client: Any) -> None:
    code, _ = data_error(cloudwatch_client, [query("m1")], NextToken="not-a-token")

    assert code == "InvalidNextToken"


@pytest.mark.parametrize("position", ["x", [0], [0, -3]], ids=["not-a-list", "one-number", "negative-offset"])
def test_a_next_token_holding_a_malformed_position_is_an_invalid_next_token(
    cloudwatch_client: Any, position: Any
) -> None:
    # Tokens are unsigned, so a caller can forge one of the right kind: here, as the paging module encodes them.
    base = hour_start()
    put_minutes(cloudwatch_client, "Latency", base, [1.0, 2.0, 3.0, 4.0])
    forged = base64.urlsafe_b64encode(json.dumps(["metric-data", position]).encode()).decode().rstrip("=")

    code, _ = data_error(cloudwatch_client, [query("m1")], NextToken=forged)

    assert code == "InvalidNextToken"


def test_a_negative_max_datapoints_is_a_validation_error(cloudwatch_client: Any) -> None:
    base = hour_start()
    put_minutes(cloudwatch_client, "Latency", base, [1.0, 2.0, 3.0])

    code, _ = data_error(cloudwatch_client, [query("m1")], MaxDatapoints=-1)

    assert code == "ValidationError"
