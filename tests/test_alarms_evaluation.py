"""What one evaluation reads and says: each statistic over the periods ending at the tick, extended statistics,
EvaluateLowSampleCountPercentile, units, metric math, high-resolution periods, and StateReason and
StateReasonData worded as CloudWatch words them (expected text built here from the datapoints sent)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alarms_helpers import MINUTE, NAMESPACE, alarm, moment, put_alarm, put_values, tick

from vigil.testing import VigilServer


def short(when: datetime) -> str:
    return when.strftime("%d/%m/%y %H:%M:%S")


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def test_reason_lists_the_breaching_datapoints_newest_first(server: VigilServer, cloudwatch: Any) -> None:
    at = moment()
    values = [7.0, 8.0, 9.5]
    starts = [at - (3 - i) * MINUTE for i in range(3)]
    put_values(cloudwatch, "Latency", [(start + MINUTE / 3, v) for start, v in zip(starts, values, strict=True)])
    put_alarm(cloudwatch, "slow", "Latency", Threshold=5.0)
    tick(server, at)
    found = alarm(cloudwatch, "slow")
    listed = ", ".join(f"{v} ({short(s)})" for s, v in reversed(list(zip(starts, values, strict=True))))
    assert found["StateValue"] == "ALARM"
    assert found["StateReason"] == (
        f"Threshold Crossed: 3 out of the last 3 datapoints [{listed}] were greater than the threshold (5.0) "
        "(minimum 3 datapoints for OK -> ALARM transition)."
    )
    data = json.loads(found["StateReasonData"])
    assert data == {
        "version": "1.0",
        "queryDate": iso(at),
        "startDate": iso(starts[0]),
        "statistic": "Maximum",
        "period": 60,
        "recentDatapoints": values,
        "threshold": 5.0,
        "evaluatedDatapoints": [
            {"timestamp": iso(s), "sampleCount": 1.0, "value": v}
            for s, v in reversed(list(zip(starts, values, strict=True)))
        ],
    }


def test_ok_reason_counts_the_datapoints_that_do_not_breach(server: VigilServer, cloudwatch: Any) -> None:
    at = moment()
    put_values(cloudwatch, "Latency", [(at - MINUTE / 2, 1.25)])
    put_alarm(cloudwatch, "fine", "Latency", EvaluationPeriods=2, DatapointsToAlarm=2, Threshold=5.0,
              ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching")  # fmt: skip
    tick(server, at)
    found = alarm(cloudwatch, "fine")
    assert found["StateReason"] == (
        f"Threshold Crossed: 1 out of the last 2 datapoints [1.25 ({short(at - MINUTE)})] was not greater than or "
        "equal to the threshold (5.0) and 1 missing datapoint was treated as [NonBreaching] "
        "(minimum 1 datapoint for ALARM -> OK transition)."
    )


def test_no_data_treated_as_breaching_says_so(server: VigilServer, cloudwatch: Any) -> None:
    put_alarm(cloudwatch, "silent", "Heartbeat", EvaluationPeriods=2, TreatMissingData="breaching")
    tick(server, moment())
    found = alarm(cloudwatch, "silent")
    assert (found["StateValue"], found["StateReason"]) == (
        "ALARM",
        "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as "
        "[Breaching].",
    )


def test_no_data_is_insufficient_with_every_period_unknown(server: VigilServer, cloudwatch: Any) -> None:
    at = moment()
    put_alarm(cloudwatch, "unknown", "Heartbeat", EvaluationPeriods=2)
    cloudwatch.set_alarm_state(AlarmName="unknown", StateValue="OK", StateReason="start")
    tick(server, at)
    found = alarm(cloudwatch, "unknown")
    assert (found["StateValue"], found["StateReason"]) == (
        "INSUFFICIENT_DATA",
        "Insufficient Data: 2 datapoints were unknown.",
    )
    evaluated = json.loads(found["StateReasonData"])["evaluatedDatapoints"]
    assert evaluated == [{"timestamp": iso(at - MINUTE)}, {"timestamp": iso(at - 2 * MINUTE)}]


@pytest.mark.parametrize(
    ("statistic", "expected"),
    [("Sum", 12.0), ("Average", 3.0), ("Minimum", 1.0), ("Maximum", 6.0), ("SampleCount", 4.0)],
)
def test_each_statistic_is_over_the_period(
    server: VigilServer, cloudwatch: Any, statistic: str, expected: float
) -> None:
    at = moment()
    samples = [1.0, 2.0, 3.0, 6.0]
    put_values(cloudwatch, "Orders", [(at - MINUTE + timedelta(seconds=10 * i), v) for i, v in enumerate(samples)])
    # Datapoints of the period before and after must not count.
    put_values(cloudwatch, "Orders", [(at - 2 * MINUTE, 100.0), (at, 100.0)])
    put_alarm(cloudwatch, "stat", "Orders", Statistic=statistic, EvaluationPeriods=1, Threshold=expected,
              ComparisonOperator="GreaterThanOrEqualToThreshold")  # fmt: skip
    tick(server, at)
    data = json.loads(alarm(cloudwatch, "stat")["StateReasonData"])
    assert data["recentDatapoints"][-1] == expected
    assert alarm(cloudwatch, "stat")["StateValue"] == "ALARM"


def test_extended_statistic_alarm(server: VigilServer, cloudwatch: Any) -> None:
    at = moment()
    samples = [float(v) for v in range(1, 21)]
    put_values(cloudwatch, "Latency", [(at - MINUTE / 2, v) for v in samples])
    # p90 by nearest rank: the smallest value whose rank reaches 90 % of the count.
    expected = sorted(samples)[int(0.9 * len(samples)) - 1]
    put_alarm(cloudwatch, "p90", "Latency", Statistic=None, ExtendedStatistic="p90", EvaluationPeriods=1,
              Threshold=expected, ComparisonOperator="GreaterThanOrEqualToThreshold")  # fmt: skip
    tick(server, at)
    found = alarm(cloudwatch, "p90")
    assert found["StateValue"] == "ALARM"
    data = json.loads(found["StateReasonData"])
    assert (data["extendedStatistic"], data["recentDatapoints"]) == ("p90", [expected])


@pytest.mark.parametrize(("setting", "expected"), [("ignore", "INSUFFICIENT_DATA"), ("evaluate", "ALARM")])
def test_low_sample_count_percentile(server: VigilServer, cloudwatch: Any, setting: str, expected: str) -> None:
    at = moment()
    # p99 needs 10 / (1 - 0.99) = 1,000 samples to count when low samples are ignored; 5 are sent.
    put_values(cloudwatch, "Latency", [(at - MINUTE / 2, 50.0)] * 5)
    put_alarm(cloudwatch, "p99", "Latency", Statistic=None, ExtendedStatistic="p99", EvaluationPeriods=1,
              Threshold=10.0, EvaluateLowSampleCountPercentile=setting)  # fmt: skip
    tick(server, at)
    assert alarm(cloudwatch, "p99")["StateValue"] == expected


def test_an_alarm_with_a_unit_reads_only_that_unit(server: VigilServer, cloudwatch: Any) -> None:
    at = moment()
    put_values(cloudwatch, "Latency", [(at - MINUTE / 2, 900.0)], Unit="Milliseconds")
    put_alarm(cloudwatch, "seconds", "Latency", EvaluationPeriods=1, Unit="Seconds")
    put_alarm(cloudwatch, "any-unit", "Latency", EvaluationPeriods=1)
    tick(server, at)
    assert alarm(cloudwatch, "seconds")["StateValue"] == "INSUFFICIENT_DATA"
    assert alarm(cloudwatch, "any-unit")["StateValue"] == "ALARM"


def test_dimensions_name_the_series(server: VigilServer, cloudwatch: Any) -> None:
    at = moment()
    host = [{"Name": "Host", "Value": "a"}]
    put_values(cloudwatch, "CPU", [(at - MINUTE / 2, 90.0)], Dimensions=host)
    put_values(cloudwatch, "CPU", [(at - MINUTE / 2, 10.0)])
    put_alarm(cloudwatch, "host-a", "CPU", EvaluationPeriods=1, Dimensions=host, Threshold=50.0)
    put_alarm(cloudwatch, "no-dims", "CPU", EvaluationPeriods=1, Threshold=50.0)
    tick(server, at)
    assert (alarm(cloudwatch, "host-a")["StateValue"], alarm(cloudwatch, "no-dims")["StateValue"]) == ("ALARM", "OK")


def test_metric_math_alarm(server: VigilServer, cloudwatch: Any) -> None:
    at = moment()
    put_values(cloudwatch, "Errors", [(at - MINUTE / 2, 5.0)])
    put_values(cloudwatch, "Calls", [(at - MINUTE / 2, 20.0)])
    rate = 100 * 5.0 / 20.0

    def stat(query_id: str, metric: str) -> dict[str, Any]:
        metric_spec = {"Namespace": NAMESPACE, "MetricName": metric}
        return {"Id": query_id, "MetricStat": {"Metric": metric_spec, "Period": 60, "Stat": "Sum"}, "ReturnData": False}

    cloudwatch.put_metric_alarm(
        AlarmName="error-rate",
        Metrics=[
            stat("errors", "Errors"),
            stat("calls", "Calls"),
            {"Id": "rate", "Expression": "100 * errors / calls"},
        ],
        EvaluationPeriods=1,
        Threshold=rate - 1,
        ComparisonOperator="GreaterThanThreshold",
    )
    tick(server, at)
    found = alarm(cloudwatch, "error-rate")
    assert found["StateValue"] == "ALARM"
    assert json.loads(found["StateReasonData"])["recentDatapoints"] == [rate]


def test_high_resolution_alarm_evaluates_ten_second_periods(server: VigilServer, cloudwatch: Any) -> None:
    now = datetime.now(UTC)
    at = now.replace(microsecond=0) - timedelta(seconds=now.second % 10)
    put_values(cloudwatch, "Spikes", [(at - timedelta(seconds=5), 9.0)], StorageResolution=1)
    # A datapoint of the period before the newest must not count for a 1-period alarm.
    put_values(cloudwatch, "Spikes", [(at - timedelta(seconds=15), 1.0)], StorageResolution=1)
    put_alarm(cloudwatch, "fast", "Spikes", Period=10, EvaluationPeriods=1)
    tick(server, at)
    found = alarm(cloudwatch, "fast")
    assert found["StateValue"] == "ALARM"
    assert json.loads(found["StateReasonData"])["evaluatedDatapoints"][0]["timestamp"] == iso(
        at - timedelta(seconds=10)
    )


def test_periods_slide_with_the_minute(server: VigilServer, cloudwatch: Any) -> None:
    """A 5-minute alarm evaluated at a minute that is not a multiple of 5 reads the five minutes before it."""
    at = moment()
    at = at - timedelta(minutes=at.minute % 5) + 2 * MINUTE
    put_values(cloudwatch, "Orders", [(at - 4 * MINUTE - MINUTE / 2, 10.0)])
    put_alarm(cloudwatch, "five", "Orders", Period=300, EvaluationPeriods=1)
    tick(server, at)
    evaluated = json.loads(alarm(cloudwatch, "five")["StateReasonData"])["evaluatedDatapoints"]
    assert evaluated[0]["timestamp"] == iso(at - 5 * MINUTE)
