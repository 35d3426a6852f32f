"""CloudWatch metrics as boto3, the aws CLI and every wire protocol see them: PutMetricData stores what AWS would
store and refuses what AWS refuses (with AWS's error codes), GetMetricStatistics answers each period with the
statistics computed here from the data sent, and ListMetrics finds and pages the series."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from metrics_helpers import (
    MINUTE,
    NAMESPACE,
    aws_error,
    by_period,
    datapoints,
    epoch_ms,
    hour_start,
    nearest_rank,
    statistics,
)

from vigil.testing import VigilServer

STATISTICS = ["SampleCount", "Sum", "Average", "Minimum", "Maximum"]
PERCENTILES = ["p50", "p90", "p99", "p99.9"]
PROTOCOLS = ["json", "query", "smithy-rpc-v2-cbor"]

Aws = Callable[..., Any]


def put(cloudwatch: Any, *data: dict[str, Any], namespace: str = NAMESPACE) -> None:
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=list(data))


def stats_of(point: dict[str, Any]) -> dict[str, float]:
    return {name: point[name] for name in STATISTICS if name in point}


def series(reply: dict[str, Any]) -> set[tuple[str, str, frozenset[tuple[str, str]]]]:
    """ListMetrics' metrics as comparable values (AWS promises no order of metrics or of their dimensions)."""
    return {
        (m["Namespace"], m["MetricName"], frozenset((d["Name"], d["Value"]) for d in m["Dimensions"]))
        for m in reply["Metrics"]
    }


def dims(**pairs: str) -> list[dict[str, str]]:
    return [{"Name": name, "Value": value} for name, value in pairs.items()]


# ---- PutMetricData then GetMetricStatistics --------------------------------------------------------------


def test_value_datums_give_each_period_the_statistics_of_its_points(cloudwatch_client: Any) -> None:
    base = hour_start()
    sent = [(0, 4.0), (40, 1.5), (299, 10.0), (300, 7.0), (420, 2.25), (610, 3.0), (700, 8.0), (899, 0.5)]
    points = [(base + timedelta(seconds=second), (value, 1.0)) for second, value in sent]
    put(cloudwatch_client, *({"MetricName": "Latency", "Value": v, "Timestamp": t} for t, (v, _) in points))

    found = datapoints(cloudwatch_client, "Latency", base, base + 15 * MINUTE, 300, Statistics=STATISTICS)

    expected = {start: statistics(samples) for start, samples in by_period(points, 300).items()}
    assert len(expected) == 3
    assert {epoch_ms(point["Timestamp"]): stats_of(point) for point in found} == expected


def test_each_datapoint_starts_on_a_multiple_of_the_period_and_holds_exactly_its_points(
    cloudwatch_client: Any,
) -> None:
    base = hour_start()
    # The first and last millisecond of each period, so a point one millisecond off would land in a neighbour.
    offsets_ms = [0, 299_999, 300_000, 599_999, 600_000, 600_001, 899_999]
    points = [(base + timedelta(milliseconds=ms), (float(i + 1), 1.0)) for i, ms in enumerate(offsets_ms)]
    put(cloudwatch_client, *({"MetricName": "Latency", "Value": v, "Timestamp": t} for t, (v, _) in points))

    found = datapoints(cloudwatch_client, "Latency", base, base + 15 * MINUTE, 300, Statistics=["SampleCount", "Sum"])

    assert all(epoch_ms(point["Timestamp"]) % 300_000 == 0 for point in found)
    expected = {
        start: {"SampleCount": float(len(samples)), "Sum": sum(v for v, _ in samples)}
        for start, samples in by_period(points, 300).items()
    }
    assert {epoch_ms(point["Timestamp"]): stats_of(point) for point in found} == expected
    assert [point["SampleCount"] for point in found] == [2.0, 2.0, 3.0]


def test_start_time_is_inclusive_and_end_time_exclusive(cloudwatch_client: Any) -> None:
    base = hour_start()
    put(
        cloudwatch_client,
        {"MetricName": "Latency", "Value": 1.0, "Timestamp": base - timedelta(milliseconds=1)},
        {"MetricName": "Latency", "Value": 2.0, "Timestamp": base},
        {"MetricName": "Latency", "Value": 4.0, "Timestamp": base + 2 * MINUTE - timedelta(milliseconds=1)},
        {"MetricName": "Latency", "Value": 8.0, "Timestamp": base + 2 * MINUTE},
    )

    found = datapoints(cloudwatch_client, "Latency", base, base + 2 * MINUTE, 120, Statistics=["Sum"])

    assert [point["Sum"] for point in found] == [6.0]


def test_an_unaligned_start_time_is_rounded_down_to_the_minute(cloudwatch_client: Any) -> None:
    base = hour_start()
    put(cloudwatch_client, {"MetricName": "Latency", "Value": 3.0, "Timestamp": base + timedelta(seconds=10)})

    found = datapoints(
        cloudwatch_client, "Latency", base + timedelta(seconds=30), base + MINUTE, 60, Statistics=["Sum"]
    )

    assert [(point["Timestamp"], point["Sum"]) for point in found] == [(base, 3.0)]


