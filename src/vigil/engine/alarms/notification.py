"""The message CloudWatch publishes to an SNS topic when an alarm changes state, and its subject.

The shape follows real notifications (as forwarders such as Slack Lambdas parse them): AlarmName,
AlarmDescription (null when none), AWSAccountId, AlarmConfigurationUpdatedTimestamp, NewStateValue,
NewStateReason, StateChangeTime, Region (the long name, "US East (N. Virginia)"), AlarmArn, OldStateValue, the
three action lists and Trigger (for a metric alarm: MetricName, Namespace, StatisticType, Statistic in capitals,
Unit, Dimensions as {value, name}, Period, EvaluationPeriods, DatapointsToAlarm, ComparisonOperator, Threshold,
TreatMissingData, EvaluateLowSampleCountPercentile; Metrics instead for metric math; AlarmRule for a composite).
The subject is ``ALARM: "name" in US East (N. Virginia)``.
"""

from __future__ import annotations

from typing import Any

import orjson

from vigil.engine.alarms.model import COMPOSITE_ALARM, AlarmRecord
from vigil.engine.alarms.reasons import aws_time

REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "af-south-1": "Africa (Cape Town)",
    "ap-east-1": "Asia Pacific (Hong Kong)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "ap-south-2": "Asia Pacific (Hyderabad)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-2": "Asia Pacific (Seoul)",
    "ap-northeast-3": "Asia Pacific (Osaka)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-southeast-3": "Asia Pacific (Jakarta)",
    "ap-southeast-4": "Asia Pacific (Melbourne)",
    "ca-central-1": "Canada (Central)",
    "ca-west-1": "Canada West (Calgary)",
    "eu-central-1": "EU (Frankfurt)",
    "eu-central-2": "EU (Zurich)",
    "eu-west-1": "EU (Ireland)",
    "eu-west-2": "EU (London)",
    "eu-west-3": "EU (Paris)",
    "eu-north-1": "EU (Stockholm)",
    "eu-south-1": "EU (Milan)",
    "eu-south-2": "EU (Spain)",
    "il-central-1": "Israel (Tel Aviv)",
    "me-central-1": "Middle East (UAE)",
    "me-south-1": "Middle East (Bahrain)",
    "sa-east-1": "South America (Sao Paulo)",
}


def region_name(region: str) -> str:
    return REGION_NAMES.get(region, region)


def subject(alarm: AlarmRecord, state: str) -> str:
    return f'{state}: "{alarm.name}" in {region_name(alarm.region)}'


def _trigger(alarm: AlarmRecord) -> dict[str, Any]:
    configuration = alarm.configuration
    if alarm.alarm_type == COMPOSITE_ALARM:
        return {"AlarmRule": configuration["AlarmRule"]}
    trigger: dict[str, Any] = {}
    if "Metrics" not in configuration:
        extended = configuration.get("ExtendedStatistic")
        trigger.update(
            {
                "MetricName": configuration["MetricName"],
                "Namespace": configuration["Namespace"],
                "StatisticType": "ExtendedStatistic" if extended else "Statistic",
            }
        )
        trigger["ExtendedStatistic" if extended else "Statistic"] = extended or configuration["Statistic"].upper()
        trigger["Unit"] = configuration.get("Unit")
        trigger["Dimensions"] = [
            {"value": dimension["Value"], "name": dimension["Name"]} for dimension in configuration["Dimensions"]
        ]
        trigger["Period"] = configuration["Period"]
    else:
        trigger["Period"] = next(
            int(query["MetricStat"]["Period"]) for query in configuration["Metrics"] if "MetricStat" in query
        )
    trigger.update(
        {
            "EvaluationPeriods": configuration["EvaluationPeriods"],
            "DatapointsToAlarm": configuration.get("DatapointsToAlarm", configuration["EvaluationPeriods"]),
            "ComparisonOperator": configuration["ComparisonOperator"],
            "Threshold": configuration["Threshold"],
            "TreatMissingData": configuration.get("TreatMissingData", "missing"),
            "EvaluateLowSampleCountPercentile": configuration.get("EvaluateLowSampleCountPercentile", ""),
        }
    )
    if "Metrics" in configuration:
        trigger["Metrics"] = [_lower_dimensions(query) for query in configuration["Metrics"]]
    return trigger


def _lower_dimensions(query: dict[str, Any]) -> dict[str, Any]:
    if "MetricStat" not in query:
        return query
    metric = dict(query["MetricStat"]["Metric"])
    metric["Dimensions"] = [{"value": d["Value"], "name": d["Name"]} for d in metric.get("Dimensions") or []]
    return {**query, "MetricStat": {**query["MetricStat"], "Metric": metric}}


def message(alarm: AlarmRecord, old_state: str) -> str:
    """The JSON text published for ``alarm``'s current state, reached from ``old_state``."""
    configuration = alarm.configuration
    body = {
        "AlarmName": alarm.name,
        "AlarmDescription": configuration.get("AlarmDescription"),
        "AWSAccountId": alarm.account_id,
        "AlarmConfigurationUpdatedTimestamp": aws_time(alarm.configuration_updated),
        "NewStateValue": alarm.state.value,
        "NewStateReason": alarm.state.reason,
        "StateChangeTime": aws_time(alarm.state.updated),
        "Region": region_name(alarm.region),
        "AlarmArn": alarm.arn,
        "OldStateValue": old_state,
        "OKActions": configuration.get("OKActions") or [],
        "AlarmActions": configuration.get("AlarmActions") or [],
        "InsufficientDataActions": configuration.get("InsufficientDataActions") or [],
        "Trigger": _trigger(alarm),
    }
    return orjson.dumps(body).decode()
