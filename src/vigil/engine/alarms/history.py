"""The history items CloudWatch writes for configuration and state changes, with the JSON it puts in
HistoryData: ``{"type":"Create","version":"1.0","createdAlarm":{...}}`` (Update: originalAlarm and
updatedAlarm; Delete: deletedAlarm) and ``{"version":"1.0","oldState":{...},"newState":{...}}`` with each
state's stateValue, stateReason and stateReasonData (the AWS CLI's describe-alarm-history example)."""

from __future__ import annotations

from typing import Any

import orjson

from vigil.engine.alarms.model import AlarmRecord, AlarmState
from vigil.store.alarms import HistoryRow


def _camel(name: str) -> str:
    return name[0].lower() + name[1:]


def _described(alarm: AlarmRecord) -> dict[str, Any]:
    return {_camel(name): value for name, value in alarm.configuration.items()}


def configuration_item(kind: str, when: int, old: AlarmRecord | None, new: AlarmRecord) -> HistoryRow:
    """``kind``: Create, Update or Delete (``new`` is the deleted alarm then)."""
    data: dict[str, Any] = {"type": kind, "version": "1.0"}
    if kind == "Create":
        data["createdAlarm"] = _described(new)
    elif kind == "Update":
        assert old is not None
        data["originalAlarm"] = _described(old)
        data["updatedAlarm"] = _described(new)
    else:
        data["deletedAlarm"] = _described(new)
    summary = f'Alarm "{new.name}" {kind.lower()}d'
    return HistoryRow(
        new.account_id,
        new.region,
        new.name,
        new.alarm_type,
        when,
        "ConfigurationUpdate",
        summary,
        orjson.dumps(data).decode(),
    )


def _state(state: AlarmState) -> dict[str, Any]:
    found: dict[str, Any] = {"stateValue": state.value, "stateReason": state.reason}
    if state.reason_data:
        found["stateReasonData"] = orjson.loads(state.reason_data)
    return found


def state_item(alarm: AlarmRecord, old: AlarmState) -> HistoryRow:
    new = alarm.state
    data = {"version": "1.0", "oldState": _state(old), "newState": _state(new)}
    return HistoryRow(
        alarm.account_id,
        alarm.region,
        alarm.name,
        alarm.alarm_type,
        new.updated,
        "StateUpdate",
        f"Alarm updated from {old.value} to {new.value}",
        orjson.dumps(data).decode(),
    )


def action_item(alarm: AlarmRecord, when: int, summary: str, data: dict[str, Any]) -> HistoryRow:
    """An Action item: an action run (or not), or Vigil's own acknowledgements."""
    return HistoryRow(
        alarm.account_id,
        alarm.region,
        alarm.name,
        alarm.alarm_type,
        when,
        "Action",
        summary,
        orjson.dumps(data).decode(),
    )
