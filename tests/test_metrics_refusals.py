"""What PutMetricData and GetMetricStatistics refuse, with AWS's error codes and messages."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from metrics_helpers import (
    MINUTE,
    NAMESPACE,
    aws_error,
    datapoints,
    hour_start,
    put,
)

Aws = Callable[..., Any]


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
