"""Composite alarms: which composites a change of state reaches, their new state, and the actions suppressor.

A composite is evaluated when it is created or updated and when an alarm its rule names changes state (AWS:
after SetAlarmState, a composite "returns to its actual state only once any of its children alarms change
state"), after the metric alarms of the same tick; a composite that names another is evaluated after it.
Evaluation stops at a cycle, as CloudWatch's does.

Actions suppressor (PutCompositeAlarm): while the suppressor alarm is in ALARM, the composite's ALARM actions
are suppressed (ActionsSuppressedBy Alarm). On entering ALARM, the composite waits up to WaitPeriod seconds for
the suppressor to go into ALARM before it acts (WaitPeriod), and after the suppressor leaves ALARM it waits
ExtensionPeriod seconds before acting if it is still in ALARM (ExtensionPeriod).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from vigil.engine.alarms.model import ALARM, COMPOSITE_ALARM, OK, AlarmKey, AlarmRecord
from vigil.engine.alarms.rules import Rule, StateOf, holds, parse_rule, references

WAIT, EXTENSION, BY_ALARM = "WaitPeriod", "ExtensionPeriod", "Alarm"


def resolve(owner: AlarmKey, reference: str) -> AlarmKey:
    """The alarm a rule's reference (a name or an ARN) means, for a composite in ``owner``'s account and region."""
    if reference.startswith("arn:") and ":alarm:" in reference:
        head, name = reference.split(":alarm:", 1)
        parts = head.split(":")
        return (parts[4], parts[3], name)
    return (owner[0], owner[1], reference)


@dataclass
class Suppression:
    by: str
    reason: str
    due: int | None  # when the deferred actions run, unless something changes first; None: not deferred


class CompositeRules:
    """The parsed rule of each composite, and who refers to whom."""

    def __init__(self) -> None:
        self._rules: dict[AlarmKey, Rule] = {}

    def set(self, alarm: AlarmRecord) -> None:
        self._rules[alarm.key] = parse_rule(alarm.configuration["AlarmRule"])

    def forget(self, key: AlarmKey) -> None:
        self._rules.pop(key, None)

    def children(self, key: AlarmKey) -> list[AlarmKey]:
        rule = self._rules.get(key)
        return [] if rule is None else [resolve(key, reference) for reference in references(rule)]

    def parents(self, key: AlarmKey) -> list[AlarmKey]:
        return [owner for owner in self._rules if key in self.children(owner)]

    def reached(self, changed: Iterable[AlarmKey]) -> list[AlarmKey]:
        """The composites that name any of ``changed``, directly or through other composites, each after
        those it names (a cycle's members are left out)."""
        pending = set(changed)
        found: list[AlarmKey] = []
        seen: set[AlarmKey] = set()
        while pending:
            key = pending.pop()
            for parent in self.parents(key):
                if parent not in seen:
                    seen.add(parent)
                    found.append(parent)
                    pending.add(parent)
        return self.ordered(found)

    def ordered(self, keys: list[AlarmKey]) -> list[AlarmKey]:
        chosen = set(keys)
        order: list[AlarmKey] = []
        state: dict[AlarmKey, int] = {}  # 1 visiting, 2 done, 3 in a cycle

        def visit(key: AlarmKey) -> bool:
            if state.get(key) == 2:
                return True
            if state.get(key) in (1, 3):
                state[key] = 3
                return False
            state[key] = 1
            fine = all(visit(child) for child in self.children(key) if child in chosen)
            state[key] = 2 if fine else 3
            if fine:
                order.append(key)
            return fine

        for key in keys:
            visit(key)
        return order

    def outcome(self, key: AlarmKey, state_of: Callable[[AlarmKey], AlarmRecord | None]) -> tuple[str, list[AlarmKey]]:
        """The composite's state by its rule, and the children that make it so."""
        rule = self._rules[key]

        def child_state(reference: str) -> str | None:
            child = state_of(resolve(key, reference))
            return None if child is None else child.state.value

        value = ALARM if holds(rule, child_state) else OK
        triggering = []
        for node in _states_of(rule):
            satisfied = child_state(node.reference) == node.state
            if satisfied == (value == ALARM):
                triggering.append(resolve(key, node.reference))
        return value, list(dict.fromkeys(triggering))


def _states_of(rule: Rule) -> list[StateOf]:
    if isinstance(rule, StateOf):
        return [rule]
    found: list[StateOf] = []
    for child in ("operand", "left", "right"):
        if hasattr(rule, child):
            found += _states_of(getattr(rule, child))
    return found


def is_composite(alarm: AlarmRecord) -> bool:
    return alarm.alarm_type == COMPOSITE_ALARM


def suppression_on_alarm(
    composite: AlarmRecord, suppressor: AlarmRecord | None, left_alarm_at: int | None, now: int
) -> Suppression | None:
    """Whether the composite, just gone into ALARM, holds its actions back, and until when."""
    configuration = composite.configuration
    if "ActionsSuppressor" not in configuration:
        return None
    if suppressor is not None and suppressor.state.value == ALARM:
        return Suppression(BY_ALARM, f"Alarm {suppressor.name} is in ALARM state", None)
    extension = int(configuration["ActionsSuppressorExtensionPeriod"]) * 1000
    if left_alarm_at is not None and now < left_alarm_at + extension:
        return Suppression(EXTENSION, "Actions suppressed by ExtensionPeriod", left_alarm_at + extension)
    wait = int(configuration["ActionsSuppressorWaitPeriod"]) * 1000
    if wait > 0:
        return Suppression(WAIT, "Actions suppressed by WaitPeriod", now + wait)
    return None
