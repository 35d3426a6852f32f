"""Metric rollups and retention as CloudWatch keeps data: past 3 hours in minutes, past 15 days in 5 minutes, past
63 days in hours, gone after 455 days; and GetMetricStatistics' rule that a StartTime older than 3 hours with a
period finer than what is kept for that age returns no datapoints.

PutMetricData takes nothing older than two weeks, so rollups are run through ``POST /_vigil/metric-rollups`` as of
a later time: the data is aged, the server's clock is not, so GetMetricStatistics reads it with the periods the
real clock allows, and a period finer than the rollup shows where the merged rows sit. Every expectation is
computed here from the data sent.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from metrics_helpers import MINUTE, NAMESPACE, Sample, epoch_ms, hour_start, nearest_rank, statistics

from vigil.testing import VigilServer

SECOND, HOUR, DAY = timedelta(seconds=1), timedelta(hours=1), timedelta(days=1)
STATISTICS = ["SampleCount", "Sum", "Average", "Minimum", "Maximum"]
PERCENTILES = ["p0", "p10", "p50", "p90", "p99", "p99.9", "p100"]
# (age past which data is kept only at the period, the period in seconds), as CloudWatch documents them.
LEVELS = [(3 * HOUR, 60), (15 * DAY, 300), (63 * DAY, 3600)]
RETENTION = 455 * DAY


@dataclass(frozen=True)
class Part:
    """One stored datapoint as sent: a raw value with its count, or a statistic set."""

    moment: datetime
    unit: str
    sample: Sample | None = None
    statistic_set: dict[str, float] | None = None

    def for_percentiles(self) -> Sample | None:
        """What a percentile ranks: raw values, and sets of one sample or with equal minimum and maximum."""
        if self.sample is not None:
            return self.sample
        assert self.statistic_set is not None
        if self.statistic_set["SampleCount"] == 1 or self.statistic_set["Minimum"] == self.statistic_set["Maximum"]:
            return self.statistic_set["Minimum"], self.statistic_set["SampleCount"]
        return None


def mixed(base: datetime) -> tuple[list[dict[str, Any]], list[Part]]:
    """Two hours from ``base``: in each minute values with counts (repeated from minute to minute), a
    high-resolution value, and now and then a spread statistic set, a set of equal values and a value in another
    unit. Values are multiples of 1/4 and counts whole, so every sum is exact in any order."""
    datums: list[dict[str, Any]] = []
    parts: list[Part] = []

    def value(at: datetime, v: float, unit: str = "Milliseconds", **extra: Any) -> None:
        datums.append({"MetricName": "Latency", "Timestamp": at, "Value": v, "Unit": unit, **extra})
        parts.append(Part(at, unit, sample=(v, 1.0)))

    def statistic_set(at: datetime, numbers: dict[str, float]) -> None:
        datums.append({"MetricName": "Latency", "Timestamp": at, "StatisticValues": numbers, "Unit": "Milliseconds"})
        parts.append(Part(at, "Milliseconds", statistic_set=numbers))

    for minute in range(120):
        start = base + minute * MINUTE
        values = [(minute % 5) / 4 + k / 2 for k in range(3)]
        counts = [float(1 + (minute + k) % 3) for k in range(3)]
        datums.append(
            {
                "MetricName": "Latency",
                "Timestamp": start + 7 * SECOND,
                "Values": values,
                "Counts": counts,
                "Unit": "Milliseconds",
            }
        )
        parts += [Part(start + 7 * SECOND, "Milliseconds", sample=s) for s in zip(values, counts, strict=True)]
        value(start + timedelta(milliseconds=31_250), (minute % 7) / 4, StorageResolution=1)
        if minute % 3 == 0:
            statistic_set(start + 45 * SECOND, {"SampleCount": 4, "Sum": 10, "Minimum": 1, "Maximum": 4})
        if minute % 4 == 0:
            statistic_set(start + 50 * SECOND, {"SampleCount": 3, "Sum": 4.5, "Minimum": 1.5, "Maximum": 1.5})
        if minute % 5 == 0:
            value(start + 12 * SECOND, float(minute % 3), unit="Count")
    return datums, parts


def rolled_place(moment: datetime, as_of: datetime) -> datetime:
    """Where a rollup as of ``as_of`` leaves a datapoint: at the start of the bucket of the coarsest level whose
    whole buckets of data have reached that level's age."""
    at = epoch_ms(moment)
    place = at
    for age, period in LEVELS:
        step = period * 1000
        cut = epoch_ms(as_of - age) // step * step
        if at < cut:
            place = at - at % step
    return moment + timedelta(milliseconds=place - at)


