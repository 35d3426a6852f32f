"""What a delivery channel is handed, and how it says a delivery failed.

The SNS engine keeps every pending delivery in an outbox in the store and hands each attempt to the channel
of its subscription's protocol; the channel sends it (HTTP(S) with SNS's signed JSON envelope, email over
SMTP, a Slack incoming webhook, PagerDuty's Events API v2) or raises DeliveryFailed. Retries, backoff and the
dead-letter record are the outbox's business, not the channel's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

DeliveryKind = Literal["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"]


@dataclass(frozen=True)
class Delivery:
    kind: DeliveryKind
    protocol: str  # email, email-json, http, https, slack, pagerduty
    endpoint: str  # the subscription's Endpoint: a URL, an address, a webhook URL, a routing key
    topic_arn: str
    subscription_arn: str  # "PendingConfirmation" until confirmed
    message_id: str
    message: str  # for a notification, what was published (an alarm's JSON for alarm actions)
    timestamp: str  # ISO 8601 UTC with milliseconds, as SNS writes it
    subject: str | None = None
    attributes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # MessageAttributes, SNS's shape
    raw: bool = False  # RawMessageDelivery
    token: str | None = None  # confirmation token (SubscriptionConfirmation)
    attempt: int = 1
    signature_version: str = "1"  # the topic's SignatureVersion: 1 SHA1withRSA, 2 SHA256withRSA
    content_type: str = "text/plain; charset=UTF-8"  # HTTP(S): the delivery policy's requestPolicy.headerContentType


class DeliveryFailed(Exception):
    """A delivery that did not go through; ``retryable`` says whether trying again may help."""

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class Channel(Protocol):
    protocols: tuple[str, ...]

    def send(self, delivery: Delivery) -> None: ...
