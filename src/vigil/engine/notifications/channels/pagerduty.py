"""The ``pagerduty`` protocol: an event for PagerDuty's Events API v2; the subscription's Endpoint is the
integration's routing key.

An alarm is one PagerDuty alert from trigger to resolve: every event for it carries the same dedup_key
(its AlarmArn), so ALARM triggers (or re-triggers, updating the open alert), OK resolves, and
INSUFFICIENT_DATA triggers at severity ``warning``: an alarm that cannot see its metric no longer protects
anything, and it only reaches PagerDuty when its InsufficientDataActions were pointed at the topic. The
severity is the message attribute ``severity`` when it is one of PagerDuty's four, else ``critical`` (ALARM)
or ``warning`` (INSUFFICIENT_DATA). Any other message triggers an alert of its own (dedup_key = MessageId).
Subscription handshakes have no place in an incident: they are not sent.

Accepted is 202; 429 and 5xx are worth retrying, 400 (an event PagerDuty finds invalid) is not
(developer.pagerduty.com, Events API v2 overview: response codes and retry logic).
"""

from __future__ import annotations

import hashlib
from typing import Any

from vigil.engine.notifications.channels import sns_text
from vigil.engine.notifications.channels.alarm_message import AlarmMessage, parse_alarm
from vigil.engine.notifications.channels.base import Delivery, DeliveryFailed
from vigil.engine.notifications.channels.http_post import post_json

DEFAULT_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
SEVERITIES = ("critical", "error", "warning", "info")
SUMMARY_LIMIT = 1024
DEDUP_KEY_LIMIT = 255
CLIENT = "Vigil"


class PagerDutyChannel:
    protocols = ("pagerduty",)

    def __init__(self, events_url: str = DEFAULT_EVENTS_URL, *, timeout: float = 10.0) -> None:
        self.events_url = events_url
        self.timeout = timeout

    def send(self, delivery: Delivery) -> None:
        event = self.event(delivery)
        if event is not None:
            post_json(self.events_url, event, timeout=self.timeout, what="PagerDuty")

    def event(self, delivery: Delivery) -> dict[str, Any] | None:
        """The Events API v2 body for this delivery; None for a subscription handshake."""
        if delivery.kind != "Notification":
            return None
        routing_key = delivery.endpoint.strip()
        if not routing_key or any(c.isspace() for c in routing_key):
            raise DeliveryFailed("PagerDuty: the endpoint is not a routing key", retryable=False)
        alarm = parse_alarm(delivery.message)
        return alarm_event(routing_key, alarm, delivery) if alarm else message_event(routing_key, delivery)


def alarm_event(routing_key: str, alarm: AlarmMessage, delivery: Delivery) -> dict[str, Any]:
    key = dedup_key(alarm)
    if alarm.new_state == "OK":
        return {"routing_key": routing_key, "event_action": "resolve", "dedup_key": key}
    fallback = "critical" if alarm.new_state == "ALARM" else "warning"
    trigger = alarm.trigger
    payload = {
        "summary": clip(alarm.subject, SUMMARY_LIMIT),
        "source": alarm.source,
        "severity": severity(delivery, fallback),
        "timestamp": alarm.state_change_time or delivery.timestamp,
        "component": trigger.get("MetricName"),
        "group": trigger.get("Namespace"),
        "class": alarm.name,
        "custom_details": dict(alarm.document),
    }
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": key,
        "payload": {name: value for name, value in payload.items() if value},
        "client": CLIENT,
    }


def message_event(routing_key: str, delivery: Delivery) -> dict[str, Any]:
    first_line = delivery.message.strip().split("\n", 1)[0]
    details: dict[str, Any] = {"Message": delivery.message, "TopicArn": delivery.topic_arn}
    if delivery.subject:
        details["Subject"] = delivery.subject
    if delivery.attributes:
        details["MessageAttributes"] = {name: dict(value) for name, value in delivery.attributes.items()}
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": delivery.message_id[:DEDUP_KEY_LIMIT],
        "payload": {
            "summary": clip(delivery.subject or first_line or delivery.message_id, SUMMARY_LIMIT),
            "source": sns_text.topic_name(delivery.topic_arn),
            "severity": severity(delivery, "critical"),
            "timestamp": delivery.timestamp,
            "custom_details": details,
        },
        "client": CLIENT,
    }


def dedup_key(alarm: AlarmMessage) -> str:
    """The alarm's ARN, the same for all its transitions; a digest of it when it is longer than PagerDuty's
    255 characters (an alarm name may be 255 on its own)."""
    identity = alarm.arn or f"{alarm.account_id}:{alarm.region}:{alarm.name}"
    if len(identity) <= DEDUP_KEY_LIMIT:
        return identity
    return "vigil-alarm-" + hashlib.sha256(identity.encode()).hexdigest()


def severity(delivery: Delivery, fallback: str) -> str:
    value = (sns_text.attribute(delivery.attributes, "severity") or "").strip().lower()
    return value if value in SEVERITIES else fallback


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
