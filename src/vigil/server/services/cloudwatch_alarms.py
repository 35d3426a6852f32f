"""CloudWatch alarms: PutMetricAlarm, PutCompositeAlarm, DescribeAlarms, DescribeAlarmsForMetric,
DescribeAlarmHistory, DeleteAlarms, SetAlarmState, Enable/DisableAlarmActions and the tag operations for alarm
ARNs. The same service as PutMetricData; the runtime merges both modules' handlers."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from vigil.engine.alarms.alarms import Alarms, Change, parse_reason_data
from vigil.engine.alarms.composites import resolve
from vigil.engine.alarms.definitions import composite_alarm_configuration, metric_alarm_configuration
from vigil.engine.alarms.describe import describe_alarm_history, describe_alarms, describe_alarms_for_metric
from vigil.engine.alarms.model import (
    COMPOSITE_ALARM,
    INSUFFICIENT_DATA,
    METRIC_ALARM,
    AlarmKey,
    AlarmRecord,
    AlarmState,
)
from vigil.engine.alarms.rules import parse_rule, references
from vigil.errors import ServiceError
from vigil.server.services.base import Params, RequestContext, Result, Service, operation

MAX_TAGS = 50
INITIAL_REASON = "Unchecked: Initial alarm creation"


def _tags(params: Params) -> list[dict[str, str]]:
    tags = {tag["Key"]: tag["Value"] for tag in params.get("Tags") or []}
    if len(tags) > MAX_TAGS:
        raise ServiceError("ValidationError", f"An alarm can have at most {MAX_TAGS} tags.")
    return [{"Key": key, "Value": value} for key, value in tags.items()]


class CloudWatchAlarmsService(Service):
    name = "cloudwatch"

    def __init__(self, alarms: Alarms) -> None:
        self.alarms = alarms

    def _key(self, ctx: RequestContext, name: str) -> AlarmKey:
        return (ctx.scope.account_id, ctx.scope.region, name)

    def _new(self, ctx: RequestContext, kind: str, configuration: dict[str, Any]) -> AlarmRecord:
        now = self.alarms.clock()
        state = AlarmState(INSUFFICIENT_DATA, INITIAL_REASON, None, now, now)
        return AlarmRecord(
            ctx.scope.account_id, ctx.scope.region, configuration["AlarmName"], kind, configuration, now, state
        )

    @operation("PutMetricAlarm")
    def put_metric_alarm(self, ctx: RequestContext, params: Params) -> Result:
        configuration = metric_alarm_configuration(params, ctx.scope.region)
        self.alarms.put(self._new(ctx, METRIC_ALARM, configuration), _tags(params))
        return {}

    @operation("PutCompositeAlarm")
    def put_composite_alarm(self, ctx: RequestContext, params: Params) -> Result:
        configuration = composite_alarm_configuration(params, ctx.scope.region)
        key = self._key(ctx, params["AlarmName"])
        named = references(parse_rule(configuration["AlarmRule"]))
        if "ActionsSuppressor" in configuration:
            named.append(configuration["ActionsSuppressor"])
        with self.alarms.lock:
            absent = [ref for ref in named if resolve(key, ref) not in self.alarms.records and resolve(key, ref) != key]
            if absent:
                raise ServiceError(
                    "ValidationError",
                    f"Could not save the composite alarm as alarms [{', '.join(absent)}] "
                    "in the alarm rule do not exist",
                )
            self.alarms.put(self._new(ctx, COMPOSITE_ALARM, configuration), _tags(params))
        return {}

    @operation("DescribeAlarms")
    def describe_alarms(self, ctx: RequestContext, params: Params) -> Result:
        return describe_alarms(self.alarms, ctx.scope, params)

    @operation("DescribeAlarmsForMetric")
    def describe_alarms_for_metric(self, ctx: RequestContext, params: Params) -> Result:
        return describe_alarms_for_metric(self.alarms, ctx.scope, params)

    @operation("DescribeAlarmHistory")
    def describe_alarm_history(self, ctx: RequestContext, params: Params) -> Result:
        return describe_alarm_history(self.alarms, ctx.scope, params)

    @operation("DeleteAlarms")
    def delete_alarms(self, ctx: RequestContext, params: Params) -> Result:
        self.alarms.delete([self._key(ctx, name) for name in params.get("AlarmNames") or []])
        return {}

    @operation("SetAlarmState")
    def set_alarm_state(self, ctx: RequestContext, params: Params) -> Result:
        data = parse_reason_data(params.get("StateReasonData"))
        key = self._key(ctx, params["AlarmName"])
        with self.alarms.lock:
            self.alarms.require(key)
            self.alarms.apply([Change(key, params["StateValue"], params["StateReason"], data)], self.alarms.clock())
        return {}

    def _set_actions(self, ctx: RequestContext, params: Params, enabled: bool) -> Result:
        with self.alarms.lock:
            found = [self.alarms.get(self._key(ctx, name)) for name in params.get("AlarmNames") or []]
            changed = [
                replace(alarm, configuration={**alarm.configuration, "ActionsEnabled": enabled})
                for alarm in found
                if alarm is not None
            ]
            self.alarms.update_records(changed)
        return {}

    @operation("EnableAlarmActions")
    def enable_alarm_actions(self, ctx: RequestContext, params: Params) -> Result:
        return self._set_actions(ctx, params, True)

    @operation("DisableAlarmActions")
    def disable_alarm_actions(self, ctx: RequestContext, params: Params) -> Result:
        return self._set_actions(ctx, params, False)

    def _by_arn(self, ctx: RequestContext, arn: str) -> AlarmRecord:
        prefix = f"arn:aws:cloudwatch:{ctx.scope.region}:{ctx.scope.account_id}:alarm:"
        alarm = self.alarms.get(self._key(ctx, arn[len(prefix) :])) if arn.startswith(prefix) else None
        if alarm is None:
            raise ServiceError("ResourceNotFoundException", "The specified resource does not exist.")
        return alarm

    @operation("TagResource")
    def tag_resource(self, ctx: RequestContext, params: Params) -> Result:
        with self.alarms.lock:
            alarm = self._by_arn(ctx, params["ResourceARN"])
            tags = {tag["Key"]: tag["Value"] for tag in alarm.tags}
            tags.update({tag["Key"]: tag["Value"] for tag in params["Tags"]})
            merged = _tags({"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]})
            self.alarms.update_records([replace(alarm, tags=merged)])
        return {}

    @operation("UntagResource")
    def untag_resource(self, ctx: RequestContext, params: Params) -> Result:
        with self.alarms.lock:
            alarm = self._by_arn(ctx, params["ResourceARN"])
            gone = set(params.get("TagKeys") or [])
            self.alarms.update_records([replace(alarm, tags=[t for t in alarm.tags if t["Key"] not in gone])])
        return {}

    @operation("ListTagsForResource")
    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Result:
        return {"Tags": list(self._by_arn(ctx, params["ResourceARN"]).tags)}
