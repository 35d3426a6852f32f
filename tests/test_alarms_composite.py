"""Composite alarms (rules, evaluation when a child changes, children and parents, the actions suppressor) and
Vigil's acknowledgements, through boto3 and the JSON API."""

from __future__ import annotations

import json
import time
import urllib.error
from typing import Any

import pytest
from alarms_helpers import alarm, history, moment, post, put_alarm, tick
from botocore.exceptions import ClientError

from vigil.testing import VigilServer

LAMBDA = "arn:aws:lambda:us-east-1:000000000000:function:pager"


@pytest.fixture
def cloudwatch(server: VigilServer) -> Any:
    server.reset()
    client = server.client("cloudwatch")
    for name in ("cpu", "disk", "deploy"):
        put_alarm(client, name, name.upper())
    return client


def set_state(cloudwatch: Any, name: str, state: str) -> None:
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")


@pytest.mark.parametrize(
    ("rule", "states", "expected"),
    [
        ("ALARM(cpu) AND ALARM(disk)", {"cpu": "ALARM", "disk": "OK"}, "OK"),
        ("ALARM(cpu) OR ALARM(disk)", {"cpu": "OK", "disk": "ALARM"}, "ALARM"),
        ('ALARM("cpu") AND NOT ALARM("deploy")', {"cpu": "ALARM", "deploy": "OK"}, "ALARM"),
        ("(ALARM(cpu) OR ALARM(disk)) AND OK(deploy)", {"cpu": "ALARM", "deploy": "ALARM"}, "OK"),
        ("NOT ALARM(cpu) AND NOT ALARM(disk) OR ALARM(deploy)", {"cpu": "ALARM", "deploy": "ALARM"}, "ALARM"),
        ("INSUFFICIENT_DATA(cpu)", {}, "ALARM"),
        ("TRUE", {}, "ALARM"),
        ("FALSE OR NOT TRUE", {}, "OK"),
        ('ALARM("arn:aws:cloudwatch:us-east-1:000000000000:alarm:cpu")', {"cpu": "ALARM"}, "ALARM"),
    ],
)
def test_composite_state_follows_its_rule(cloudwatch: Any, rule: str, states: dict[str, str], expected: str) -> None:
    for name, state in states.items():
        set_state(cloudwatch, name, state)
    cloudwatch.put_composite_alarm(AlarmName="both", AlarmRule=rule)
    assert alarm(cloudwatch, "both")["StateValue"] == expected


@pytest.mark.parametrize("rule", ["ALARM(cpu) AND", "ALARM(cpu", "SOMETIMES(cpu)", "ALARM()", "ALARM(cpu) ALARM(disk)"])
def test_a_malformed_rule_is_refused(cloudwatch: Any, rule: str) -> None:
    with pytest.raises(ClientError) as raised:
        cloudwatch.put_composite_alarm(AlarmName="bad", AlarmRule=rule)
    assert raised.value.response["Error"]["Code"] == "ValidationError"


def test_a_rule_naming_a_missing_alarm_is_refused(cloudwatch: Any) -> None:
    with pytest.raises(ClientError) as raised:
        cloudwatch.put_composite_alarm(AlarmName="bad", AlarmRule="ALARM(nowhere)")
    assert "nowhere" in raised.value.response["Error"]["Message"]


def test_a_child_change_reevaluates_the_composite_with_its_reason(cloudwatch: Any) -> None:
    cloudwatch.put_composite_alarm(AlarmName="both", AlarmRule="ALARM(cpu) AND ALARM(disk)")
    set_state(cloudwatch, "cpu", "ALARM")
    assert alarm(cloudwatch, "both")["StateValue"] == "OK"
    set_state(cloudwatch, "disk", "ALARM")
    found = alarm(cloudwatch, "both")
    disk = alarm(cloudwatch, "disk")
    assert found["StateValue"] == "ALARM"
    assert found["StateReason"].startswith(f"{disk['AlarmArn']} transitioned to ALARM at ")
    triggering = json.loads(found["StateReasonData"])["triggeringAlarms"]
    assert sorted(t["arn"] for t in triggering) == sorted([alarm(cloudwatch, "cpu")["AlarmArn"], disk["AlarmArn"]])


def test_a_composite_set_by_hand_stays_until_a_child_changes(cloudwatch: Any) -> None:
    cloudwatch.put_composite_alarm(AlarmName="c", AlarmRule="ALARM(cpu)")
    set_state(cloudwatch, "c", "ALARM")
    assert alarm(cloudwatch, "c")["StateValue"] == "ALARM"
    set_state(cloudwatch, "cpu", "OK")
    assert alarm(cloudwatch, "c")["StateValue"] == "OK"


def test_composites_of_composites_follow_in_order(cloudwatch: Any) -> None:
    cloudwatch.put_composite_alarm(AlarmName="inner", AlarmRule="ALARM(cpu)")
    cloudwatch.put_composite_alarm(AlarmName="outer", AlarmRule="ALARM(inner) AND ALARM(disk)")
    set_state(cloudwatch, "disk", "ALARM")
    set_state(cloudwatch, "cpu", "ALARM")
    assert (alarm(cloudwatch, "inner")["StateValue"], alarm(cloudwatch, "outer")["StateValue"]) == ("ALARM", "ALARM")


