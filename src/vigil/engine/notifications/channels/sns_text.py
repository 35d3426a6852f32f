"""What SNS says the same way in every channel: the subjects it gives emails, the links a subscriber is
shown, a message attribute's value."""

from __future__ import annotations

from collections.abc import Mapping

from vigil.engine.notifications.channels.base import Delivery
from vigil.engine.notifications.links import Links

# SNS's Subject for an email whose publisher gave none, and for its confirmation emails.
DEFAULT_SUBJECT = "AWS Notification Message"
CONFIRMATION_SUBJECT = "AWS Notification - Subscription Confirmation"
UNSUBSCRIBE_SUBJECT = "AWS Notification - Unsubscribe Confirmation"


def subscribe_url(links: Links, delivery: Delivery) -> str | None:
    return links.subscribe_url(delivery.topic_arn, delivery.token) if delivery.token else None


def unsubscribe_url(links: Links, delivery: Delivery) -> str | None:
    """None while the subscription is pending: there is nothing to unsubscribe from yet."""
    arn = delivery.subscription_arn
    return links.unsubscribe_url(arn) if arn.startswith("arn:") else None


def attribute(attributes: Mapping[str, Mapping[str, str]], name: str) -> str | None:
    """A message attribute's value, in Publish's shape (DataType, StringValue) or the envelope's (Type,
    Value)."""
    entry = attributes.get(name)
    if not entry:
        return None
    return entry.get("StringValue", entry.get("Value"))


def topic_name(topic_arn: str) -> str:
    return topic_arn.rsplit(":", 1)[-1]