def test_values_with_counts_weigh_each_value_by_its_count(cloudwatch_client: Any) -> None:
    base = hour_start()
    values, counts = [1.0, 2.5, 10.0, 0.25], [3.0, 1.0, 2.0, 4.0]
    put(cloudwatch_client, {"MetricName": "Latency", "Values": values, "Counts": counts, "Timestamp": base})

    [point] = datapoints(cloudwatch_client, "Latency", base, base + MINUTE, 60, Statistics=STATISTICS)

    assert stats_of(point) == statistics(zip(values, counts, strict=True))
    assert (point["SampleCount"], point["Sum"]) == (10.0, 26.5)


def test_values_without_counts_count_once_each(cloudwatch_client: Any) -> None:
    base = hour_start()
    values = [5.0, 1.0, 3.5]
    put(cloudwatch_client, {"MetricName": "Latency", "Values": values, "Timestamp": base})

    [point] = datapoints(cloudwatch_client, "Latency", base, base + MINUTE, 60, Statistics=STATISTICS)

    assert stats_of(point) == statistics((v, 1.0) for v in values)


def test_a_statistic_set_merges_into_its_periods_statistics(cloudwatch_client: Any) -> None:
    base = hour_start()
    statistic_set = {"SampleCount": 4.0, "Sum": 30.0, "Minimum": 0.5, "Maximum": 20.0}
    put(
        cloudwatch_client,
        {"MetricName": "Latency", "StatisticValues": statistic_set, "Timestamp": base},
        {"MetricName": "Latency", "Value": 6.0, "Timestamp": base + timedelta(seconds=10)},
    )

    [point] = datapoints(cloudwatch_client, "Latency", base, base + MINUTE, 60, Statistics=STATISTICS)

    assert stats_of(point) == statistics([(6.0, 1.0)], [statistic_set])
    assert stats_of(point) == {"SampleCount": 5.0, "Sum": 36.0, "Average": 7.2, "Minimum": 0.5, "Maximum": 20.0}


def test_percentiles_are_nearest_rank_over_values_weighted_by_counts(cloudwatch_client: Any) -> None:
    base = hour_start()
    # Two periods of 120 distinct values each (the second in shuffled order), weighted 1 to 7.
    periods = {
        base: [(i * 0.5, float(1 + i % 7)) for i in range(1, 121)],
        base + MINUTE: [((i * 37) % 120 + 0.25, float(1 + (i * 3) % 7)) for i in range(120)],
    }
    put(
        cloudwatch_client,
        *(
            {
                "MetricName": "Latency",
                "Values": [v for v, _ in samples],
                "Counts": [c for _, c in samples],
                "Timestamp": t,
            }
            for t, samples in periods.items()
        ),
    )

    found = datapoints(cloudwatch_client, "Latency", base, base + 2 * MINUTE, 60, ExtendedStatistics=PERCENTILES)

    assert [point["ExtendedStatistics"] for point in found] == [
        {name: nearest_rank(samples, name) for name in PERCENTILES} for samples in periods.values()
    ]


@pytest.mark.parametrize(
    ("name", "below"),
    [
        ("p50", 500),
        ("p90", 900),
        ("p99", 990),
        pytest.param("p99.9", 999),
    ],
)
def test_a_percentile_whose_rank_is_a_whole_number_is_the_value_at_that_rank(
    cloudwatch_client: Any, name: str, below: int
) -> None:
    # 1,000 samples: ``below`` of them 1.0, the rest 2.0. The rank p% of 1,000 is exactly ``below``: a 1.0.
    base = hour_start()
    samples = [(1.0, float(below)), (2.0, float(1000 - below))]
    put(
        cloudwatch_client,
        {"MetricName": "Latency", "Values": [1.0, 2.0], "Counts": [s[1] for s in samples], "Timestamp": base},
    )

    [point] = datapoints(cloudwatch_client, "Latency", base, base + MINUTE, 60, ExtendedStatistics=[name])

    assert nearest_rank(samples, name) == 1.0
    assert point["ExtendedStatistics"] == {name: 1.0}


def test_a_spread_statistic_set_counts_toward_sum_and_sample_count_but_not_percentiles(
    cloudwatch_client: Any,
) -> None:
    base = hour_start()
    raw = [(1.0, 1.0), (2.0, 1.0), (3.0, 1.0), (4.0, 1.0)]
    spread = {"SampleCount": 10.0, "Sum": 100.0, "Minimum": 5.0, "Maximum": 15.0}
    put(
        cloudwatch_client,
        {"MetricName": "Latency", "Values": [v for v, _ in raw], "Timestamp": base},
        {"MetricName": "Latency", "StatisticValues": spread, "Timestamp": base},
    )

    [point] = datapoints(cloudwatch_client, "Latency", base, base + MINUTE, 60, Statistics=STATISTICS)
    [ranked] = datapoints(cloudwatch_client, "Latency", base, base + MINUTE, 60, ExtendedStatistics=["p50", "p100"])

    assert stats_of(point) == statistics(raw, [spread])
    assert ranked["ExtendedStatistics"] == {"p50": nearest_rank(raw, "p50"), "p100": 4.0}