def expected_points(
    parts: list[Part], start: datetime, end: datetime, period: int, extended: bool, as_of: datetime | None = None
) -> dict[tuple[int, str], dict[str, float]]:
    """The datapoints GetMetricStatistics gives for [start, end) (start a multiple of the period), per period and
    unit, of the data as sent or, with ``as_of``, as a rollup at that time places it."""
    grouped: dict[tuple[int, str], list[Part]] = {}
    for part in parts:
        at = epoch_ms(rolled_place(part.moment, as_of) if as_of else part.moment)
        if epoch_ms(start) <= at < epoch_ms(end):
            grouped.setdefault((at - at % (period * 1000), part.unit), []).append(part)
    found: dict[tuple[int, str], dict[str, float]] = {}
    for key, members in grouped.items():
        if not extended:
            samples = [p.sample for p in members if p.sample is not None]
            sets = [p.statistic_set for p in members if p.statistic_set is not None]
            found[key] = statistics(samples, sets)
            continue
        ranked = [s for s in (p.for_percentiles() for p in members) if s is not None]
        if ranked:
            found[key] = {name: nearest_rank(ranked, name) for name in PERCENTILES}
    return found


def answered(
    cloudwatch: Any, start: datetime, end: datetime, period: int, extended: bool
) -> dict[tuple[int, str], dict[str, float]]:
    request: dict[str, Any] = {"ExtendedStatistics": PERCENTILES} if extended else {"Statistics": STATISTICS}
    found = cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE, MetricName="Latency", StartTime=start, EndTime=end, Period=period, **request
    )["Datapoints"]
    return {
        (epoch_ms(point["Timestamp"]), point["Unit"]): point["ExtendedStatistics"]
        if extended
        else {name: point[name] for name in STATISTICS}
        for point in found
    }


def roll_up(vigil: VigilServer, as_of: datetime, max_rows: int | None = None) -> dict[str, int]:
    """Run the rollups as of ``as_of``; their totals (passes, buckets, read, written, expired)."""
    body: dict[str, int] = {"asOf": epoch_ms(as_of)}
    if max_rows is not None:
        body["maxRows"] = max_rows
    request = urllib.request.Request(
        f"{vigil.endpoint_url}/_vigil/metric-rollups",
        method="POST",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


@pytest.fixture
def sent(cloudwatch_client: Any) -> tuple[datetime, list[Part]]:
    """The mixed data of the two hours before the current one; their start and the parts sent."""
    base = hour_start() - HOUR
    datums, parts = mixed(base)
    cloudwatch_client.put_metric_data(Namespace=NAMESPACE, MetricData=datums)
    return base, parts


# ---- merged rows keep every statistic ------------------------------------------------------------------------


@pytest.mark.parametrize(("age", "period"), LEVELS, ids=["minutes", "5-minutes", "hours"])
@pytest.mark.parametrize("extended", [False, True], ids=["statistics", "percentiles"])
def test_statistics_at_the_rollup_period_are_the_same_before_and_after_the_rollup(
    vigil: VigilServer,
    cloudwatch_client: Any,
    sent: tuple[datetime, list[Part]],
    age: timedelta,
    period: int,
    extended: bool,
) -> None:
    base, parts = sent
    end = base + 2 * HOUR
    expected = expected_points(parts, base, end, period, extended)
    assert answered(cloudwatch_client, base, end, period, extended) == expected

    roll_up(vigil, end + age)

    assert answered(cloudwatch_client, base, end, period, extended) == expected


@pytest.mark.parametrize(("age", "period", "finer"), [(3 * HOUR, 60, 1), (15 * DAY, 300, 60), (63 * DAY, 3600, 300)])
def test_merged_data_sits_at_the_start_of_its_bucket(
    vigil: VigilServer,
    cloudwatch_client: Any,
    sent: tuple[datetime, list[Part]],
    age: timedelta,
    period: int,
    finer: int,
) -> None:
    base, parts = sent
    end = base + 2 * HOUR
    start = end - 2 * timedelta(seconds=period)  # two buckets of the rollup, at most 1,440 finer periods
    as_of = end + age

    roll_up(vigil, as_of)

    found = answered(cloudwatch_client, start, end, finer, extended=False)
    assert found == expected_points(parts, start, end, finer, extended=False, as_of=as_of)
    assert {at % (period * 1000) for at, _ in found} == {0}


@pytest.mark.parametrize(("age", "period", "finer"), [(3 * HOUR, 60, 1), (15 * DAY, 300, 60), (63 * DAY, 3600, 300)])
def test_a_bucket_is_merged_only_once_it_has_wholly_reached_the_age(
    vigil: VigilServer,
    cloudwatch_client: Any,
    sent: tuple[datetime, list[Part]],
    age: timedelta,
    period: int,
    finer: int,
) -> None:
    base, parts = sent
    end = base + 2 * HOUR
    start = end - 2 * timedelta(seconds=period)
    as_of = end + age - timedelta(milliseconds=1)  # the last bucket ends at ``end``: one millisecond short

    roll_up(vigil, as_of)

    found = answered(cloudwatch_client, start, end, finer, extended=False)
    assert found == expected_points(parts, start, end, finer, extended=False, as_of=as_of)
    last_bucket = epoch_ms(end) - period * 1000
    assert {at for at, _ in found if at >= last_bucket} != {last_bucket}  # still at the moments it was sent


def test_percentiles_of_merged_buckets_are_those_of_the_values_sent(
    vigil: VigilServer, cloudwatch_client: Any, sent: tuple[datetime, list[Part]]
) -> None:
    base, parts = sent
    end = base + 2 * HOUR

    roll_up(vigil, end + 63 * DAY)

    whole = cloudwatch_client.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName="Latency",
        StartTime=base,
        EndTime=end,
        Period=7200,
        Unit="Milliseconds",
        ExtendedStatistics=PERCENTILES,
    )["Datapoints"]
    ranked = [s for p in parts if p.unit == "Milliseconds" for s in [p.for_percentiles()] if s is not None]
    assert [point["ExtendedStatistics"] for point in whole] == [{n: nearest_rank(ranked, n) for n in PERCENTILES}]


