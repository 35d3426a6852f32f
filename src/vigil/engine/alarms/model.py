"""What an alarm is once stored: its configuration (AWS's member names, as DescribeAlarms returns them), its
state, and what Vigil adds (an acknowledgement). The store keeps these records; the engine keeps a copy of
each in memory, so that a tick reads no alarm rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from vigil.engine.logs.scope import Scope
from vigil.store.alarms import AlarmRow

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
STATES = (OK, ALARM, INSUFFICIENT_DATA)
METRIC_ALARM, COMPOSITE_ALARM = "MetricAlarm", "CompositeAlarm"

# Which configuration member lists the actions run on entering each state.
ACTIONS_OF_STATE = {ALARM: "AlarmActions", OK: "OKActions", INSUFFICIENT_DATA: "InsufficientDataActions"}

AlarmKey = tuple[str, str, str]  # account, region, name


def alarm_arn(account_id: str, region: str, name: str) -> str:
    return f"arn:aws:cloudwatch:{region}:{account_id}:alarm:{name}"


@dataclass(frozen=True)
class AlarmState:
    value: str
    reason: str
    reason_data: str | None  # JSON text, as StateReasonData is returned
    updated: int  # epoch milliseconds: the last state update (also one that kept the value)
    transitioned: int  # epoch milliseconds: the last change of value


@dataclass(frozen=True)
class Acknowledgement:
    by: str
    note: str
    at: int


@dataclass
class AlarmRecord:
    account_id: str
    region: str
    name: str
    alarm_type: str
    configuration: dict[str, Any]  # PutMetricAlarm / PutCompositeAlarm members as given, AWS's names
    configuration_updated: int
    state: AlarmState
    tags: list[dict[str, str]] = field(default_factory=list)
    acknowledgement: Acknowledgement | None = None

    @property
    def key(self) -> AlarmKey:
        return (self.account_id, self.region, self.name)

    @property
    def scope(self) -> Scope:
        return Scope(self.account_id, self.region)

    @property
    def arn(self) -> str:
        return alarm_arn(self.account_id, self.region, self.name)

    @property
    def actions_enabled(self) -> bool:
        return bool(self.configuration.get("ActionsEnabled", True))

    def actions(self, state: str) -> list[str]:
        return list(self.configuration.get(ACTIONS_OF_STATE[state]) or [])

    def row(self) -> AlarmRow:
        acknowledgement = self.acknowledgement
        return AlarmRow(
            self.account_id,
            self.region,
            self.name,
            self.alarm_type,
            orjson.dumps(self.configuration).decode(),
            self.configuration_updated,
            self.state.value,
            self.state.reason,
            self.state.reason_data,
            self.state.updated,
            self.state.transitioned,
            None if acknowledgement is None else orjson.dumps(acknowledgement.__dict__).decode(),
            orjson.dumps(self.tags).decode(),
        )

    @classmethod
    def from_row(cls, row: AlarmRow) -> AlarmRecord:
        state = AlarmState(
            row.state_value, row.state_reason, row.state_reason_data, row.state_updated, row.state_transitioned
        )
        acknowledgement = None if row.acknowledgement is None else Acknowledgement(**orjson.loads(row.acknowledgement))
        return cls(
            row.account_id,
            row.region,
            row.name,
            row.alarm_type,
            orjson.loads(row.configuration),
            row.configuration_updated,
            state,
            orjson.loads(row.tags),
            acknowledgement,
        )