def test_a_statistic_set_whose_minimum_equals_its_maximum_counts_in_percentiles(cloudwatch_client: Any) -> None:
    base = hour_start()
    flat = {"SampleCount": 5.0, "Sum": 50.0, "Minimum": 10.0, "Maximum": 10.0}
    put(
        cloudwatch_client,
        {"MetricName": "Latency", "Values": [1.0, 2.0, 3.0], "Timestamp": base},
        {"MetricName": "Latency", "StatisticValues": flat, "Timestamp": base},
    )

    [point] = datapoints(cloudwatch_client, "Latency", base, base + MINUTE, 60, ExtendedStatistics=["p50"])

    samples = [(1.0, 1.0), (2.0, 1.0), (3.0, 1.0), (10.0, 5.0)]
    assert point["ExtendedStatistics"] == {"p50": nearest_rank(samples, "p50")} == {"p50": 10.0}


def test_datapoints_carry_the_unit_the_data_was_put_with(cloudwatch_client: Any) -> None:
    base = hour_start()
    put(cloudwatch_client, {"MetricName": "Latency", "Value": 12.0, "Unit": "Milliseconds", "Timestamp": base})

    [point] = datapoints(cloudwatch_client, "Latency", base, base + MINUTE, 60, Statistics=["Sum"])

    assert point["Unit"] == "Milliseconds"


def test_data_put_without_a_unit_has_unit_none(cloudwatch_client: Any) -> None:
    base = hour_start()
    put(cloudwatch_client, {"MetricName": "Latency", "Value": 12.0, "Timestamp": base})

    [point] = datapoints(cloudwatch_client, "Latency", base, base + MINUTE, 60, Statistics=["Sum"])

    assert point["Unit"] == "None"


def test_a_unit_filter_reads_only_the_data_put_with_that_unit(cloudwatch_client: Any) -> None:
    base = hour_start()
    put(
        cloudwatch_client,
        {"MetricName": "Latency", "Values": [1.0, 2.0], "Unit": "Seconds", "Timestamp": base},
        {"MetricName": "Latency", "Values": [500.0, 700.0, 900.0], "Unit": "Milliseconds", "Timestamp": base},
    )

    def read(unit: str) -> list[tuple[float, float, str]]:
        found = datapoints(
            cloudwatch_client, "Latency", base, base + MINUTE, 60, Statistics=["SampleCount", "Sum"], Unit=unit
        )
        return [(point["SampleCount"], point["Sum"], point["Unit"]) for point in found]

    assert read("Seconds") == [(2.0, 3.0, "Seconds")]
    assert read("Milliseconds") == [(3.0, 2100.0, "Milliseconds")]
    assert read("Bytes") == []


def test_without_a_unit_filter_the_data_of_each_unit_comes_back_with_its_own_unit(cloudwatch_client: Any) -> None:
    base = hour_start()
    put(
        cloudwatch_client,
        {"MetricName": "Latency", "Values": [1.0, 2.0], "Unit": "Seconds", "Timestamp": base},
        {"MetricName": "Latency", "Values": [500.0, 700.0, 900.0], "Unit": "Milliseconds", "Timestamp": base},
    )

    found = datapoints(cloudwatch_client, "Latency", base, base + MINUTE, 60, Statistics=["SampleCount", "Sum"])

    assert sorted((point["Unit"], point["SampleCount"], point["Sum"]) for point in found) == [
        ("Milliseconds", 3.0, 2100.0),
        ("Seconds", 2.0, 3.0),
    ]


def test_the_same_dimensions_in_another_order_are_the_same_series(cloudwatch_client: Any) -> None:
    base = hour_start()
    forward = [{"Name": "Shop", "Value": "north"}, {"Name": "Region", "Value": "eu"}]
    put(
        cloudwatch_client,
        {"MetricName": "Orders", "Dimensions": forward, "Value": 2.0, "Timestamp": base},
        {"MetricName": "Orders", "Dimensions": forward[::-1], "Value": 5.0, "Timestamp": base},
    )

    for order in (forward, forward[::-1]):
        found = datapoints(cloudwatch_client, "Orders", base, base + MINUTE, 60, Statistics=["Sum"], Dimensions=order)
        assert [point["Sum"] for point in found] == [7.0]
    assert len(cloudwatch_client.list_metrics(Namespace=NAMESPACE)["Metrics"]) == 1


