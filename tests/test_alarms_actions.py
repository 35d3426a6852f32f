"""Alarm actions at the engine level, with a Publisher standing in for SNS: the notification CloudWatch sends
(its JSON and subject), one Action history item per action, actions not run when disabled, and SNS's errors
recorded as failed actions."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from vigil.engine.alarms.alarms import Alarms, Change
from vigil.engine.alarms.definitions import metric_alarm_configuration
from vigil.engine.alarms.model import INSUFFICIENT_DATA, METRIC_ALARM, AlarmRecord, AlarmState
from vigil.engine.logs.scope import Scope
from vigil.errors import ServiceError
from vigil.store.alarms import AlarmsStore, HistoryQuery
from vigil.store.database import Database
from vigil.store.writer import Writer

TOPIC = "arn:aws:sns:us-east-1:123456789012:oncall"
NOW = 1_795_000_000_000


def stamp(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}+0000"


class FakePublisher:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []
        self.missing: set[str] = set()

    def publish(
        self,
        scope: Scope,
        topic_arn: str,
        message: str,
        *,
        subject: str | None = None,
        attributes: Mapping[str, Mapping[str, str]] | None = None,
    ) -> str:
        if topic_arn in self.missing:
            raise ServiceError("NotFound", "Topic does not exist")
        self.published.append({"scope": scope, "topic": topic_arn, "message": json.loads(message), "subject": subject})
        return f"message-{len(self.published)}"


@pytest.fixture
def publisher() -> FakePublisher:
    return FakePublisher()


@pytest.fixture
def alarms(tmp_path: Path, publisher: FakePublisher) -> Iterator[Alarms]:
    database = Database(tmp_path)
    writer = Writer(database)
    yield Alarms(AlarmsStore(database, writer), publisher, lambda: NOW)
    writer.close()
    database.close()


def create(alarms: Alarms, **members: Any) -> AlarmRecord:
    params = {
        "AlarmName": "api-errors",
        "AlarmDescription": "5xx above 5",
        "Namespace": "Shop",
        "MetricName": "Errors",
        "Dimensions": [{"Name": "Service", "Value": "api"}],
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 3,
        "DatapointsToAlarm": 2,
        "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "AlarmActions": [TOPIC],
        **members,
    }
    configuration = metric_alarm_configuration(params, "us-east-1")
    state = AlarmState(INSUFFICIENT_DATA, "Unchecked: Initial alarm creation", None, NOW - 5000, NOW - 5000)
    record = AlarmRecord(
        "123456789012", "us-east-1", params["AlarmName"], METRIC_ALARM, configuration, NOW - 5000, state
    )
    alarms.put(record, [])
    return record


def actions_of(alarms: Alarms, name: str) -> list[tuple[str, dict[str, Any]]]:
    query = HistoryQuery("123456789012", "us-east-1", name, (), "Action", None, None, True, None, 100)
    return [(row.summary, json.loads(row.data)) for _, row in alarms.store.history(query)]


def test_a_transition_publishes_cloudwatchs_alarm_notification(alarms: Alarms, publisher: FakePublisher) -> None:
    record = create(alarms)
    alarms.apply([Change(record.key, "ALARM", "Threshold Crossed: test", '{"version":"1.0"}')], NOW)
    [sent] = publisher.published
    assert (sent["topic"], sent["subject"]) == (TOPIC, 'ALARM: "api-errors" in US East (N. Virginia)')
    assert sent["scope"] == Scope("123456789012", "us-east-1")
    assert sent["message"] == {
        "AlarmName": "api-errors",
        "AlarmDescription": "5xx above 5",
        "AWSAccountId": "123456789012",
        "AlarmConfigurationUpdatedTimestamp": stamp(NOW - 5000),
        "NewStateValue": "ALARM",
        "NewStateReason": "Threshold Crossed: test",
        "StateChangeTime": stamp(NOW),
        "Region": "US East (N. Virginia)",
        "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-errors",
        "OldStateValue": "INSUFFICIENT_DATA",
        "OKActions": [],
        "AlarmActions": [TOPIC],
        "InsufficientDataActions": [],
        "Trigger": {
            "MetricName": "Errors",
            "Namespace": "Shop",
            "StatisticType": "Statistic",
            "Statistic": "SUM",
            "Unit": None,
            "Dimensions": [{"value": "api", "name": "Service"}],
            "Period": 60,
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 2,
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": 5.0,
            "TreatMissingData": "missing",
            "EvaluateLowSampleCountPercentile": "",
        },
    }
    [(summary, data)] = actions_of(alarms, "api-errors")
    assert summary == f"Successfully executed action {TOPIC}"
    assert (data["actionState"], data["messageId"]) == ("Succeeded", "message-1")


def test_a_change_that_keeps_the_state_runs_no_action(alarms: Alarms, publisher: FakePublisher) -> None:
    record = create(alarms)
    alarms.apply([Change(record.key, "ALARM", "first", None)], NOW)
    alarms.apply([Change(record.key, "ALARM", "again", None)], NOW)
    assert len(publisher.published) == 1


def test_disabled_actions_do_not_run(alarms: Alarms, publisher: FakePublisher) -> None:
    record = create(alarms, ActionsEnabled=False)
    alarms.apply([Change(record.key, "ALARM", "r", None)], NOW)
    assert publisher.published == [] and actions_of(alarms, "api-errors") == []


def test_a_missing_topic_is_a_failed_action(alarms: Alarms, publisher: FakePublisher) -> None:
    publisher.missing.add(TOPIC)
    record = create(alarms)
    alarms.apply([Change(record.key, "ALARM", "r", None)], NOW)
    [(summary, data)] = actions_of(alarms, "api-errors")
    assert summary == f'Failed to execute action {TOPIC}. Received error: "Topic does not exist"'
    assert data["actionState"] == "Failed"


def test_other_actions_are_recorded_as_not_run(alarms: Alarms, publisher: FakePublisher) -> None:
    ec2 = "arn:aws:automate:us-east-1:ec2:stop"
    record = create(alarms, AlarmActions=[ec2, TOPIC])
    alarms.apply([Change(record.key, "ALARM", "r", None)], NOW)
    summaries = [summary for summary, _ in actions_of(alarms, "api-errors")]
    assert summaries == [
        f"Vigil does not run action {ec2}: only SNS topic actions are performed.",
        f"Successfully executed action {TOPIC}",
    ]


def test_the_subject_names_the_new_state_and_region(alarms: Alarms, publisher: FakePublisher) -> None:
    record = create(alarms, OKActions=[TOPIC])
    alarms.apply([Change(record.key, "OK", "r", None)], NOW)
    assert publisher.published[0]["subject"] == 'OK: "api-errors" in US East (N. Virginia)'
    assert publisher.published[0]["message"]["OldStateValue"] == "INSUFFICIENT_DATA"


def test_alarms_are_loaded_back_from_the_store(tmp_path: Path, publisher: FakePublisher) -> None:
    database = Database(tmp_path)
    writer = Writer(database)
    first = Alarms(AlarmsStore(database, writer), publisher, lambda: NOW)
    record = create(first)
    first.apply([Change(record.key, "ALARM", "kept", None)], NOW)
    again = Alarms(AlarmsStore(database, writer), publisher, lambda: NOW)
    loaded = again.require(record.key)
    assert (loaded.state.value, loaded.state.reason, loaded.configuration) == ("ALARM", "kept", record.configuration)
    writer.close()
    database.close()
