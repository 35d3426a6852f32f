"""Helpers for the alarm tests: a server whose background evaluation stays out of the way (ticks an hour apart;
tests run ticks themselves through ``POST /_vigil/alarms/tick`` as of a chosen minute), datapoints put at given
minutes before that moment, and reading an alarm back."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vigil.testing import VigilServer

NAMESPACE = "Shop"
MINUTE = timedelta(minutes=1)


@pytest.fixture(scope="module")
def server() -> Iterator[VigilServer]:
    """A server of the test module's own whose background evaluation waits an hour: ticks come from the tests
    (registered for every test by conftest.py)."""
    with VigilServer("--ephemeral", env={"VIGIL_ALARM_TICK": "3600"}) as server:
        yield server


@pytest.fixture
def cloudwatch(server: VigilServer) -> Any:
    server.reset()
    return server.client("cloudwatch")


def moment() -> datetime:
    """A minute boundary 30 to 90 minutes ago: datapoints before it are well inside what PutMetricData takes."""
    return datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=30)


def epoch_ms(when: datetime) -> int:
    return round(when.timestamp() * 1000)


def post(server: VigilServer, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(
        server.endpoint_url + path,
        data=json.dumps(body or {}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def tick(server: VigilServer, at: datetime) -> dict[str, Any]:
    return post(server, "/_vigil/alarms/tick", {"at": epoch_ms(at)})


def put_values(cloudwatch: Any, metric: str, points: list[tuple[datetime, float]], **datum: Any) -> None:
    cloudwatch.put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[{"MetricName": metric, "Timestamp": when, "Value": value, **datum} for when, value in points],
    )


def alarm(cloudwatch: Any, name: str) -> dict[str, Any]:
    found = cloudwatch.describe_alarms(AlarmNames=[name], AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    return (found["MetricAlarms"] + found["CompositeAlarms"])[0]


def put_alarm(cloudwatch: Any, name: str, metric: str, **overrides: Any) -> None:
    """PutMetricAlarm with defaults (Maximum > 5 over 3 one-minute periods); an override of None drops one."""
    request = {
        "AlarmName": name,
        "Namespace": NAMESPACE,
        "MetricName": metric,
        "Statistic": "Maximum",
        "Period": 60,
        "EvaluationPeriods": 3,
        "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanThreshold",
        **overrides,
    }
    cloudwatch.put_metric_alarm(**{member: value for member, value in request.items() if value is not None})


def history(cloudwatch: Any, name: str, **request: Any) -> list[dict[str, Any]]:
    return cloudwatch.describe_alarm_history(AlarmName=name, **request)["AlarmHistoryItems"]