def test_another_set_of_dimensions_is_another_series(cloudwatch_client: Any) -> None:
    base = hour_start()
    put(
        cloudwatch_client,
        {"MetricName": "Orders", "Dimensions": dims(Shop="north"), "Value": 2.0, "Timestamp": base},
        {"MetricName": "Orders", "Dimensions": dims(Shop="north", Region="eu"), "Value": 5.0, "Timestamp": base},
        {"MetricName": "Orders", "Dimensions": dims(Shop="south"), "Value": 11.0, "Timestamp": base},
        {"MetricName": "Orders", "Value": 17.0, "Timestamp": base},
    )

    def total(**pairs: str) -> list[float]:
        found = datapoints(
            cloudwatch_client, "Orders", base, base + MINUTE, 60, Statistics=["Sum"], Dimensions=dims(**pairs)
        )
        return [point["Sum"] for point in found]

    assert (total(Shop="north"), total(Shop="north", Region="eu"), total(Shop="south"), total()) == (
        [2.0],
        [5.0],
        [11.0],
        [17.0],
    )
    assert total(Region="eu") == []


def test_a_datum_without_a_timestamp_is_stamped_with_the_time_of_the_call(cloudwatch_client: Any) -> None:
    before = datetime.now(UTC)
    put(cloudwatch_client, {"MetricName": "Orders", "Value": 3.0})
    after = datetime.now(UTC)

    found = datapoints(
        cloudwatch_client, "Orders", before - 2 * MINUTE, after + 2 * MINUTE, 1, Statistics=["SampleCount"]
    )

    [point] = found
    assert epoch_ms(before) // 1000 * 1000 <= epoch_ms(point["Timestamp"]) <= epoch_ms(after)


def test_high_resolution_data_is_read_second_by_second(cloudwatch_client: Any) -> None:
    base = hour_start()
    sent = [(0, 1.0), (250, 2.0), (1_500, 4.0), (2_999, 8.0), (2_000, 16.0)]
    points = [(base + timedelta(milliseconds=ms), (v, 1.0)) for ms, v in sent]
    put(
        cloudwatch_client,
        *({"MetricName": "Latency", "Value": v, "Timestamp": t, "StorageResolution": 1} for t, (v, _) in points),
    )

    found = datapoints(cloudwatch_client, "Latency", base, base + MINUTE, 1, Statistics=STATISTICS)

    expected = {start: statistics(samples) for start, samples in by_period(points, 1).items()}
    assert {epoch_ms(point["Timestamp"]): stats_of(point) for point in found} == expected
    assert len(found) == 3


# ---- every wire protocol ------------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_put_and_read_back_statistics_over_each_protocol(client_over: Callable[[str, str], Any], protocol: str) -> None:
    client = client_over("cloudwatch", protocol)
    base = hour_start()
    where = dims(Shop="north", Region="eu")
    values, counts = [3.0, 1.0, 2.0], [2.0, 5.0, 1.0]
    statistic_set = {"SampleCount": 2.0, "Sum": 20.0, "Minimum": 10.0, "Maximum": 10.0}
    common = {"MetricName": "Latency", "Dimensions": where, "Unit": "Milliseconds"}
    put(
        client,
        {**common, "Value": 0.5, "Timestamp": base + timedelta(seconds=1)},
        {**common, "Values": values, "Counts": counts, "Timestamp": base + timedelta(seconds=30)},
        {**common, "StatisticValues": statistic_set, "Timestamp": base + timedelta(milliseconds=59_999)},
        {**common, "Value": 100.0, "Timestamp": base + MINUTE},
    )

    window = {"Dimensions": where[::-1], "Unit": "Milliseconds"}
    found = datapoints(client, "Latency", base, base + 2 * MINUTE, 60, Statistics=STATISTICS, **window)
    ranked = datapoints(client, "Latency", base, base + 2 * MINUTE, 60, ExtendedStatistics=PERCENTILES, **window)

    samples = [(0.5, 1.0), *zip(values, counts, strict=True), (10.0, 2.0)]
    assert [(stats_of(p), p["Unit"]) for p in found] == [
        (statistics(samples), "Milliseconds"),
        (statistics([(100.0, 1.0)]), "Milliseconds"),
    ]
    assert [p["ExtendedStatistics"] for p in ranked] == [
        {name: nearest_rank(samples, name) for name in PERCENTILES},
        {name: 100.0 for name in PERCENTILES},
    ]


@pytest.mark.parametrize("protocol", ["json", "query", pytest.param("smithy-rpc-v2-cbor", marks=())])
def test_datapoint_timestamps_are_timestamps_over_each_protocol(
    client_over: Callable[[str, str], Any], protocol: str
) -> None:
    client = client_over("cloudwatch", protocol)
    base = hour_start()
    put(client, {"MetricName": "Orders", "Value": 1.0, "Timestamp": base + timedelta(seconds=30)})

    [point] = datapoints(client, "Orders", base, base + MINUTE, 60, Statistics=["Sum"])

    assert point["Timestamp"] == base


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_list_metrics_over_each_protocol(client_over: Callable[[str, str], Any], protocol: str) -> None:
    client = client_over("cloudwatch", protocol)
    put(
        client,
        {"MetricName": "Orders", "Dimensions": dims(Shop="north", Region="eu"), "Value": 1.0},
        {"MetricName": "Orders", "Dimensions": dims(Shop="south"), "Value": 1.0},
        {"MetricName": "Visits", "Value": 1.0},
    )

    reply = client.list_metrics(Namespace=NAMESPACE, Dimensions=[{"Name": "Shop"}])

    assert series(reply) == {
        (NAMESPACE, "Orders", frozenset({("Shop", "north"), ("Region", "eu")})),
        (NAMESPACE, "Orders", frozenset({("Shop", "south")})),
    }


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_error_keeps_its_aws_code_over_each_protocol(client_over: Callable[[str, str], Any], protocol: str) -> None:
    client = client_over("cloudwatch", protocol)
    datum = {"MetricName": "Orders", "Value": 1.0, "Values": [1.0]}

    code, _ = aws_error(lambda: put(client, datum))

    assert code == "InvalidParameterCombination"


