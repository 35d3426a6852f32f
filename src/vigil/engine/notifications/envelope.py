"""SNS's JSON envelope for HTTP(S) and email-json deliveries, and the string its signature covers.

The fields and the canonical string follow AWS's "HTTP/HTTPS notification JSON format" and "Verifying the
signatures of Amazon SNS messages": for a notification, ``Message``, ``MessageId``, ``Subject`` (when present),
``Timestamp``, ``TopicArn``, ``Type``; for a (un)subscribe confirmation, ``Message``, ``MessageId``,
``SubscribeURL``, ``Timestamp``, ``Token``, ``TopicArn``, ``Type``; each as its name, a newline, its value,
a newline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vigil.engine.notifications.channels.base import Delivery
from vigil.engine.notifications.links import Links

_NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
_CONFIRMATION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")


def string_to_sign(envelope: dict[str, Any]) -> str:
    fields = _NOTIFICATION_FIELDS if envelope["Type"] == "Notification" else _CONFIRMATION_FIELDS
    return "".join(f"{name}\n{envelope[name]}\n" for name in fields if envelope.get(name) is not None)


def envelope_attributes(delivery: Delivery) -> dict[str, dict[str, str]]:
    """MessageAttributes as the envelope writes them: ``{"Type": …, "Value": …}`` (binary stays base64)."""
    return {
        name: {"Type": a["DataType"], "Value": a.get("StringValue", a.get("BinaryValue", ""))}
        for name, a in delivery.attributes.items()
    }


def build(delivery: Delivery, links: Links, sign: Callable[[str, str], str], signature_version: str) -> dict[str, Any]:
    """The signed envelope of ``delivery``, its fields in AWS's order."""
    envelope: dict[str, Any] = {"Type": delivery.kind, "MessageId": delivery.message_id}
    if delivery.kind == "Notification":
        envelope["TopicArn"] = delivery.topic_arn
        if delivery.subject is not None:
            envelope["Subject"] = delivery.subject
        envelope["Message"] = delivery.message
        envelope["Timestamp"] = delivery.timestamp
    else:
        envelope["Token"] = delivery.token
        envelope["TopicArn"] = delivery.topic_arn
        envelope["Message"] = delivery.message
        envelope["SubscribeURL"] = links.subscribe_url(delivery.topic_arn, delivery.token or "")
        envelope["Timestamp"] = delivery.timestamp
    envelope["SignatureVersion"] = signature_version
    envelope["Signature"] = sign(string_to_sign(envelope), signature_version)
    envelope["SigningCertURL"] = links.signing_cert_url()
    if delivery.kind == "Notification":
        envelope["UnsubscribeURL"] = links.unsubscribe_url(delivery.subscription_arn)
        if delivery.attributes:
            envelope["MessageAttributes"] = envelope_attributes(delivery)
    return envelope
