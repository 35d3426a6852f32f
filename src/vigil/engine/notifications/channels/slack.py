"""The ``slack`` protocol: a notification posted to a Slack incoming webhook (the subscription's Endpoint).

An alarm reads at a glance: the subject line, then an attachment whose colour bar is the new state (danger
for ALARM, good for OK, warning for INSUFFICIENT_DATA) holding Block Kit blocks with the reason, the
description, the state change, the metric, the threshold, the time and the region. Any other message is its
Subject as a header and its text. Slack's limits are kept (3,000 characters a text block, 2,000 a field, 150 a
header, 50 blocks); text is escaped for mrkdwn, so a message cannot ping ``<!channel>`` or forge a link.
"""

from __future__ import annotations

from typing import Any

from vigil.engine.notifications.channels import sns_text
from vigil.engine.notifications.channels.alarm_message import AlarmMessage, parse_alarm, parse_time
from vigil.engine.notifications.channels.base import Delivery
from vigil.engine.notifications.channels.http_post import post_json
from vigil.engine.notifications.links import Links

TEXT_LIMIT = 3000
FIELD_LIMIT = 2000
HEADER_LIMIT = 150
BLOCK_LIMIT = 50

STATE_COLOURS = {"ALARM": "danger", "OK": "good", "INSUFFICIENT_DATA": "warning"}
_STATE_EMOJI = {"ALARM": ":rotating_light:", "OK": ":white_check_mark:", "INSUFFICIENT_DATA": ":grey_question:"}


class SlackChannel:
    protocols = ("slack",)

    def __init__(self, links: Links, *, timeout: float = 10.0) -> None:
        self.links = links
        self.timeout = timeout

    def send(self, delivery: Delivery) -> None:
        post_json(delivery.endpoint, self.payload(delivery), timeout=self.timeout, what="Slack")

    def payload(self, delivery: Delivery) -> dict[str, Any]:
        if delivery.kind != "Notification":
            return confirmation_payload(delivery, self.links)
        alarm = parse_alarm(delivery.message)
        if alarm is not None:
            return alarm_payload(alarm)
        return message_payload(delivery)


def alarm_payload(alarm: AlarmMessage) -> dict[str, Any]:
    headline = f"{_STATE_EMOJI.get(alarm.new_state, '')} *{escape(alarm.subject)}*".strip()
    blocks: list[dict[str, Any]] = [section(headline)]
    if alarm.reason:
        blocks.append(section(f"*Reason*\n{escape(alarm.reason)}"))
    if alarm.description:
        blocks.append(section(f"*Description*\n{escape(alarm.description)}"))
    facts = [
        ("State change", alarm.state_change.replace(" -> ", " → ")),
        ("Metric", alarm.metric),
        ("Threshold", alarm.threshold),
        ("Time", alarm.when),
        ("Region", alarm.region),
        ("Account", alarm.account_id),
    ]
    blocks.append({"type": "section", "fields": [field(name, value) for name, value in facts if value]})
    if alarm.arn:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": escape(alarm.arn)}]})
    attachment: dict[str, Any] = {
        "color": STATE_COLOURS.get(alarm.new_state, "#808080"),
        "fallback": f"{alarm.subject}: {alarm.reason}"[:TEXT_LIMIT],
        "blocks": blocks,
    }
    moment = parse_time(alarm.state_change_time)
    if moment is not None:
        attachment["ts"] = int(moment.timestamp())
    return {"text": escape(alarm.subject), "attachments": [attachment]}


def message_payload(delivery: Delivery) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    if delivery.subject:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": clip(delivery.subject, HEADER_LIMIT)}})
    # One section holds 3,000 characters; a longer message takes several, up to Slack's 50 blocks.
    text = escape(delivery.message) or " "
    room = BLOCK_LIMIT - len(blocks) - 1
    pieces = [text[i : i + TEXT_LIMIT] for i in range(0, len(text), TEXT_LIMIT)]
    if len(pieces) > room:
        pieces = [*pieces[: room - 1], pieces[room - 1][: TEXT_LIMIT - 1] + "…"]
    blocks.extend(section(piece) for piece in pieces)
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": escape(context_line(delivery))}]})
    fallback = delivery.subject or delivery.message
    return {"text": escape(clip(fallback, TEXT_LIMIT)) or " ", "blocks": blocks}


def confirmation_payload(delivery: Delivery, links: Links) -> dict[str, Any]:
    url = sns_text.subscribe_url(links, delivery)
    if delivery.kind == "SubscriptionConfirmation":
        text = f"You have chosen to subscribe to the topic:\n{escape(delivery.topic_arn)}"
        action = "To confirm this subscription, click or visit the link below (if this was in error no action is "
        action += "necessary):"
        label = "Confirm subscription"
    else:
        text = f"You have chosen to deactivate subscription:\n{escape(delivery.subscription_arn)}"
        action = "To cancel this operation and restore the subscription, click or visit the link below:"
        label = "Restore subscription"
    if url:
        text += f"\n\n{action}\n<{url}|{label}>"
    return {"text": text, "blocks": [section(text)]}


def context_line(delivery: Delivery) -> str:
    return f"Topic {sns_text.topic_name(delivery.topic_arn)} · message {delivery.message_id} · {delivery.timestamp}"


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, TEXT_LIMIT)}}


def field(name: str, value: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": clip(f"*{name}*\n{escape(value)}", FIELD_LIMIT)}


def escape(text: str) -> str:
    """Slack's three control characters in mrkdwn (api.slack.com/reference/surfaces/formatting)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
