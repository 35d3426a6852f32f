"""vigil.metrics: values recorded in the application arrive as CloudWatch metrics, exactly."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

import vigil.metrics as metrics
from vigil.sdk.metrics import api
from vigil.testing import CREDENTIALS, VigilServer


@pytest.fixture
def published(vigil: VigilServer) -> Iterator[metrics.MetricsPublisher]:
    """The default publisher, aimed at the test server; closed (and forgotten) after the test."""
    made = metrics.configure_metrics(
        "Shop", endpoint_url=vigil.endpoint_url, region="us-east-1", retry_delay=0.05, **CREDENTIALS
    )
    yield made
    made.close()
    api._default.clear()


def read(vigil: VigilServer, name: str, statistics: list[str], **query: Any) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    reply = vigil.client("cloudwatch").get_metric_statistics(
        Namespace="Shop",
        MetricName=name,
        StartTime=now - dt.timedelta(minutes=10),
        EndTime=now + dt.timedelta(minutes=1),
        Period=660,
        **({"Statistics": statistics} if not statistics[0].startswith("p") else {"ExtendedStatistics": statistics}),
        **query,
    )
    [point] = reply["Datapoints"]
    return point  # type: ignore[no-any-return]


def test_put_metric_values_arrive_with_exact_statistics(vigil: VigilServer, published: Any) -> None:
    for value in range(1, 201):
        metrics.put_metric("Latency", value, "Milliseconds", {"route": "/pay"})
    assert metrics.flush(30)
    point = read(vigil, "Latency", ["SampleCount", "Sum", "Minimum", "Maximum"], Dimensions=[
        {"Name": "route", "Value": "/pay"}
    ])  # fmt: skip
    assert (point["SampleCount"], point["Sum"], point["Minimum"], point["Maximum"]) == (200, 20100, 1, 200)
    assert point["Unit"] == "Milliseconds"


def test_percentiles_stay_exact_because_every_value_is_published(vigil: VigilServer, published: Any) -> None:
    for value in range(1, 1001):
        metrics.put_metric("Latency", value, "Milliseconds")
    assert metrics.flush(30)
    assert read(vigil, "Latency", ["p99", "p50"])["ExtendedStatistics"] == {"p99": 990.0, "p50": 500.0}


def test_a_counter_increments_add_up(vigil: VigilServer, published: Any) -> None:
    orders = metrics.counter("Orders", {"shop": "north"})
    for _ in range(500):
        orders.increment()
    orders.increment(5)
    assert metrics.flush(30)
    point = read(vigil, "Orders", ["Sum", "SampleCount"], Dimensions=[{"Name": "shop", "Value": "north"}])
    assert (point["Sum"], point["SampleCount"], point["Unit"]) == (505, 501, "Count")


def test_a_timer_measures_blocks_and_calls_sync_and_async(vigil: VigilServer, published: Any) -> None:
    timer = metrics.timer("Work")
    with timer:
        sum(range(1000))

    @timer
    def work() -> int:
        return 1

    @timer
    async def work_async() -> int:
        await asyncio.sleep(0.01)
        return 2

    assert work() == 1
    assert asyncio.run(work_async()) == 2
    assert metrics.flush(30)
    point = read(vigil, "Work", ["SampleCount", "Maximum"])
    assert point["SampleCount"] == 3 and point["Unit"] == "Milliseconds"
    assert 10 <= point["Maximum"] < 10_000


def test_many_distinct_values_and_series_are_split_within_put_metric_data_limits(
    vigil: VigilServer, published: Any
) -> None:
    for series in range(1_200):
        metrics.put_metric("Hits", series, "Count", {"series": series})
    for value in range(400):  # more distinct values than one datum may carry (150)
        metrics.put_metric("Spread", value)
    assert metrics.flush(60)
    assert published.stats()["published"] == 1_200 + 3
    assert read(vigil, "Spread", ["SampleCount"])["SampleCount"] == 400


def test_throttled_publications_are_retried_and_arrive_once(vigil: VigilServer, published: Any) -> None:
    vigil.inject_fault("PutMetricData", "Throttling", service="cloudwatch", count=2)
    for _ in range(10):
        metrics.put_metric("Retried", 1, "Count")
    assert metrics.flush(30)
    assert published.stats()["retried"] == 2
    assert read(vigil, "Retried", ["Sum"])["Sum"] == 10


def test_values_recorded_just_before_exit_are_published(vigil: VigilServer) -> None:
    script = textwrap.dedent(
        """
        import os, vigil.metrics as metrics
        metrics.configure_metrics("Shop", endpoint_url=os.environ["ENDPOINT"], region="us-east-1",
                                  flush_interval=3600)
        for value in range(50):
            metrics.put_metric("AtExit", value)
        """
    )
    env = {**os.environ, "ENDPOINT": vigil.endpoint_url, "AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t"}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert read(vigil, "AtExit", ["SampleCount"])["SampleCount"] == 50


def test_the_reserved_aws_namespace_is_refused() -> None:
    with pytest.raises(ValueError, match="AWS/"):
        metrics.MetricsPublisher("AWS/Lambda")