def test_spread_sets_whose_counts_add_up_to_one_stay_out_of_percentiles(
    vigil: VigilServer, cloudwatch_client: Any
) -> None:
    minute = hour_start()
    halves = [
        {"SampleCount": 0.5, "Sum": 1.0, "Minimum": 1.0, "Maximum": 3.0},
        {"SampleCount": 0.5, "Sum": 1.5, "Minimum": 2.0, "Maximum": 4.0},
    ]
    cloudwatch_client.put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[
            {"MetricName": "Latency", "Timestamp": minute + k * 10 * SECOND, "StatisticValues": numbers}
            for k, numbers in enumerate(halves)
        ],
    )

    roll_up(vigil, minute + MINUTE + 3 * HOUR)

    [point] = cloudwatch_client.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName="Latency",
        StartTime=minute,
        EndTime=minute + MINUTE,
        Period=60,
        ExtendedStatistics=["p50"],
    )["Datapoints"]
    assert "ExtendedStatistics" not in point  # neither set counts as raw values, merged or not


# ---- idempotence, late data, ingest during a pass --------------------------------------------------------------


def test_a_second_rollup_as_of_the_same_time_changes_nothing(
    vigil: VigilServer, cloudwatch_client: Any, sent: tuple[datetime, list[Part]]
) -> None:
    base, parts = sent
    end = base + 2 * HOUR
    first = roll_up(vigil, end + 15 * DAY)

    second = roll_up(vigil, end + 15 * DAY)

    assert first["read"] > 0
    assert (second["read"], second["written"], second["expired"]) == (0, 0, 0)
    assert answered(cloudwatch_client, base, end, 300, extended=True) == expected_points(parts, base, end, 300, True)


def test_data_put_late_into_a_merged_bucket_is_merged_by_the_next_rollup(
    vigil: VigilServer, cloudwatch_client: Any, sent: tuple[datetime, list[Part]]
) -> None:
    base, parts = sent
    end = base + 2 * HOUR
    as_of = end + 3 * HOUR
    start = base + 10 * MINUTE
    roll_up(vigil, as_of)
    late = [Part(start + k * 3 * SECOND, "Milliseconds", sample=((k % 4) / 2, 1.0)) for k in range(30)]
    cloudwatch_client.put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[
            {"MetricName": "Latency", "Timestamp": p.moment, "Value": p.sample[0], "Unit": p.unit}
            for p in late
            if p.sample is not None
        ],
    )

    roll_up(vigil, as_of)

    found = answered(cloudwatch_client, start, start + 2 * MINUTE, 1, extended=True)
    assert found == expected_points(parts + late, start, start + 2 * MINUTE, 1, extended=True, as_of=as_of)
    assert {at % 60_000 for at, _ in found} == {0}