# ---- PutMetricData's refusals -------------------------------------------------------------------------------


def test_value_and_values_together_are_an_invalid_combination(cloudwatch_client: Any) -> None:
    code, message = aws_error(
        lambda: put(cloudwatch_client, {"MetricName": "Orders", "Value": 1.0, "Values": [1.0, 2.0]})
    )

    assert code == "InvalidParameterCombination"
    assert "MetricData.member.1.Value" in message


def test_values_and_counts_of_different_sizes_are_an_invalid_combination(cloudwatch_client: Any) -> None:
    datum = {"MetricName": "Orders", "Values": [1.0, 2.0, 3.0], "Counts": [1.0, 2.0]}

    code, message = aws_error(lambda: put(cloudwatch_client, datum))

    assert code == "InvalidParameterCombination"
    assert "MetricData.member.1.Counts" in message


def test_more_than_150_values_in_a_datum_are_an_invalid_value(cloudwatch_client: Any) -> None:
    datum = {"MetricName": "Orders", "Values": [float(i) for i in range(151)]}

    assert aws_error(lambda: put(cloudwatch_client, datum)) == (
        "InvalidParameterValue",
        "The collection MetricData.member.1.Values must not have a size greater than 150.",
    )


@pytest.mark.parametrize(
    "datum",
    [
        {"Value": 2.0**361},
        {"Value": -(2.0**361)},
        {"Values": [1.0, 2.0**361]},
        {"StatisticValues": {"SampleCount": 1.0, "Sum": 2.0**361, "Minimum": 1.0, "Maximum": 2.0}},
    ],
    ids=["value", "negative-value", "values", "statistic-sum"],
)
def test_a_value_beyond_2_to_the_360_is_an_invalid_value(cloudwatch_client: Any, datum: dict[str, Any]) -> None:
    code, _ = aws_error(lambda: put(cloudwatch_client, {"MetricName": "Orders", **datum}))

    assert code == "InvalidParameterValue"


def test_a_value_of_exactly_2_to_the_360_is_stored(cloudwatch_client: Any) -> None:
    base = hour_start()
    put(cloudwatch_client, {"MetricName": "Huge", "Value": 2.0**360, "Timestamp": base})

    [point] = datapoints(cloudwatch_client, "Huge", base, base + MINUTE, 60, Statistics=["Maximum"])

    assert point["Maximum"] == 2.0**360


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
def test_nan_and_infinity_sent_over_cbor_are_invalid_values(
    client_over: Callable[[str, str], Any], value: float
) -> None:
    # JSON cannot carry them, CBOR can: boto3 sends them as CBOR floats.
    client = client_over("cloudwatch", "smithy-rpc-v2-cbor")

    code, _ = aws_error(lambda: put(client, {"MetricName": "Orders", "Value": value}))

    assert code == "InvalidParameterValue"


def test_a_timestamp_three_weeks_old_is_an_invalid_value(cloudwatch_client: Any) -> None:
    old = datetime.now(UTC) - timedelta(weeks=3)

    code, message = aws_error(lambda: put(cloudwatch_client, {"MetricName": "Orders", "Value": 1.0, "Timestamp": old}))

    assert code == "InvalidParameterValue"
    assert "MetricData.member.1.Timestamp" in message


def test_a_timestamp_three_hours_ahead_is_an_invalid_value(cloudwatch_client: Any) -> None:
    ahead = datetime.now(UTC) + timedelta(hours=3)

    code, _ = aws_error(lambda: put(cloudwatch_client, {"MetricName": "Orders", "Value": 1.0, "Timestamp": ahead}))

    assert code == "InvalidParameterValue"


def test_a_storage_resolution_of_5_is_an_invalid_value(cloudwatch_client: Any) -> None:
    code, message = aws_error(
        lambda: put(cloudwatch_client, {"MetricName": "Orders", "Value": 1.0, "StorageResolution": 5})
    )

    assert code == "InvalidParameterValue"
    assert "StorageResolution" in message


def test_a_namespace_starting_with_aws_is_an_invalid_value(cloudwatch_client: Any) -> None:
    code, message = aws_error(
        lambda: put(cloudwatch_client, {"MetricName": "Orders", "Value": 1.0}, namespace="AWS/EC2")
    )

    assert code == "InvalidParameterValue"
    assert "AWS/EC2" in message


