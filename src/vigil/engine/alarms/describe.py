"""DescribeAlarms, DescribeAlarmsForMetric and DescribeAlarmHistory: filters, AWS's paging and the members each
alarm and history item is described with.

DescribeAlarms (API reference): without AlarmTypes only metric alarms are returned; AlarmNames and
AlarmNamePrefix exclude each other; ChildrenOfAlarmName and ParentsOfAlarmName allow only MaxRecords and
NextToken beside them (children are described by name, ARN, state and state timestamp; parents by name and
ARN); MaxRecords 1 to 100, 50 by default; alarms in name order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from vigil.engine.alarms.alarms import Alarms
from vigil.engine.alarms.model import COMPOSITE_ALARM, METRIC_ALARM, AlarmKey, AlarmRecord
from vigil.engine.logs.scope import Scope
from vigil.engine.metrics.datums import canonical_dimensions, millis
from vigil.engine.paging import decode_token, encode_token
from vigil.errors import ServiceError
from vigil.store.alarms import HistoryQuery

DEFAULT_RECORDS = 50
DEFAULT_HISTORY_RECORDS = 100
_TYPES = {"MetricAlarm": METRIC_ALARM, "CompositeAlarm": COMPOSITE_ALARM}


def _time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def described(alarms: Alarms, alarm: AlarmRecord) -> dict[str, Any]:
    """The alarm as DescribeAlarms returns it (MetricAlarm or CompositeAlarm members)."""
    configuration = alarm.configuration
    out: dict[str, Any] = {"AlarmName": alarm.name, "AlarmArn": alarm.arn}
    if "AlarmDescription" in configuration:
        out["AlarmDescription"] = configuration["AlarmDescription"]
    out["AlarmConfigurationUpdatedTimestamp"] = _time(alarm.configuration_updated)
    out["ActionsEnabled"] = alarm.actions_enabled
    for member in ("OKActions", "AlarmActions", "InsufficientDataActions"):
        out[member] = list(configuration.get(member) or [])
    out["StateValue"] = alarm.state.value
    out["StateReason"] = alarm.state.reason
    if alarm.state.reason_data:
        out["StateReasonData"] = alarm.state.reason_data
    out["StateUpdatedTimestamp"] = _time(alarm.state.updated)
    out["StateTransitionedTimestamp"] = _time(alarm.state.transitioned)
    skip = {"AlarmName", "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions", "InsufficientDataActions"}
    for member, value in configuration.items():
        if member not in skip:
            out[member] = value
    if alarm.alarm_type == COMPOSITE_ALARM:
        held = alarms.suppressions.get(alarm.key)
        if held is not None:
            out["ActionsSuppressedBy"] = held.by
            out["ActionsSuppressedReason"] = held.reason
    return out


def _has_action(alarm: AlarmRecord, prefix: str) -> bool:
    return any(
        action.startswith(prefix)
        for member in ("OKActions", "AlarmActions", "InsufficientDataActions")
        for action in alarm.configuration.get(member) or []
    )


def describe_alarms(alarms: Alarms, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
    limit = int(params.get("MaxRecords", DEFAULT_RECORDS))
    after = decode_token(params.get("NextToken"), "describe-alarms", code="InvalidNextToken")
    family = params.get("ChildrenOfAlarmName") or params.get("ParentsOfAlarmName")
    if family is not None:
        others = set(params) - {"ChildrenOfAlarmName", "ParentsOfAlarmName", "MaxRecords", "NextToken"}
        if others or ("ChildrenOfAlarmName" in params and "ParentsOfAlarmName" in params):
            raise ServiceError(
                "ValidationError",
                "ChildrenOfAlarmName and ParentsOfAlarmName can be used only with MaxRecords and NextToken.",
            )
    if "AlarmNames" in params and "AlarmNamePrefix" in params:
        raise ServiceError("InvalidParameterCombination", "AlarmNames and AlarmNamePrefix cannot be used together.")
    with alarms.lock:
        own = (scope.account_id, scope.region)
        if family is not None:
            key: AlarmKey = (*own, family)
            related = alarms.rules.children(key) if "ChildrenOfAlarmName" in params else alarms.rules.parents(key)
            found = [alarms.records[k] for k in related if k in alarms.records]
            types = {METRIC_ALARM, COMPOSITE_ALARM}
        else:
            types = {_TYPES[t] for t in params.get("AlarmTypes") or ["MetricAlarm"] if t in _TYPES}
            names = set(params.get("AlarmNames") or [])
            prefix = params.get("AlarmNamePrefix")
            state = params.get("StateValue")
            action_prefix = params.get("ActionPrefix")
            found = [
                alarm
                for alarm in alarms.records.values()
                if (alarm.account_id, alarm.region) == own
                and alarm.alarm_type in types
                and (not names or alarm.name in names)
                and (prefix is None or alarm.name.startswith(prefix))
                and (state is None or alarm.state.value == state)
                and (action_prefix is None or _has_action(alarm, action_prefix))
            ]
        found.sort(key=lambda alarm: alarm.name)
        if after is not None:
            found = [alarm for alarm in found if alarm.name > after]
        page = found[:limit]
        if family is not None and "ChildrenOfAlarmName" in params:
            shaped = [_child(alarm) for alarm in page]
        elif family is not None:
            shaped = [{"AlarmName": a.name, "AlarmArn": a.arn} for a in page]
        else:
            shaped = [described(alarms, alarm) for alarm in page]
    out: dict[str, Any] = {
        "MetricAlarms": [s for s, a in zip(shaped, page, strict=True) if a.alarm_type == METRIC_ALARM],
        "CompositeAlarms": [s for s, a in zip(shaped, page, strict=True) if a.alarm_type == COMPOSITE_ALARM],
    }
    if len(found) > limit:
        out["NextToken"] = encode_token("describe-alarms", page[-1].name)
    return out


def _child(alarm: AlarmRecord) -> dict[str, Any]:
    return {
        "AlarmName": alarm.name,
        "AlarmArn": alarm.arn,
        "StateValue": alarm.state.value,
        "StateUpdatedTimestamp": _time(alarm.state.updated),
    }


def describe_alarms_for_metric(alarms: Alarms, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
    wanted_dimensions = canonical_dimensions(params["Dimensions"], "Dimensions") if "Dimensions" in params else None
    with alarms.lock:
        found = []
        for alarm in alarms.records.values():
            configuration = alarm.configuration
            if (alarm.account_id, alarm.region) != (
                scope.account_id,
                scope.region,
            ) or "MetricName" not in configuration:
                continue
            if configuration["MetricName"] != params["MetricName"] or configuration["Namespace"] != params["Namespace"]:
                continue
            if any(
                member in params and configuration.get(member) != params[member]
                for member in ("Statistic", "ExtendedStatistic", "Period", "Unit")
            ):
                continue
            if wanted_dimensions is not None and (
                canonical_dimensions(configuration.get("Dimensions") or [], "Dimensions") != wanted_dimensions
            ):
                continue
            found.append(alarm)
        found.sort(key=lambda alarm: alarm.name)
        return {"MetricAlarms": [described(alarms, alarm) for alarm in found]}


def describe_alarm_history(alarms: Alarms, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
    limit = int(params.get("MaxRecords", DEFAULT_HISTORY_RECORDS))
    after = decode_token(params.get("NextToken"), "alarm-history", code="InvalidNextToken")
    if after is not None and not (
        isinstance(after, list) and len(after) == 2 and all(isinstance(x, int) for x in after)
    ):
        raise ServiceError("InvalidNextToken", "The specified nextToken is invalid.")
    types = [_TYPES[t] for t in params.get("AlarmTypes") or [] if t in _TYPES]
    query = HistoryQuery(
        account_id=scope.account_id,
        region=scope.region,
        alarm_name=params.get("AlarmName"),
        alarm_types=types,
        item_type=params.get("HistoryItemType"),
        start=millis(params["StartDate"]) if "StartDate" in params else None,
        end=millis(params["EndDate"]) if "EndDate" in params else None,
        ascending=params.get("ScanBy") == "TimestampAscending",
        after=None if after is None else (after[0], after[1]),
        limit=limit + 1,
    )
    rows = alarms.store.history(query)
    page = rows[:limit]
    out: dict[str, Any] = {
        "AlarmHistoryItems": [
            {
                "AlarmName": row.alarm_name,
                "AlarmType": row.alarm_type,
                "Timestamp": _time(row.timestamp),
                "HistoryItemType": row.item_type,
                "HistorySummary": row.summary,
                "HistoryData": row.data,
            }
            for _, row in page
        ]
    }
    if len(rows) > limit:
        seq, last = page[-1]
        out["NextToken"] = encode_token("alarm-history", [last.timestamp, seq])
    return out