def test_datapoints_put_while_rollups_run_are_all_kept(
    vigil: VigilServer, cloudwatch_client: Any, sent: tuple[datetime, list[Part]]
) -> None:
    base, parts = sent
    end = base + 2 * HOUR
    rolling = threading.Thread(target=roll_up, args=(vigil, end + 3 * HOUR, 40))
    added: list[float] = []
    rolling.start()
    for batch in range(40):  # into the same buckets the passes are merging
        values = [float(batch % 4), 2.5]
        cloudwatch_client.put_metric_data(
            Namespace=NAMESPACE,
            MetricData=[
                {
                    "MetricName": "Latency",
                    "Timestamp": base + (batch * 3 + 1) * MINUTE,
                    "Values": values,
                    "Unit": "Milliseconds",
                }
            ],
        )
        added += values
    rolling.join()

    roll_up(vigil, end + 3 * HOUR)

    found = cloudwatch_client.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName="Latency",
        StartTime=base,
        EndTime=end,
        Period=7200,
        Unit="Milliseconds",
        Statistics=["SampleCount", "Sum"],
    )["Datapoints"]
    samples = [p.sample for p in parts if p.unit == "Milliseconds" and p.sample is not None]
    sets = [p.statistic_set for p in parts if p.statistic_set is not None]
    count = sum(c for _, c in samples) + sum(s["SampleCount"] for s in sets) + len(added)
    total = sum(v * c for v, c in samples) + sum(s["Sum"] for s in sets) + sum(added)
    assert [(point["SampleCount"], point["Sum"]) for point in found] == [(count, total)]


# ---- retention ---------------------------------------------------------------------------------------------------


def test_data_is_deleted_once_its_hour_is_455_days_old(
    vigil: VigilServer, cloudwatch_client: Any, sent: tuple[datetime, list[Part]]
) -> None:
    base, parts = sent
    end = base + 2 * HOUR  # two hours of data: the first is 455 days old one hour before the second

    roll_up(vigil, end + RETENTION - timedelta(milliseconds=1))
    last_hour_only = answered(cloudwatch_client, base, end, 3600, extended=False)
    roll_up(vigil, end + RETENTION)

    assert last_hour_only == expected_points(parts, base + HOUR, end, 3600, extended=False)
    assert answered(cloudwatch_client, base, end, 3600, extended=False) == {}


def test_a_metric_filters_default_stays_replaceable_by_a_late_match_after_the_minute_rollup(
    vigil: VigilServer, logs_client: Any, cloudwatch_client: Any, group: str
) -> None:
    minute = hour_start()
    logs_client.put_metric_filter(
        logGroupName=group,
        filterName="errors",
        filterPattern="ERROR",
        metricTransformations=[
            {"metricName": "Errors", "metricNamespace": NAMESPACE, "metricValue": "1", "defaultValue": 0.0}
        ],
    )
    quiet = [{"timestamp": epoch_ms(minute + 5 * SECOND), "message": "INFO quiet"}]
    logs_client.put_log_events(logGroupName=group, logStreamName="web", logEvents=quiet)
    roll_up(vigil, minute + MINUTE + 3 * HOUR)

    match = [{"timestamp": epoch_ms(minute + 40 * SECOND), "message": "ERROR late"}]
    logs_client.put_log_events(logGroupName=group, logStreamName="web", logEvents=match)

    found = cloudwatch_client.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName="Errors",
        StartTime=minute,
        EndTime=minute + MINUTE,
        Period=60,
        Statistics=["SampleCount", "Sum"],
    )["Datapoints"]
    assert [(point["SampleCount"], point["Sum"]) for point in found] == [(1.0, 1.0)]


# ---- the periods kept for a StartTime's age ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "finer", "kept"),
    [(4 * HOUR, 30, 60), (16 * DAY, 1020, 1200), (64 * DAY, 5400, 7200)],
    ids=["past-3-hours", "past-15-days", "past-63-days"],
)
def test_a_start_time_older_than_3_hours_returns_nothing_for_a_period_finer_than_is_kept(
    cloudwatch_client: Any, sent: tuple[datetime, list[Part]], age: timedelta, finer: int, kept: int
) -> None:
    base, parts = sent
    end = base + 2 * HOUR
    start = end - age

    refused = answered(cloudwatch_client, start, end, finer, extended=False)
    allowed = answered(cloudwatch_client, start, end, kept, extended=False)

    assert refused == {}
    assert sum(point["SampleCount"] for point in allowed.values()) == sum(
        point["SampleCount"] for point in expected_points(parts, base, end, 60, extended=False).values()
    )


def test_the_rollup_endpoint_refuses_a_request_without_a_time(vigil: VigilServer) -> None:
    request = urllib.request.Request(f"{vigil.endpoint_url}/_vigil/metric-rollups", method="POST", data=b"{}")

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)

    assert refused.value.code == 400