def test_more_than_1000_datums_are_an_invalid_value(cloudwatch_client: Any) -> None:
    data = [{"MetricName": "Orders", "Value": float(i)} for i in range(1001)]

    code, message = aws_error(lambda: put(cloudwatch_client, *data))

    assert code == "InvalidParameterValue"
    assert "1000" in message


def test_duplicate_dimension_names_are_an_invalid_value(cloudwatch_client: Any) -> None:
    twice = [{"Name": "Shop", "Value": "north"}, {"Name": "Shop", "Value": "south"}]

    code, _ = aws_error(lambda: put(cloudwatch_client, {"MetricName": "Orders", "Dimensions": twice, "Value": 1.0}))

    assert code == "InvalidParameterValue"


def test_a_refused_request_stores_none_of_its_datums(cloudwatch_client: Any) -> None:
    base = hour_start()
    good = {"MetricName": "Orders", "Value": 1.0, "Timestamp": base}
    bad = {"MetricName": "Orders", "Value": 1.0, "StorageResolution": 5, "Timestamp": base}

    aws_error(lambda: put(cloudwatch_client, good, bad))

    assert datapoints(cloudwatch_client, "Orders", base, base + MINUTE, 60, Statistics=["SampleCount"]) == []
    assert cloudwatch_client.list_metrics()["Metrics"] == []


# ---- GetMetricStatistics' refusals --------------------------------------------------------------------------


def _statistics_error(cloudwatch: Any, **request: Any) -> tuple[str, str]:
    base = hour_start()
    call = {"Namespace": NAMESPACE, "MetricName": "Orders", "StartTime": base, "EndTime": base + MINUTE, "Period": 60}
    return aws_error(lambda: cloudwatch.get_metric_statistics(**{**call, **request}))


def test_statistics_need_statistics_or_extended_statistics(cloudwatch_client: Any) -> None:
    code, _ = _statistics_error(cloudwatch_client)

    assert code == "InvalidParameterCombination"


def test_statistics_and_extended_statistics_together_are_an_invalid_combination(cloudwatch_client: Any) -> None:
    code, _ = _statistics_error(cloudwatch_client, Statistics=["Sum"], ExtendedStatistics=["p99"])

    assert code == "InvalidParameterCombination"


@pytest.mark.parametrize("period", [7, 90])
def test_a_period_that_is_not_1_5_10_20_30_or_a_multiple_of_60_is_an_invalid_value(
    cloudwatch_client: Any, period: int
) -> None:
    code, message = _statistics_error(cloudwatch_client, Statistics=["Sum"], Period=period)

    assert code == "InvalidParameterValue"
    assert "Period" in message


def test_the_high_resolution_periods_and_multiples_of_60_are_accepted(cloudwatch_client: Any) -> None:
    base = hour_start()
    for period in (1, 5, 10, 20, 30, 60, 120, 3600):
        found = datapoints(cloudwatch_client, "Orders", base, base + MINUTE, period, Statistics=["Sum"])
        assert found == []


def test_a_start_time_after_the_end_time_is_an_invalid_value(cloudwatch_client: Any) -> None:
    base = hour_start()

    code, message = _statistics_error(cloudwatch_client, Statistics=["Sum"], StartTime=base + MINUTE, EndTime=base)

    assert code == "InvalidParameterValue"
    assert "StartTime" in message


def test_more_than_1440_datapoints_are_an_invalid_combination_naming_the_number(cloudwatch_client: Any) -> None:
    base = hour_start()

    code, message = _statistics_error(cloudwatch_client, Statistics=["Sum"], EndTime=base + 1441 * MINUTE)

    assert code == "InvalidParameterCombination"
    assert "1,441" in message
    assert "1,440" in message


def test_the_datapoint_cap_counts_from_the_rounded_start_time(cloudwatch_client: Any) -> None:
    start = hour_start() + timedelta(seconds=30)

    code, message = _statistics_error(
        cloudwatch_client, Statistics=["Sum"], StartTime=start, EndTime=start + 1440 * MINUTE
    )

    assert code == "InvalidParameterCombination"
    assert "1,441" in message


def test_exactly_1440_datapoints_are_allowed(cloudwatch_client: Any) -> None:
    base = hour_start()

    assert datapoints(cloudwatch_client, "Orders", base, base + 1440 * MINUTE, 60, Statistics=["Sum"]) == []


@pytest.mark.parametrize("name", ["p101", "tm", "TM(50%:10%)", "TM(10%:200)", "PR(10%:20%)", "PR(:)", "iqm"])
def test_a_malformed_extended_statistic_is_refused_by_name(cloudwatch_client: Any, name: str) -> None:
    code, message = _statistics_error(cloudwatch_client, ExtendedStatistics=[name])

    assert code == "InvalidParameterValue"
    assert name in message


# ---- ListMetrics ------------------------------------------------------------------------------------------


