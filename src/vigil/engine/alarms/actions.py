"""Running an alarm's actions on a state change: an SNS topic gets the alarm notification (through the Publisher
SNS implements); any other action is recorded as not run, since Vigil has no EC2, Auto Scaling, Lambda or
Systems Manager to act on. Each action, run or not, is an ``Action`` history item, worded as CloudWatch words
them ("Successfully executed action arn:aws:sns:...", "Failed to execute action ...")."""

from __future__ import annotations

import logging

from vigil.engine.alarms import notification
from vigil.engine.alarms.history import action_item
from vigil.engine.alarms.model import AlarmRecord
from vigil.engine.notifications.publishing import Publisher
from vigil.errors import ServiceError
from vigil.store.alarms import HistoryRow

log = logging.getLogger(__name__)


def is_sns(arn: str) -> bool:
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[0] == "arn" and parts[2] == "sns"


class ActionRunner:
    def __init__(self, publisher: Publisher | None) -> None:
        self.publisher = publisher

    def run(self, alarm: AlarmRecord, old_state: str, when: int) -> list[HistoryRow]:
        """Perform the actions of the state ``alarm`` is now in (reached from ``old_state``)."""
        items = []
        for arn in alarm.actions(alarm.state.value):
            base: dict[str, object] = {"stateUpdateTimestamp": alarm.state.updated, "notificationResource": arn}
            if not is_sns(arn):
                items.append(
                    action_item(
                        alarm,
                        when,
                        f"Vigil does not run action {arn}: only SNS topic actions are performed.",
                        {"actionState": "NotRun", **base},
                    )
                )
                continue
            text = notification.message(alarm, old_state)
            try:
                if self.publisher is None:
                    raise ServiceError("NotFound", "SNS is not connected to the alarms of this server")
                message_id = self.publisher.publish(
                    alarm.scope, arn, text, subject=notification.subject(alarm, alarm.state.value)
                )
            except ServiceError as error:
                items.append(
                    action_item(
                        alarm,
                        when,
                        f'Failed to execute action {arn}. Received error: "{error.message}"',
                        {"actionState": "Failed", **base, "error": error.message},
                    )
                )
                continue
            except Exception as error:  # a delivery layer fault must not stop the other actions or the tick
                log.exception("publishing alarm %s to %s failed", alarm.name, arn)
                items.append(
                    action_item(
                        alarm,
                        when,
                        f'Failed to execute action {arn}. Received error: "{error}"',
                        {"actionState": "Failed", **base, "error": str(error)},
                    )
                )
                continue
            items.append(
                action_item(
                    alarm,
                    when,
                    f"Successfully executed action {arn}",
                    {"actionState": "Succeeded", **base, "messageId": message_id, "publishedMessage": text},
                )
            )
        return items

    @staticmethod
    def skipped(alarm: AlarmRecord, when: int, why: str, by: str) -> list[HistoryRow]:
        """An item per action of the alarm's state that is not run, saying why (``by``: the cause's name)."""
        return [
            action_item(
                alarm,
                when,
                f"Did not execute action {arn}: {why}",
                {"actionState": "Suppressed", "suppressedBy": by, "notificationResource": arn, "reason": why},
            )
            for arn in alarm.actions(alarm.state.value)
        ]
