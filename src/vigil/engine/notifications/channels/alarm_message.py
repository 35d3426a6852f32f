"""CloudWatch's alarm notification, read from the JSON an alarm action publishes, and the phrases every channel
shows of it.

An alarm action publishes one JSON document (AlarmName, AlarmDescription, AWSAccountId, NewStateValue,
NewStateReason, StateChangeTime, Region, AlarmArn, OldStateValue, the actions, and Trigger: the metric, or the
metric-math queries, and the threshold; a composite alarm has AlarmRule instead). Email, Slack and PagerDuty
each render it in their own way; the wording they share (subject, state change, threshold, metric) is here so
it reads the same everywhere and as AWS's alarm emails read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

# Trigger.Statistic is written in capitals; AWS's emails show the API's spelling.
_STATISTICS = {
    "SAMPLE_COUNT": "SampleCount",
    "AVERAGE": "Average",
    "SUM": "Sum",
    "MINIMUM": "Minimum",
    "MAXIMUM": "Maximum",
}
# AWS once wrote this label into the value itself ("- TreatMissingData:    missing"); forwarders meet both.
_TREAT_MISSING_LABEL = "- TreatMissingData:"


@dataclass(frozen=True)
class AlarmMessage:
    document: Mapping[str, Any]  # the whole published JSON, as forwarders receive it

    @property
    def name(self) -> str:
        return str(self.document["AlarmName"])

    @property
    def new_state(self) -> str:
        return str(self.document["NewStateValue"])

    @property
    def old_state(self) -> str | None:
        return _text(self.document.get("OldStateValue"))

    @property
    def reason(self) -> str:
        return _text(self.document.get("NewStateReason")) or ""

    @property
    def description(self) -> str | None:
        return _text(self.document.get("AlarmDescription"))

    @property
    def account_id(self) -> str | None:
        return _text(self.document.get("AWSAccountId"))

    @property
    def arn(self) -> str | None:
        return _text(self.document.get("AlarmArn"))

    @property
    def region(self) -> str:
        """The region's display name, as the JSON carries it ("US East (N. Virginia)")."""
        return _text(self.document.get("Region")) or ""

    @property
    def region_code(self) -> str | None:
        """The region's code, from the alarm's ARN (arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME)."""
        parts = (self.arn or "").split(":")
        return parts[3] if len(parts) > 5 and parts[3] else None

    @property
    def state_change_time(self) -> str | None:
        return _text(self.document.get("StateChangeTime"))

    @property
    def trigger(self) -> Mapping[str, Any]:
        trigger = self.document.get("Trigger")
        return trigger if isinstance(trigger, Mapping) else {}

    @property
    def rule(self) -> str | None:
        """A composite alarm's AlarmRule."""
        return _text(self.document.get("AlarmRule"))

    @property
    def subject(self) -> str:
        """The Subject CloudWatch publishes with: ``ALARM: "name" in US East (N. Virginia)``."""
        where = f" in {self.region}" if self.region else ""
        return f'{self.new_state}: "{self.name}"{where}'

    @property
    def state_change(self) -> str:
        return f"{self.old_state} -> {self.new_state}" if self.old_state else self.new_state

    @property
    def when(self) -> str:
        """StateChangeTime as AWS's alarm emails write it: ``Tuesday 01 April, 2025 19:30:51 UTC``."""
        moment = parse_time(self.state_change_time)
        if moment is None:
            return self.state_change_time or ""
        return moment.strftime("%A %d %B, %Y %H:%M:%S UTC")

    @property
    def threshold(self) -> str | None:
        """``GreaterThanThreshold 80.0 for at least 2 of the last 3 period(s) of 60 seconds``; None for a
        composite alarm, which has no threshold."""
        trigger = self.trigger
        operator = _text(trigger.get("ComparisonOperator"))
        if not operator:
            return None
        band = _text(trigger.get("ThresholdMetricId"))
        bound = f"the band {band}" if band else number(trigger.get("Threshold"))
        periods = trigger.get("EvaluationPeriods")
        needed = trigger.get("DatapointsToAlarm") or periods
        period = trigger.get("Period")
        if periods is None or period is None:
            return f"{operator} {bound}"
        return f"{operator} {bound} for at least {needed} of the last {periods} period(s) of {period} seconds"

    @property
    def statistic(self) -> str:
        trigger = self.trigger
        extended = _text(trigger.get("ExtendedStatistic"))
        if extended:
            return extended
        statistic = _text(trigger.get("Statistic")) or ""
        return _STATISTICS.get(statistic, statistic)

    @property
    def treat_missing_data(self) -> str | None:
        value = _text(self.trigger.get("TreatMissingData"))
        return value.removeprefix(_TREAT_MISSING_LABEL).strip() if value else None

    @property
    def dimensions(self) -> str:
        """``[InstanceId = i-0123] [AutoScalingGroupName = web]`` as AWS's emails write them."""
        return dimensions_text(self.trigger.get("Dimensions"))

    @property
    def metric(self) -> str:
        """One line naming what the alarm watches: ``AWS/EC2 CPUUtilization [InstanceId = i-0123]``, the
        returned expression of a metric-math alarm, or a composite alarm's rule."""
        trigger = self.trigger
        if trigger.get("MetricName"):
            return " ".join(part for part in (trigger.get("Namespace"), trigger["MetricName"], self.dimensions) if part)
        for query in metric_queries(trigger):
            if query.get("ReturnData", True) is not False:
                return query_text(query)
        return self.rule or ""

    @property
    def source(self) -> str:
        """The affected system, for tools that ask for one: the metric's dimensions, else its namespace."""
        trigger = self.trigger
        dimensions = trigger.get("Dimensions")
        if isinstance(dimensions, Sequence) and dimensions:
            return ", ".join(f"{d.get('name')}={d.get('value')}" for d in dimensions if isinstance(d, Mapping))
        return _text(trigger.get("Namespace")) or self.region_code or "cloudwatch"

    def actions(self, state: str) -> list[str]:
        key = {"OK": "OKActions", "ALARM": "AlarmActions", "INSUFFICIENT_DATA": "InsufficientDataActions"}[state]
        value = self.document.get(key)
        return [str(action) for action in value] if isinstance(value, Sequence) and not isinstance(value, str) else []