@pytest.fixture
def shop_metrics(cloudwatch_client: Any) -> Any:
    """Series in two namespaces: Orders by shop (one also by region), Visits by shop, and Signups alone."""
    put(
        cloudwatch_client,
        {"MetricName": "Orders", "Dimensions": dims(Shop="north"), "Value": 1.0},
        {"MetricName": "Orders", "Dimensions": dims(Shop="south", Region="eu"), "Value": 1.0},
        {"MetricName": "Visits", "Dimensions": dims(Shop="north"), "Value": 1.0},
        {"MetricName": "Visits", "Dimensions": dims(Region="eu"), "Value": 1.0},
    )
    put(cloudwatch_client, {"MetricName": "Signups", "Value": 1.0}, namespace="Accounts")
    return cloudwatch_client


def test_list_metrics_by_namespace(shop_metrics: Any) -> None:
    assert series(shop_metrics.list_metrics(Namespace="Accounts")) == {("Accounts", "Signups", frozenset())}
    assert len(shop_metrics.list_metrics(Namespace=NAMESPACE)["Metrics"]) == 4
    assert len(shop_metrics.list_metrics()["Metrics"]) == 5


def test_list_metrics_by_metric_name(shop_metrics: Any) -> None:
    assert series(shop_metrics.list_metrics(MetricName="Orders")) == {
        (NAMESPACE, "Orders", frozenset({("Shop", "north")})),
        (NAMESPACE, "Orders", frozenset({("Shop", "south"), ("Region", "eu")})),
    }


def test_list_metrics_by_dimension_name_and_value(shop_metrics: Any) -> None:
    assert series(shop_metrics.list_metrics(Dimensions=[{"Name": "Shop", "Value": "north"}])) == {
        (NAMESPACE, "Orders", frozenset({("Shop", "north")})),
        (NAMESPACE, "Visits", frozenset({("Shop", "north")})),
    }


def test_list_metrics_by_dimension_name_alone_finds_every_value(shop_metrics: Any) -> None:
    assert series(shop_metrics.list_metrics(Dimensions=[{"Name": "Region"}])) == {
        (NAMESPACE, "Orders", frozenset({("Shop", "south"), ("Region", "eu")})),
        (NAMESPACE, "Visits", frozenset({("Region", "eu")})),
    }


def test_list_metrics_by_several_dimensions_needs_all_of_them(shop_metrics: Any) -> None:
    found = shop_metrics.list_metrics(Dimensions=[{"Name": "Region", "Value": "eu"}, {"Name": "Shop"}])

    assert series(found) == {(NAMESPACE, "Orders", frozenset({("Shop", "south"), ("Region", "eu")}))}


def test_list_metrics_pages_500_series_at_a_time(cloudwatch_client: Any) -> None:
    # Two requests of 1,000 datums; their hosts overlap by 500, so 1,500 series in all.
    for first in (0, 500):
        put(
            cloudwatch_client,
            *(
                {"MetricName": "Requests", "Dimensions": dims(Host=f"h{i:04}"), "Value": 1.0}
                for i in range(first, first + 1000)
            ),
        )

    pages, token = [], None
    while True:
        reply = cloudwatch_client.list_metrics(Namespace=NAMESPACE, **({"NextToken": token} if token else {}))
        pages.append(reply["Metrics"])
        token = reply.get("NextToken")
        if token is None:
            break

    assert [len(page) for page in pages[:3]] == [500, 500, 500]
    assert all(page == [] for page in pages[3:])
    hosts = [m["Dimensions"][0]["Value"] for page in pages for m in page]
    assert sorted(hosts) == [f"h{i:04}" for i in range(1500)]


def test_a_bad_next_token_is_an_invalid_value(cloudwatch_client: Any) -> None:
    # ListMetrics models no InvalidNextToken error, only InvalidParameterValue.
    code, _ = aws_error(lambda: cloudwatch_client.list_metrics(NextToken="not-a-token"))

    assert code == "InvalidParameterValue"


def test_recently_active_other_than_pt3h_breaks_the_models_enum(cloudwatch_client: Any) -> None:
    code, message = aws_error(lambda: cloudwatch_client.list_metrics(RecentlyActive="PT1H"))

    assert code == "ValidationError"
    assert "PT3H" in message


def test_recently_active_lists_only_series_put_to_in_the_last_three_hours(tmp_path: Path) -> None:
    with VigilServer("--data-dir", str(tmp_path)) as server:
        put(server.client("cloudwatch"), {"MetricName": "Stale", "Value": 1.0}, {"MetricName": "Fresh", "Value": 1.0})
    # No clock to wind on, so the stopped server's database is made to remember Stale's last put four hours back.
    with duckdb.connect(str(tmp_path / "vigil.duckdb")) as database:
        database.execute("UPDATE metric_series SET last_put = last_put - 4 * 3600 * 1000 WHERE metric_name = 'Stale'")

    with VigilServer("--data-dir", str(tmp_path)) as server:
        cloudwatch = server.client("cloudwatch")
        recent = cloudwatch.list_metrics(RecentlyActive="PT3H")
        everything = cloudwatch.list_metrics()

    assert [m["MetricName"] for m in recent["Metrics"]] == ["Fresh"]
    assert {m["MetricName"] for m in everything["Metrics"]} == {"Stale", "Fresh"}


# ---- the unmodified aws CLI ---------------------------------------------------------------------------------


