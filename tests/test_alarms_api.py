"""The alarm APIs through boto3: PutMetricAlarm's rules, DescribeAlarms' filters and paging,
DescribeAlarmsForMetric, DeleteAlarms, SetAlarmState, Enable/DisableAlarmActions, tags and the history items
each change writes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alarms_helpers import MINUTE, NAMESPACE, alarm, history, moment, put_alarm, put_values, tick
from botocore.exceptions import ClientError

from vigil.testing import VigilServer


def error_of(call: Any, **request: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**request)
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def test_a_new_alarm_starts_in_insufficient_data(cloudwatch: Any) -> None:
    put_alarm(cloudwatch, "new", "Errors")
    found = alarm(cloudwatch, "new")
    assert (found["StateValue"], found["StateReason"]) == ("INSUFFICIENT_DATA", "Unchecked: Initial alarm creation")
    assert found["AlarmArn"] == "arn:aws:cloudwatch:us-east-1:000000000000:alarm:new"


def test_an_update_keeps_the_state_and_replaces_the_configuration(server: VigilServer, cloudwatch: Any) -> None:
    put_alarm(cloudwatch, "kept", "Errors", AlarmDescription="first")
    cloudwatch.set_alarm_state(AlarmName="kept", StateValue="ALARM", StateReason="set")
    put_alarm(cloudwatch, "kept", "Errors", Threshold=9.0)
    found = alarm(cloudwatch, "kept")
    assert (found["StateValue"], found["Threshold"], "AlarmDescription" in found) == ("ALARM", 9.0, False)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"Period": 45}, "ValidationError"),
        ({"Period": 600, "EvaluationPeriods": 145}, "ValidationError"),
        ({"DatapointsToAlarm": 4, "EvaluationPeriods": 3}, "ValidationError"),
        ({"ExtendedStatistic": "p99"}, "InvalidParameterCombination"),
        ({"ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold"}, "ValidationError"),
        ({"TreatMissingData": "sometimes"}, "ValidationError"),
        ({"AlarmActions": ["arn:aws:sns:eu-west-1:000000000000:elsewhere"]}, "ValidationError"),
        ({"AlarmActions": ["not an arn"]}, "ValidationError"),
    ],
)
def test_put_metric_alarm_refuses_what_aws_refuses(cloudwatch: Any, overrides: dict[str, Any], code: str) -> None:
    with pytest.raises(ClientError) as raised:
        put_alarm(cloudwatch, "bad", "Errors", **overrides)
    assert raised.value.response["Error"]["Code"] == code


def test_an_hour_period_may_evaluate_over_seven_days(cloudwatch: Any) -> None:
    put_alarm(cloudwatch, "weekly", "Errors", Period=3600, EvaluationPeriods=168)
    assert alarm(cloudwatch, "weekly")["EvaluationPeriods"] == 168


def test_metrics_and_single_metric_members_exclude_each_other(cloudwatch: Any) -> None:
    query = {
        "Id": "m",
        "MetricStat": {"Metric": {"Namespace": NAMESPACE, "MetricName": "A"}, "Period": 60, "Stat": "Sum"},
    }
    code, _ = error_of(
        cloudwatch.put_metric_alarm,
        AlarmName="mixed",
        MetricName="A",
        Metrics=[query],
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    assert code == "InvalidParameterCombination"


def test_describe_alarms_pages_in_name_order(cloudwatch: Any) -> None:
    names = [f"alarm-{i:02d}" for i in range(7)]
    for name in reversed(names):
        put_alarm(cloudwatch, name, "Errors")
    seen, token = [], None
    while True:
        page = cloudwatch.describe_alarms(MaxRecords=3, **({"NextToken": token} if token else {}))
        seen += [found["AlarmName"] for found in page["MetricAlarms"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == names


def test_describe_alarms_filters(cloudwatch: Any) -> None:
    put_alarm(cloudwatch, "web-errors", "Errors", AlarmActions=["arn:aws:sns:us-east-1:000000000000:pager"])
    put_alarm(cloudwatch, "web-latency", "Latency")
    put_alarm(cloudwatch, "db-errors", "Errors")
    cloudwatch.set_alarm_state(AlarmName="db-errors", StateValue="ALARM", StateReason="test")

    def names(**request: Any) -> list[str]:
        return [found["AlarmName"] for found in cloudwatch.describe_alarms(**request)["MetricAlarms"]]

    assert names(AlarmNamePrefix="web-") == ["web-errors", "web-latency"]
    assert names(StateValue="ALARM") == ["db-errors"]
    assert names(ActionPrefix="arn:aws:sns:us-east-1:000000000000:pa") == ["web-errors"]
    assert names(AlarmNames=["db-errors", "nope"]) == ["db-errors"]
    assert names(AlarmTypes=["CompositeAlarm"]) == []


def test_describe_alarms_for_metric_matches_dimensions_and_statistic(cloudwatch: Any) -> None:
    host = [{"Name": "Host", "Value": "a"}]
    put_alarm(cloudwatch, "on-a", "CPU", Dimensions=host)
    put_alarm(cloudwatch, "on-b", "CPU", Dimensions=[{"Name": "Host", "Value": "b"}])
    put_alarm(cloudwatch, "on-a-sum", "CPU", Dimensions=host, Statistic="Sum")
    found = cloudwatch.describe_alarms_for_metric(Namespace=NAMESPACE, MetricName="CPU", Dimensions=host)
    assert sorted(a["AlarmName"] for a in found["MetricAlarms"]) == ["on-a", "on-a-sum"]
    found = cloudwatch.describe_alarms_for_metric(
        Namespace=NAMESPACE, MetricName="CPU", Dimensions=host, Statistic="Sum"
    )
    assert [a["AlarmName"] for a in found["MetricAlarms"]] == ["on-a-sum"]


def test_delete_alarms_skips_unknown_names(cloudwatch: Any) -> None:
    put_alarm(cloudwatch, "gone", "Errors")
    cloudwatch.delete_alarms(AlarmNames=["gone", "never-was"])
    assert cloudwatch.describe_alarms()["MetricAlarms"] == []
    deleted = history(cloudwatch, "gone", HistoryItemType="ConfigurationUpdate")[0]
    assert json.loads(deleted["HistoryData"])["type"] == "Delete"


def test_set_alarm_state_needs_json_reason_data_and_an_alarm(cloudwatch: Any) -> None:
    put_alarm(cloudwatch, "a", "Errors")
    code, _ = error_of(
        cloudwatch.set_alarm_state, AlarmName="a", StateValue="OK", StateReason="r", StateReasonData="{not json"
    )
    assert code == "InvalidFormat"
    code, _ = error_of(cloudwatch.set_alarm_state, AlarmName="nope", StateValue="OK", StateReason="r")
    assert code == "ResourceNotFound"


def test_set_alarm_state_is_recorded_and_the_next_evaluation_sets_it_back(server: VigilServer, cloudwatch: Any) -> None:
    at = moment()
    put_alarm(cloudwatch, "tested", "Errors", EvaluationPeriods=1)
    put_values(cloudwatch, "Errors", [(at - MINUTE / 2, 1.0)])
    tick(server, at)
    assert alarm(cloudwatch, "tested")["StateValue"] == "OK"
    cloudwatch.set_alarm_state(AlarmName="tested", StateValue="ALARM", StateReason="testing", StateReasonData='{"a":1}')
    found = alarm(cloudwatch, "tested")
    assert (found["StateValue"], found["StateReason"], found["StateReasonData"]) == ("ALARM", "testing", '{"a":1}')
    tick(server, at)
    assert alarm(cloudwatch, "tested")["StateValue"] == "OK"
    summaries = [item["HistorySummary"] for item in history(cloudwatch, "tested", HistoryItemType="StateUpdate")]
    assert summaries == [
        "Alarm updated from ALARM to OK",
        "Alarm updated from OK to ALARM",
        "Alarm updated from INSUFFICIENT_DATA to OK",
    ]
    set_by_hand = json.loads(history(cloudwatch, "tested", HistoryItemType="StateUpdate")[1]["HistoryData"])
    assert set_by_hand["newState"] == {"stateValue": "ALARM", "stateReason": "testing", "stateReasonData": {"a": 1}}
    assert set_by_hand["oldState"]["stateValue"] == "OK"


def test_history_filters_dates_types_and_pages(cloudwatch: Any) -> None:
    put_alarm(cloudwatch, "h", "Errors")
    for state in ("ALARM", "OK", "ALARM", "OK"):
        cloudwatch.set_alarm_state(AlarmName="h", StateValue=state, StateReason="test")
    everything = history(cloudwatch, "h")
    assert [item["HistoryItemType"] for item in everything] == ["StateUpdate"] * 4 + ["ConfigurationUpdate"]
    paged, token = [], None
    while True:
        page = cloudwatch.describe_alarm_history(
            AlarmName="h", MaxRecords=2, ScanBy="TimestampAscending", **({"NextToken": token} if token else {})
        )
        paged += page["AlarmHistoryItems"]
        token = page.get("NextToken")
        if not token:
            break
    assert [item["HistorySummary"] for item in paged] == [item["HistorySummary"] for item in reversed(everything)]
    later = everything[0]["Timestamp"]
    assert all(i["Timestamp"] >= later for i in history(cloudwatch, "h", StartDate=later))
    assert history(cloudwatch, "h", AlarmTypes=["CompositeAlarm"]) == []


def test_created_history_data_holds_the_configuration(cloudwatch: Any) -> None:
    put_alarm(cloudwatch, "c", "Errors", Threshold=7.5)
    data = json.loads(history(cloudwatch, "c")[0]["HistoryData"])
    assert (data["type"], data["createdAlarm"]["threshold"], data["createdAlarm"]["metricName"]) == (
        "Create",
        7.5,
        "Errors",
    )


def test_disable_and_enable_alarm_actions(cloudwatch: Any) -> None:
    put_alarm(cloudwatch, "quiet", "Errors")
    cloudwatch.disable_alarm_actions(AlarmNames=["quiet"])
    assert alarm(cloudwatch, "quiet")["ActionsEnabled"] is False
    cloudwatch.enable_alarm_actions(AlarmNames=["quiet"])
    assert alarm(cloudwatch, "quiet")["ActionsEnabled"] is True


def test_tags_of_an_alarm(cloudwatch: Any) -> None:
    put_alarm(cloudwatch, "tagged", "Errors", Tags=[{"Key": "team", "Value": "web"}])
    arn = alarm(cloudwatch, "tagged")["AlarmArn"]
    cloudwatch.tag_resource(ResourceARN=arn, Tags=[{"Key": "tier", "Value": "p1"}])
    cloudwatch.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "tier", "Value": "p1"}]
    code, _ = error_of(cloudwatch.list_tags_for_resource, ResourceARN=arn + "-missing")
    assert code == "ResourceNotFoundException"


def test_alarm_apis_answer_over_the_query_protocol(client_over: Any, vigil: VigilServer) -> None:
    query = client_over("cloudwatch", "query")
    put_alarm(query, "over-query", "Errors", Dimensions=[{"Name": "Host", "Value": "a"}])
    found = query.describe_alarms(AlarmNames=["over-query"])["MetricAlarms"][0]
    assert (found["StateValue"], found["Dimensions"]) == ("INSUFFICIENT_DATA", [{"Name": "Host", "Value": "a"}])