def parse_alarm(message: str) -> AlarmMessage | None:
    """The alarm a message carries, or None when it is not CloudWatch's alarm JSON (an object with string
    AlarmName and NewStateValue)."""
    if not message.lstrip().startswith("{"):
        return None
    try:
        document = orjson.loads(message)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(document, dict):
        return None
    if not isinstance(document.get("AlarmName"), str) or not isinstance(document.get("NewStateValue"), str):
        return None
    return AlarmMessage(document)


def parse_time(text: str | None) -> dt.datetime | None:
    """CloudWatch's ``2025-04-01T19:30:51.123+0000`` (or any ISO 8601 form) in UTC."""
    if not text:
        return None
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return dt.datetime.strptime(text, pattern).astimezone(dt.UTC)
        except ValueError:
            continue
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def number(value: Any) -> str:
    """A threshold as AWS writes it: always with a decimal point (``80.0``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return repr(float(value))


def dimensions_text(dimensions: Any) -> str:
    if not isinstance(dimensions, Sequence) or isinstance(dimensions, str):
        return ""
    return " ".join(
        f"[{d.get('name')} = {d.get('value')}]" for d in dimensions if isinstance(d, Mapping) and d.get("name")
    )


def metric_queries(trigger: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    queries = trigger.get("Metrics")
    if not isinstance(queries, Sequence) or isinstance(queries, str):
        return []
    return [query for query in queries if isinstance(query, Mapping)]


def query_text(query: Mapping[str, Any]) -> str:
    """One metric-math query: ``e1: m1 * 100`` or ``m1: AWS/EC2 NetworkOut [InstanceId = i-1], Average over
    60 seconds``, with its label when it has one."""
    label = f" ({query['Label']})" if query.get("Label") else ""
    if query.get("Expression"):
        return f"{query.get('Id')}: {query['Expression']}{label}"
    stat = query.get("MetricStat")
    stat = stat if isinstance(stat, Mapping) else {}
    metric = stat.get("Metric")
    metric = metric if isinstance(metric, Mapping) else {}
    names = " ".join(
        str(part)
        for part in (metric.get("Namespace"), metric.get("MetricName"), dimensions_text(metric.get("Dimensions")))
        if part
    )
    return f"{query.get('Id')}: {names}, {stat.get('Stat')} over {stat.get('Period')} seconds{label}"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
