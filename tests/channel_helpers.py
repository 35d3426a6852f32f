"""Deliveries and CloudWatch alarm JSON for the channel tests (email, Slack, PagerDuty)."""

from __future__ import annotations

import json
from typing import Any

from vigil.engine.notifications.channels.base import Delivery, DeliveryKind
from vigil.engine.notifications.links import Links

LINKS = Links("http://vigil.test:4588")
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:alerts-p1"
SUBSCRIPTION_ARN = TOPIC_ARN + ":2bcfbf39-05c3-41de-beaa-fcfcc21c8f55"
ALARM_ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:HighErrorRate"
TOPIC_ACTIONS = [TOPIC_ARN]


def alarm_document(new: str = "ALARM", old: str = "OK", **changes: Any) -> dict[str, Any]:
    """An alarm notification shaped as CloudWatch publishes it (single metric)."""
    document: dict[str, Any] = {
        "AlarmName": "HighErrorRate",
        "AlarmDescription": "5xx responses of the orders API",
        "AWSAccountId": "123456789012",
        "AlarmConfigurationUpdatedTimestamp": "2025-04-01T19:00:02.130+0000",
        "NewStateValue": new,
        "NewStateReason": "Threshold Crossed: 2 out of the last 3 datapoints [12.0 (01/04/25 19:29:00), 9.0 "
        "(01/04/25 19:28:00)] were greater than the threshold (5.0) (minimum 2 datapoints for OK -> ALARM "
        "transition).",
        "StateChangeTime": "2025-04-01T19:30:51.123+0000",
        "Region": "US East (N. Virginia)",
        "AlarmArn": ALARM_ARN,
        "OldStateValue": old,
        "OKActions": TOPIC_ACTIONS,
        "AlarmActions": TOPIC_ACTIONS,
        "InsufficientDataActions": [],
        "Trigger": {
            "MetricName": "HTTPCode_Target_5XX_Count",
            "Namespace": "AWS/ApplicationELB",
            "StatisticType": "Statistic",
            "Statistic": "SUM",
            "Unit": None,
            "Dimensions": [{"value": "app/orders/50dc6c495c0c9188", "name": "LoadBalancer"}],
            "Period": 60,
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 2,
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": 5.0,
            "TreatMissingData": "notBreaching",
            "EvaluateLowSampleCountPercentile": "",
        },
    }
    document.update(changes)
    return document


def math_alarm_document() -> dict[str, Any]:
    """A metric-math alarm: Trigger has Metrics instead of a metric."""
    trigger = {
        "Period": 60,
        "EvaluationPeriods": 1,
        "ComparisonOperator": "GreaterThanThreshold",
        "Threshold": 1.0,
        "TreatMissingData": "missing",
        "EvaluateLowSampleCountPercentile": "",
        "Metrics": [
            {"Expression": "100 * errors / requests", "Id": "e1", "Label": "Error rate", "ReturnData": True},
            {
                "Id": "errors",
                "MetricStat": {
                    "Metric": {"Dimensions": [], "MetricName": "Errors", "Namespace": "Orders"},
                    "Period": 60,
                    "Stat": "Sum",
                },
                "ReturnData": False,
            },
        ],
    }
    return alarm_document(AlarmName="ErrorRate", Trigger=trigger)


def delivery(
    protocol: str,
    endpoint: str,
    message: str | dict[str, Any] = "Orders are failing",
    *,
    kind: DeliveryKind = "Notification",
    **fields: Any,
) -> Delivery:
    text = json.dumps(message) if isinstance(message, dict) else message
    values: dict[str, Any] = {
        "kind": kind,
        "protocol": protocol,
        "endpoint": endpoint,
        "topic_arn": TOPIC_ARN,
        "subscription_arn": SUBSCRIPTION_ARN,
        "message_id": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "message": text,
        "timestamp": "2025-04-01T19:30:51.187Z",
    }
    values.update(fields)
    return Delivery(**values)