def test_cli_put_metric_data_stores_a_datapoint(aws: Aws, cloudwatch_client: Any) -> None:
    before = datetime.now(UTC)

    output = aws(
        "cloudwatch",
        "put-metric-data",
        "--namespace",
        "Shop",
        "--metric-name",
        "Orders",
        "--value",
        "3",
        "--unit",
        "Count",
    )

    assert output is None
    found = datapoints(
        cloudwatch_client,
        "Orders",
        before - 2 * MINUTE,
        datetime.now(UTC) + MINUTE,
        60,
        Statistics=["SampleCount", "Sum"],
    )
    assert [(point["SampleCount"], point["Sum"], point["Unit"]) for point in found] == [(1.0, 3.0, "Count")]
    assert series(cloudwatch_client.list_metrics()) == {("Shop", "Orders", frozenset())}


def test_cli_get_metric_statistics_prints_each_periods_statistics(aws: Aws, cloudwatch_client: Any) -> None:
    base = hour_start()
    where = dims(Shop="north")
    put(
        cloudwatch_client,
        {
            "MetricName": "Orders",
            "Dimensions": where,
            "Values": [1.0, 4.0],
            "Counts": [2.0, 1.0],
            "Unit": "Count",
            "Timestamp": base,
        },
        {"MetricName": "Orders", "Dimensions": where, "Value": 10.0, "Unit": "Count", "Timestamp": base + MINUTE},
    )

    output = aws(
        "cloudwatch", "get-metric-statistics", "--namespace", "Shop", "--metric-name", "Orders",
        "--dimensions", "Name=Shop,Value=north", "--start-time", base.isoformat(),
        "--end-time", (base + 2 * MINUTE).isoformat(), "--period", "60",
        "--statistics", "Sum", "Maximum", "SampleCount",
    )  # fmt: skip

    assert output["Label"] == "Orders"
    printed = sorted(output["Datapoints"], key=lambda point: point.pop("Timestamp"))
    assert printed == [
        {"SampleCount": 3.0, "Sum": 6.0, "Maximum": 4.0, "Unit": "Count"},
        {"SampleCount": 1.0, "Sum": 10.0, "Maximum": 10.0, "Unit": "Count"},
    ]


def test_cli_get_metric_statistics_prints_datapoint_timestamps_as_the_wire_carries_them(
    aws: Aws, cloudwatch_client: Any
) -> None:
    # aws-cli v1 speaks awsJson 1.0 to CloudWatch and, with its default cli_timestamp_format (none), prints
    # timestamps as received: epoch seconds, as it does against AWS.
    base = hour_start()
    put(cloudwatch_client, {"MetricName": "Orders", "Value": 1.0, "Unit": "Count", "Timestamp": base})

    output = aws(
        "cloudwatch", "get-metric-statistics", "--namespace", "Shop", "--metric-name", "Orders",
        "--start-time", base.isoformat(), "--end-time", (base + MINUTE).isoformat(), "--period", "60",
        "--statistics", "Sum",
    )  # fmt: skip

    [point] = output["Datapoints"]
    assert point["Timestamp"] == base.timestamp()


def test_cli_get_metric_statistics_prints_percentiles(aws: Aws, cloudwatch_client: Any) -> None:
    base = hour_start()
    values, counts = [float(v) for v in range(1, 101)], [float(1 + v % 3) for v in range(1, 101)]
    put(cloudwatch_client, {"MetricName": "Latency", "Values": values, "Counts": counts, "Timestamp": base})

    output = aws(
        "cloudwatch", "get-metric-statistics", "--namespace", "Shop", "--metric-name", "Latency",
        "--start-time", base.isoformat(), "--end-time", (base + MINUTE).isoformat(), "--period", "60",
        "--extended-statistics", *PERCENTILES,
    )  # fmt: skip

    samples = list(zip(values, counts, strict=True))
    [point] = output["Datapoints"]
    assert point["ExtendedStatistics"] == {name: nearest_rank(samples, name) for name in PERCENTILES}


# ---- durability ---------------------------------------------------------------------------------------------


def test_metrics_survive_a_server_restart(tmp_path: Path) -> None:
    base = hour_start()
    where = dims(Shop="north")
    with VigilServer("--data-dir", str(tmp_path)) as server:
        put(
            server.client("cloudwatch"),
            {
                "MetricName": "Orders",
                "Dimensions": where,
                "Values": [1.0, 5.0],
                "Counts": [3.0, 1.0],
                "Unit": "Count",
                "Timestamp": base,
            },
        )

    with VigilServer("--data-dir", str(tmp_path)) as server:
        cloudwatch = server.client("cloudwatch")
        [point] = datapoints(cloudwatch, "Orders", base, base + MINUTE, 60, Statistics=STATISTICS, Dimensions=where)
        listed = series(cloudwatch.list_metrics())

    assert (stats_of(point), point["Unit"]) == (statistics([(1.0, 3.0), (5.0, 1.0)]), "Count")
    assert listed == {(NAMESPACE, "Orders", frozenset({("Shop", "north")}))}