def test_children_and_parents(cloudwatch: Any) -> None:
    cloudwatch.put_composite_alarm(AlarmName="both", AlarmRule="ALARM(cpu) OR ALARM(disk)")
    children = cloudwatch.describe_alarms(ChildrenOfAlarmName="both")
    assert sorted(a["AlarmName"] for a in children["MetricAlarms"]) == ["cpu", "disk"]
    parents = cloudwatch.describe_alarms(ParentsOfAlarmName="cpu")
    assert [a["AlarmName"] for a in parents["CompositeAlarms"]] == ["both"]
    with pytest.raises(ClientError):
        cloudwatch.describe_alarms(ParentsOfAlarmName="cpu", StateValue="OK")


def test_an_alarm_a_composite_names_cannot_be_deleted_alone(cloudwatch: Any) -> None:
    cloudwatch.put_composite_alarm(AlarmName="both", AlarmRule="ALARM(cpu)")
    with pytest.raises(ClientError) as raised:
        cloudwatch.delete_alarms(AlarmNames=["cpu"])
    assert raised.value.response["Error"]["Code"] == "ResourceConflict"
    cloudwatch.delete_alarms(AlarmNames=["cpu", "both"])
    assert cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"] == []


def test_the_suppressor_in_alarm_suppresses_the_composites_actions(cloudwatch: Any) -> None:
    set_state(cloudwatch, "deploy", "ALARM")
    cloudwatch.put_composite_alarm(
        AlarmName="page",
        AlarmRule="ALARM(cpu)",
        AlarmActions=[LAMBDA],
        ActionsSuppressor="deploy",
        ActionsSuppressorWaitPeriod=0,
        ActionsSuppressorExtensionPeriod=0,
    )
    set_state(cloudwatch, "cpu", "ALARM")
    found = alarm(cloudwatch, "page")
    assert (found["StateValue"], found["ActionsSuppressedBy"]) == ("ALARM", "Alarm")
    actions = history(cloudwatch, "page", HistoryItemType="Action")
    assert [item["HistorySummary"] for item in actions] == [
        f"Did not execute action {LAMBDA}: Alarm deploy is in ALARM state"
    ]


def test_the_wait_period_holds_actions_back_then_runs_them(server: VigilServer, cloudwatch: Any) -> None:
    # The tick below must leave cpu in the ALARM state it is set to: with no data, ignore keeps it.
    put_alarm(cloudwatch, "cpu", "CPU", TreatMissingData="ignore")
    cloudwatch.put_composite_alarm(
        AlarmName="page",
        AlarmRule="ALARM(cpu)",
        AlarmActions=[LAMBDA],
        ActionsSuppressor="deploy",
        ActionsSuppressorWaitPeriod=1,
        ActionsSuppressorExtensionPeriod=0,
    )
    set_state(cloudwatch, "cpu", "ALARM")
    assert alarm(cloudwatch, "page")["ActionsSuppressedBy"] == "WaitPeriod"
    assert history(cloudwatch, "page", HistoryItemType="Action") == []
    time.sleep(1.1)
    tick(server, moment())
    assert "ActionsSuppressedBy" not in alarm(cloudwatch, "page")
    assert [item["HistorySummary"] for item in history(cloudwatch, "page", HistoryItemType="Action")] == [
        f"Vigil does not run action {LAMBDA}: only SNS topic actions are performed."
    ]


def test_acknowledged_alarm_is_silent_until_it_returns_to_ok(server: VigilServer, cloudwatch: Any) -> None:
    put_alarm(cloudwatch, "loud", "Errors", InsufficientDataActions=[LAMBDA], OKActions=[LAMBDA])
    set_state(cloudwatch, "loud", "ALARM")
    answer = post(server, "/_vigil/alarms/loud/acknowledge", {"by": "ana", "note": "looking"})
    assert (answer["acknowledgedBy"], answer["note"]) == ("ana", "looking")
    set_state(cloudwatch, "loud", "INSUFFICIENT_DATA")
    set_state(cloudwatch, "loud", "OK")
    summaries = [item["HistorySummary"] for item in history(cloudwatch, "loud", HistoryItemType="Action")]
    assert summaries == [
        f"Vigil does not run action {LAMBDA}: only SNS topic actions are performed.",
        "Acknowledgement by ana ended: the alarm returned to OK",
        f"Did not execute action {LAMBDA}: the alarm is acknowledged by ana",
        "Alarm acknowledged by ana: looking",
    ]


def test_acknowledging_an_ok_or_missing_alarm_is_refused(server: VigilServer, cloudwatch: Any) -> None:
    set_state(cloudwatch, "cpu", "OK")
    for name, status in (("cpu", 409), ("nowhere", 404)):
        with pytest.raises(urllib.error.HTTPError) as raised:
            post(server, f"/_vigil/alarms/{name}/acknowledge", {"by": "ana"})
        assert raised.value.code == status
