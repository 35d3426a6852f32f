"""The alarms of every account and region: their configuration and state in memory (the store keeps them),
changes of state with their history items and actions, acknowledgements, and the actions suppressor.

Every change goes through ``_commit``: the alarms' new records and their history items are written in one
transaction, then kept in memory, then their actions run (so a notification never announces a state that was
not stored) and the action items are written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import orjson

from vigil.engine.alarms import history
from vigil.engine.alarms.actions import ActionRunner
from vigil.engine.alarms.composites import BY_ALARM, EXTENSION, CompositeRules, Suppression, resolve
from vigil.engine.alarms.composites import suppression_on_alarm as suppression_for
from vigil.engine.alarms.model import (
    ALARM,
    COMPOSITE_ALARM,
    OK,
    Acknowledgement,
    AlarmKey,
    AlarmRecord,
    AlarmState,
)
from vigil.engine.alarms.reasons import composite_reason, composite_reason_data
from vigil.engine.notifications.publishing import Publisher
from vigil.errors import ServiceError
from vigil.store.alarms import AlarmsStore, HistoryRow


@dataclass(frozen=True)
class Change:
    """A new state for an alarm, as an evaluation or SetAlarmState decided it."""

    key: AlarmKey
    value: str
    reason: str
    reason_data: str | None


class Alarms:
    def __init__(self, store: AlarmsStore, publisher: Publisher | None, clock: Callable[[], int]) -> None:
        self.store = store
        self.clock = clock
        self.runner = ActionRunner(publisher)
        self.lock = threading.RLock()
        self.records: dict[AlarmKey, AlarmRecord] = {}
        self.rules = CompositeRules()
        self.suppressions: dict[AlarmKey, Suppression] = {}
        self._left_alarm_at: dict[AlarmKey, int] = {}
        for row in store.load():
            self._remember(AlarmRecord.from_row(row))

    def _remember(self, alarm: AlarmRecord) -> None:
        self.records[alarm.key] = alarm
        if alarm.alarm_type == COMPOSITE_ALARM:
            self.rules.set(alarm)

    def get(self, key: AlarmKey) -> AlarmRecord | None:
        return self.records.get(key)

    def require(self, key: AlarmKey) -> AlarmRecord:
        alarm = self.records.get(key)
        if alarm is None:
            raise ServiceError("ResourceNotFound", f"Alarm {key[2]} does not exist.")
        return alarm

    # Configuration

    def put(self, alarm: AlarmRecord, tags: list[dict[str, str]]) -> None:
        """Create ``alarm`` (in INSUFFICIENT_DATA, with ``tags``) or replace an existing one's configuration,
        keeping its state and tags, as PutMetricAlarm and PutCompositeAlarm do."""
        with self.lock:
            old = self.records.get(alarm.key)
            if old is not None and old.alarm_type != alarm.alarm_type:
                raise ServiceError(
                    "ValidationError",
                    f"An alarm named {alarm.name} of another type already exists; delete it or choose another name.",
                )
            if old is None:
                alarm.tags = tags
                item = history.configuration_item("Create", alarm.configuration_updated, None, alarm)
            else:
                alarm.state, alarm.tags, alarm.acknowledgement = old.state, old.tags, old.acknowledgement
                item = history.configuration_item("Update", alarm.configuration_updated, old, alarm)
            self.store.write(upsert=[alarm.row()], history=[item])
            self._remember(alarm)
            if alarm.alarm_type == COMPOSITE_ALARM:
                self.evaluate_composites([], self.clock(), own=alarm.key, created=old is None)

    def delete(self, keys: list[AlarmKey]) -> None:
        with self.lock:
            found = [self.records[key] for key in dict.fromkeys(keys) if key in self.records]
            if sum(1 for alarm in found if alarm.alarm_type == COMPOSITE_ALARM) > 1:
                raise ServiceError("ValidationError", "DeleteAlarms can delete at most one composite alarm at a time.")
            leaving = {alarm.key for alarm in found}
            for alarm in found:
                parents = [parent for parent in self.rules.parents(alarm.key) if parent not in leaving]
                if parents:
                    raise ServiceError(
                        "ResourceConflict",
                        f"Alarm {alarm.name} cannot be deleted: the composite alarm(s) "
                        f"{', '.join(p[2] for p in parents)} refer to it in their AlarmRule.",
                    )
            now = self.clock()
            items = [history.configuration_item("Delete", now, None, alarm) for alarm in found]
            self.store.write(delete=[alarm.key for alarm in found], history=items)
            for alarm in found:
                del self.records[alarm.key]
                self.rules.forget(alarm.key)
                self.suppressions.pop(alarm.key, None)

    def update_records(self, alarms: list[AlarmRecord]) -> None:
        """Store records changed outside their state (actions enabled, tags)."""
        with self.lock:
            self.store.write(upsert=[alarm.row() for alarm in alarms])
            for alarm in alarms:
                self._remember(alarm)

    # State changes

    def apply(self, changes: Iterable[Change], now: int) -> list[AlarmKey]:
        """Take each alarm to its new state (a change to the same value only updates the reason), write it with
        its history, run the actions of every real transition; then evaluate the composites the transitions
        reach. Returns the alarms that transitioned."""
        with self.lock:
            updated: list[tuple[AlarmRecord, AlarmState]] = []
            for change in changes:
                alarm = self.records.get(change.key)
                if alarm is None:
                    continue
                old = alarm.state
                transitioned = now if change.value != old.value else old.transitioned
                new_state = AlarmState(change.value, change.reason, change.reason_data, now, transitioned)
                updated.append((replace(alarm, state=new_state), old))
            moved = self._commit(updated, now)
            if moved:
                self.evaluate_composites(moved, now)
            return moved

    def _commit(self, updated: list[tuple[AlarmRecord, AlarmState]], now: int) -> list[AlarmKey]:
        if not updated:
            return []
        items: list[HistoryRow] = []
        runs: list[tuple[AlarmRecord, str]] = []
        for alarm, old in updated:
            items.append(history.state_item(alarm, old))
            if alarm.state.value == old.value:
                continue
            if alarm.state.value != ALARM:
                self.suppressions.pop(alarm.key, None)
            if old.value == ALARM:
                self._left_alarm_at[alarm.key] = now
            items += self._decide_actions(alarm, old.value, now, runs)
        self.store.write(upsert=[alarm.row() for alarm, _ in updated], history=items)
        for alarm, _ in updated:
            self._remember(alarm)
        self._run(runs, now)
        return [alarm.key for alarm, old in updated if alarm.state.value != old.value]

    def _decide_actions(
        self, alarm: AlarmRecord, old_value: str, now: int, runs: list[tuple[AlarmRecord, str]]
    ) -> list[HistoryRow]:
        """Which actions of a transition run now (added to ``runs``), and the items for those that do not."""
        if not alarm.actions_enabled:
            return []
        ack = alarm.acknowledgement
        if ack is not None and alarm.state.value == OK:
            alarm.acknowledgement = None
            runs.append((alarm, old_value))
            note = f"Acknowledgement by {ack.by} ended: the alarm returned to OK"
            return [history.action_item(alarm, now, note, {"acknowledgement": "ended", "by": ack.by})]
        if ack is not None:
            why = f"the alarm is acknowledged by {ack.by}"
            return self.runner.skipped(alarm, now, why, "Acknowledgement")
        if alarm.alarm_type == COMPOSITE_ALARM and alarm.state.value == ALARM:
            suppressor = alarm.configuration.get("ActionsSuppressor")
            suppressor_key = resolve(alarm.key, suppressor) if suppressor else None
            held = suppression_for(
                alarm,
                self.records.get(suppressor_key) if suppressor_key else None,
                self._left_alarm_at.get(suppressor_key) if suppressor_key else None,
                now,
            )
            if held is not None:
                self.suppressions[alarm.key] = held
                if held.due is None:
                    return self.runner.skipped(alarm, now, held.reason, held.by)
                return []
        runs.append((alarm, old_value))
        return []

    def _run(self, runs: list[tuple[AlarmRecord, str]], now: int) -> None:
        items: list[HistoryRow] = []
        for alarm, old_value in runs:
            items += self.runner.run(alarm, old_value, now)
        if items:
            self.store.write(history=items)

    def release_suppressed(self, now: int) -> None:
        """Composite actions held back by the actions suppressor: run those whose wait is over, drop those
        whose suppressor went into ALARM (until it leaves it and the extension period passes)."""
        with self.lock:
            runs: list[tuple[AlarmRecord, str]] = []
            items: list[HistoryRow] = []
            for key, held in list(self.suppressions.items()):
                alarm = self.records.get(key)
                if alarm is None or alarm.state.value != ALARM:
                    del self.suppressions[key]
                    continue
                suppressor_key = resolve(key, alarm.configuration["ActionsSuppressor"])
                suppressor = self.records.get(suppressor_key)
                in_alarm = suppressor is not None and suppressor.state.value == ALARM
                if in_alarm and held.by != BY_ALARM:
                    self.suppressions[key] = Suppression(BY_ALARM, f"Alarm {suppressor_key[2]} is in ALARM state", None)
                    items += self.runner.skipped(alarm, now, self.suppressions[key].reason, BY_ALARM)
                elif not in_alarm and held.by == BY_ALARM:
                    left = self._left_alarm_at.get(suppressor_key, now)
                    extension = int(alarm.configuration["ActionsSuppressorExtensionPeriod"]) * 1000
                    self.suppressions[key] = Suppression(
                        EXTENSION, "Actions suppressed by ExtensionPeriod", left + extension
                    )
                held = self.suppressions[key]
                if held.due is not None and now >= held.due and not in_alarm:
                    del self.suppressions[key]
                    runs.append((alarm, alarm.state.value))
            if items:
                self.store.write(history=items)
            self._run(runs, now)

    def evaluate_composites(
        self, changed: list[AlarmKey], now: int, own: AlarmKey | None = None, created: bool = False
    ) -> None:
        """Re-evaluate the composites ``changed`` alarms reach (and ``own``, a composite just put, first)."""
        with self.lock:
            order = [own] if own is not None else []
            order += [key for key in self.rules.reached([*changed, *order]) if key not in order]
            for key in order:
                alarm = self.records.get(key)
                if alarm is None:
                    continue
                value, triggering = self.rules.outcome(key, self.records.get)
                fresh = created and key == own
                if value == alarm.state.value and not fresh:
                    continue
                children = [self.records[k] for k in triggering if k in self.records]
                changed_children = sorted(children, key=lambda child: -child.state.transitioned)
                reason = composite_reason(
                    [(c.arn, c.state.value, c.state.transitioned) for c in changed_children],
                    value,
                    fresh,
                    alarm.arn,
                )
                data = composite_reason_data([(c.arn, c.state.value, c.state.transitioned) for c in children])
                old = alarm.state
                transitioned = now if value != old.value else old.transitioned
                updated = replace(alarm, state=AlarmState(value, reason, data, now, transitioned))
                self._commit([(updated, old)], now)

    def reset(self) -> None:
        with self.lock:
            self.store.reset()
            self.records.clear()
            self.rules = CompositeRules()
            self.suppressions.clear()
            self._left_alarm_at.clear()

    # Vigil's acknowledgements

    def acknowledge(self, key: AlarmKey, by: str, note: str) -> Acknowledgement:
        with self.lock:
            alarm = self.require(key)
            if alarm.state.value == OK:
                raise ServiceError("ValidationError", f"Alarm {alarm.name} is OK: there is nothing to acknowledge.")
            now = self.clock()
            ack = Acknowledgement(by, note, now)
            updated = replace(alarm, acknowledgement=ack)
            summary = f"Alarm acknowledged by {by}" + (f": {note}" if note else "")
            data = {"acknowledgement": "started", "by": by, "note": note, "state": alarm.state.value}
            item = history.action_item(updated, now, summary, data)
            self.store.write(upsert=[updated.row()], history=[item])
            self._remember(updated)
            return ack


def parse_reason_data(text: str | None) -> str | None:
    """SetAlarmState's StateReasonData: JSON, or AWS's InvalidFormat error."""
    if text is None:
        return None
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise ServiceError("InvalidFormat", f"StateReasonData is not valid JSON: {error}") from None
    return text
