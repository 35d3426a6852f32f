"""CloudWatch metrics as boto3, the aws CLI and every wire protocol see them: PutMetricData stores what AWS would
store, and GetMetricStatistics answers each period with the statistics computed here from the data sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from metrics_helpers import (
    MINUTE,
    NAMESPACE,
    PERCENTILES,
    PROTOCOLS,
    STATISTICS,
    aws_error,
    by_period,
    datapoints,
    dims,
    epoch_ms,
    hour_start,
    nearest_rank,
    put,
    series,
    statistics,
    stats_of,
)

from vigil.testing import VigilServer

Aws = Callable[..., Any]


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
