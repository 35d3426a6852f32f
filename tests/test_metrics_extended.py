"""Extended statistics (trimmed and winsorized means, trimmed counts and sums, percentile ranks, IQM) equal
their definitions, computed here from the values sent, each weighted value counted as that many values."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

# Values 1..100, value v sent with a count of 1 + v % 3: 200 samples in all, unevenly weighted.
VALUES = list(range(1, 101))
COUNTS = [1 + v % 3 for v in VALUES]
SAMPLES = sorted(v for v, c in zip(VALUES, COUNTS, strict=True) for _ in range(c))


def window(low: float, high: float) -> list[tuple[float, float]]:
    """(weight, value) of each sample inside the low % .. high % window; a straddling sample counts in part."""
    total = len(SAMPLES)
    lo, hi = low / 100 * total, high / 100 * total
    return [(max(0.0, min(i, hi) - max(i - 1, lo)), v) for i, v in enumerate(SAMPLES, start=1)]


def nearest_rank(percent: float) -> float:
    rank = max(1, math.ceil(percent / 100 * len(SAMPLES)))
    return SAMPLES[rank - 1]


def trimmed_mean(low: float, high: float) -> float:
    inside = window(low, high)
    return sum(w * v for w, v in inside) / sum(w for w, _ in inside)


def expected(name: str) -> float:
    return {
        "tm90": trimmed_mean(0, 90),
        "TM(10%:90%)": trimmed_mean(10, 90),
        "IQM": trimmed_mean(25, 75),
        "tc90": sum(w for w, _ in window(0, 90)),
        "ts90": sum(w * v for w, v in window(0, 90)),
        "TS(5%:95%)": sum(w * v for w, v in window(5, 95)),
        "wm90": sum(min(v, nearest_rank(90)) for v in SAMPLES) / len(SAMPLES),
        "WM(10%:90%)": sum(min(max(v, nearest_rank(10)), nearest_rank(90)) for v in SAMPLES) / len(SAMPLES),
        "TM(20:50)": sum(v for v in SAMPLES if 20 <= v <= 50) / len([v for v in SAMPLES if 20 <= v <= 50]),
        "TC(:30)": len([v for v in SAMPLES if v <= 30]),
        "WM(10:90)": sum(min(max(v, 10), 90) for v in SAMPLES) / len(SAMPLES),
        "PR(:25)": 100 * len([v for v in SAMPLES if v <= 25]) / len(SAMPLES),
        "PR(10:20)": 100 * len([v for v in SAMPLES if 10 <= v <= 20]) / len(SAMPLES),
    }[name]


NAMES = ["tm90", "TM(10%:90%)", "IQM", "tc90", "ts90", "TS(5%:95%)", "wm90", "WM(10%:90%)", "TM(20:50)"]
NAMES += ["TC(:30)", "WM(10:90)", "PR(:25)", "PR(10:20)"]


@pytest.fixture
def sent(cloudwatch_client: Any) -> dt.datetime:
    at = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=5)
    cloudwatch_client.put_metric_data(
        Namespace="Shop",
        MetricData=[
            {"MetricName": "Latency", "Values": VALUES, "Counts": COUNTS, "Unit": "Milliseconds", "Timestamp": at}
        ],
    )
    return at


def read(cloudwatch_client: Any, at: dt.datetime, names: list[str]) -> dict[str, float]:
    reply = cloudwatch_client.get_metric_statistics(
        Namespace="Shop",
        MetricName="Latency",
        StartTime=at,
        EndTime=at + dt.timedelta(minutes=1),
        Period=60,
        ExtendedStatistics=names,
    )
    [point] = reply["Datapoints"]
    return point["ExtendedStatistics"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", NAMES)
def test_an_extended_statistic_equals_its_definition(cloudwatch_client: Any, sent: dt.datetime, name: str) -> None:
    assert read(cloudwatch_client, sent, [name])[name] == pytest.approx(expected(name), rel=1e-12)


def test_ten_extended_statistics_in_one_call(cloudwatch_client: Any, sent: dt.datetime) -> None:
    names = NAMES[:10]
    got = read(cloudwatch_client, sent, names)
    assert got == pytest.approx({name: expected(name) for name in names}, rel=1e-12)


def test_get_metric_data_takes_extended_statistics_as_stat(cloudwatch_client: Any, sent: dt.datetime) -> None:
    reply = cloudwatch_client.get_metric_data(
        MetricDataQueries=[
            {
                "Id": f"q{index}",
                "MetricStat": {"Metric": {"Namespace": "Shop", "MetricName": "Latency"}, "Period": 60, "Stat": name},
            }
            for index, name in enumerate(["IQM", "wm90", "PR(10:20)"])
        ],
        StartTime=sent,
        EndTime=sent + dt.timedelta(minutes=1),
    )
    values = [result["Values"] for result in reply["MetricDataResults"]]
    assert values == [pytest.approx([expected(n)], rel=1e-12) for n in ["IQM", "wm90", "PR(10:20)"]]


def test_a_window_without_values_gives_no_trimmed_mean(cloudwatch_client: Any, sent: dt.datetime) -> None:
    assert "TM(500:600)" not in read(cloudwatch_client, sent, ["TM(500:600)", "tm90"])


def test_a_period_holding_a_negative_value_gives_no_percentile(cloudwatch_client: Any) -> None:
    # AWS: "Percentile statistics are not available for metrics when any of the metric values are negative."
    at = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=5)
    cloudwatch_client.put_metric_data(
        Namespace="Shop",
        MetricData=[{"MetricName": "Delta", "Values": [-1.0, 2.0, 3.0], "Timestamp": at}],
    )

    reply = cloudwatch_client.get_metric_statistics(
        Namespace="Shop",
        MetricName="Delta",
        StartTime=at,
        EndTime=at + dt.timedelta(minutes=1),
        Period=60,
        ExtendedStatistics=["p50", "tm90"],
    )

    [point] = reply["Datapoints"]
    assert "p50" not in point["ExtendedStatistics"] and "tm90" in point["ExtendedStatistics"]
