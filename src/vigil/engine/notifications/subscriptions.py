"""SNS subscriptions: Subscribe's rules, the confirmation handshake, attributes, Unsubscribe, paging.

HTTP(S), email and email-json subscriptions start pending: a SubscriptionConfirmation carrying a token (valid
for 2 days, as AWS's) is queued in the outbox in the same transaction, and ConfirmSubscription or a visit to the
SubscribeURL confirms. Vigil's own ``slack`` and ``pagerduty`` protocols are confirmed at once: their endpoints
(an incoming-webhook URL, a routing key) are credentials of their own, like AWS's SQS and Lambda endpoints.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from collections.abc import Callable, Mapping

import orjson

from vigil.engine.clock import now_ms
from vigil.engine.logs.scope import Scope
from vigil.engine.notifications import delivery_policy
from vigil.engine.notifications.filter_policy import compile_policy
from vigil.engine.notifications.topics import TOPIC_ARN, invalid, parse_arn, topic_not_found
from vigil.engine.paging import decode_token, encode_token
from vigil.errors import ServiceError
from vigil.store.sns import SnsStore, SubscriptionRecord
from vigil.store.sns_outbox import OutboxRow

PAGE_SIZE = 100
TOKEN_VALIDITY_MS = 2 * 24 * 3600 * 1000
PROTOCOLS = ("http", "https", "email", "email-json", "slack", "pagerduty")
CONFIRMED_AT_ONCE = ("slack", "pagerduty")
_AWS_ONLY = ("sms", "sqs", "lambda", "firehose", "application")
PENDING = "pending confirmation"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_SUBSCRIPTION_ARN = re.compile(r"(arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}):[0-9a-f-]{36}")
SETTABLE = ("DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy")


def timestamp(ms: int) -> str:
    """SNS's message timestamps: ISO 8601 UTC with milliseconds."""
    moment = dt.datetime.fromtimestamp(ms / 1000, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def subscription_not_found() -> ServiceError:
    return ServiceError("NotFound", "Subscription does not exist")


def _check_endpoint(protocol: str, endpoint: str | None) -> str:
    if not endpoint:
        raise invalid("Endpoint")
    # A Slack incoming webhook is https in Slack's cloud; Slack-compatible servers (Mattermost, a local
    # receiver) may be plain http.
    schemes = {"http": ("http://",), "https": ("https://",), "slack": ("https://", "http://")}.get(protocol)
    if schemes is not None and not endpoint.lower().startswith(schemes):
        raise invalid("Endpoint must match the specified protocol")
    if protocol in ("email", "email-json") and not _EMAIL.fullmatch(endpoint):
        raise invalid("Email address")
    return endpoint


def check_attribute(protocol: str, name: str, value: str, attributes: Mapping[str, str]) -> None:
    """InvalidParameter unless a subscription of ``protocol`` with ``attributes`` may set ``name`` to ``value``."""
    if name not in SETTABLE:
        raise invalid("AttributeName")
    if name == "RawMessageDelivery":
        if value.lower() not in ("true", "false"):
            raise invalid(
                "Attributes Reason: RawMessageDelivery: Invalid value [" + value + "]. Must be true or false."
            )
        if protocol not in delivery_policy.HTTP_PROTOCOLS:
            raise invalid(f"Attributes Reason: Delivery protocol [{protocol}] does not support raw message delivery.")
    elif name == "DeliveryPolicy":
        if protocol not in delivery_policy.HTTP_PROTOCOLS:
            raise invalid(f"DeliveryPolicy: Delivery protocol [{protocol}] does not support delivery policy.")
        delivery_policy.check_subscription_policy(value)
    elif name == "FilterPolicyScope":
        if value not in ("MessageAttributes", "MessageBody"):
            raise invalid("Attributes Reason: FilterPolicyScope: Invalid value [" + value + "].")
        if policy := attributes.get("FilterPolicy"):
            compile_policy(policy, value)
    elif name == "FilterPolicy":
        if value not in ("", "{}"):
            compile_policy(value, attributes.get("FilterPolicyScope", "MessageAttributes"))
    elif name == "RedrivePolicy":
        try:
            target = orjson.loads(value).get("deadLetterTargetArn")
        except (orjson.JSONDecodeError, AttributeError):
            target = None
        if not isinstance(target, str) or not target.startswith("arn:"):
            raise invalid("RedrivePolicy: deadLetterTargetArn is missing or is not an ARN")


def _apply(attributes: dict[str, str], name: str, value: str) -> None:
    if name == "FilterPolicy" and value in ("", "{}"):
        attributes.pop(name, None)
    elif name == "RawMessageDelivery":
        attributes[name] = value.lower()
    else:
        attributes[name] = value


def confirmation_row(
    topic_arn: str, subscription_arn: str, protocol: str, endpoint: str, token: str, kind: str, now: int
) -> OutboxRow:
    if kind == "SubscriptionConfirmation":
        text = (
            f"You have chosen to subscribe to the topic {topic_arn}.\n"
            "To confirm the subscription, visit the SubscribeURL included in this message."
        )
    else:
        text = (
            f"You have chosen to deactivate subscription {subscription_arn}.\n"
            "To cancel this operation and restore the subscription, visit the SubscribeURL included in this message."
        )
    return OutboxRow(
        subscription_arn, topic_arn, protocol, endpoint, kind, str(uuid.uuid4()), text, None, "{}", timestamp(now),
        token, now,
    )  # fmt: skip


class Subscriptions:
    def __init__(self, store: SnsStore, on_queued: Callable[[], None]) -> None:
        self._store = store
        self._on_queued = on_queued  # wakes the delivery worker

    def subscribe(
        self,
        scope: Scope,
        topic_arn: str,
        protocol: str,
        endpoint: str | None,
        attributes: Mapping[str, str],
        return_arn: bool,
    ) -> str:
        parse_arn(scope, topic_arn, "Subscribe")
        if protocol in _AWS_ONLY:
            raise invalid(f"Protocol Reason: Vigil does not deliver to the {protocol} protocol")
        if protocol not in PROTOCOLS:
            raise invalid(f"Amazon SNS does not support this protocol string: {protocol}")
        endpoint = _check_endpoint(protocol, endpoint)
        stored: dict[str, str] = {}
        for name, value in attributes.items():
            check_attribute(protocol, name, value, attributes)
            _apply(stored, name, value)
        now = now_ms()
        confirmed = protocol in CONFIRMED_AT_ONCE
        token = None if confirmed else secrets.token_hex(128)
        arn = f"{topic_arn}:{uuid.uuid4()}"
        record = SubscriptionRecord(
            arn, topic_arn, scope.account_id, protocol, endpoint, stored, confirmed, confirmed, token,
            None if confirmed else now + TOKEN_VALIDITY_MS,
        )  # fmt: skip
        outbox = (
            None
            if token is None
            else confirmation_row(topic_arn, arn, protocol, endpoint, token, "SubscriptionConfirmation", now)
        )
        added = self._store.subscribe(record, now, outbox)
        if added is None:
            raise topic_not_found()
        found, new = added
        if not new and attributes and found.attributes != stored:
            raise invalid("Attributes Reason: Subscription already exists with different attributes")
        if outbox is not None and not found.confirmed:
            self._on_queued()
        if found.confirmed or return_arn:
            return found.arn
        return PENDING

    def confirm(self, scope: Scope, topic_arn: str, token: str, authenticate_on_unsubscribe: bool) -> str:
        parse_arn(scope, topic_arn, "ConfirmSubscription")
        return self._confirm(topic_arn, token, authenticate_on_unsubscribe)

    def confirm_by_link(self, topic_arn: str, token: str) -> str:
        """A visit to the SubscribeURL: unauthenticated, so the subscription may be removed by its UnsubscribeURL."""
        if not TOPIC_ARN.fullmatch(topic_arn):
            raise invalid("TopicArn")
        return self._confirm(topic_arn, token, False)

    def _confirm(self, topic_arn: str, token: str, authenticated: bool) -> str:
        found = self._store.confirm(topic_arn, token, now_ms(), authenticated)
        if found is None:
            if self._store.topic(topic_arn) is None:
                raise topic_not_found()
            raise invalid("Token")
        return found.arn

    def _require(self, scope: Scope, arn: str, action: str) -> SubscriptionRecord:
        match = _SUBSCRIPTION_ARN.fullmatch(arn)
        if not match:
            raise invalid("SubscriptionArn")
        parse_arn(scope, match[1], action, "SubscriptionArn")
        found = self._store.subscription(arn)
        if found is None:
            raise subscription_not_found()
        return found

    def unsubscribe(self, scope: Scope, arn: str) -> None:
        self._unsubscribe(self._require(scope, arn, "Unsubscribe"))

    def unsubscribe_by_link(self, arn: str) -> None:
        """A visit to the UnsubscribeURL, refused for a subscription confirmed with AuthenticateOnUnsubscribe."""
        if not _SUBSCRIPTION_ARN.fullmatch(arn):
            raise invalid("SubscriptionArn")
        found = self._store.subscription(arn)
        if found is None:
            raise subscription_not_found()
        if found.authenticated:
            raise ServiceError(
                "AuthorizationError", "This subscription can be removed only by an authenticated Unsubscribe request"
            )
        self._unsubscribe(found)

    def _unsubscribe(self, found: SubscriptionRecord) -> None:
        outbox = None
        if found.confirmed and found.protocol in delivery_policy.HTTP_PROTOCOLS:
            outbox = confirmation_row(
                found.topic_arn, found.arn, found.protocol, found.endpoint, found.token or secrets.token_hex(128),
                "UnsubscribeConfirmation", now_ms(),
            )  # fmt: skip
        if not self._store.unsubscribe(found.arn, outbox):
            raise subscription_not_found()
        if outbox is not None:
            self._on_queued()

    def list(
        self, scope: Scope, topic_arn: str | None, token: str | None
    ) -> tuple[list[SubscriptionRecord], str | None]:
        kind = "sns-subscriptions" if topic_arn is None else "sns-subscriptions-of:" + topic_arn
        if topic_arn is not None:
            parse_arn(scope, topic_arn, "ListSubscriptionsByTopic")
            if self._store.topic(topic_arn) is None:
                raise topic_not_found()
        after = decode_token(token, kind, "InvalidParameter")
        if after is not None and (isinstance(after, bool) or not isinstance(after, int)):
            raise invalid("NextToken")
        page = self._store.subscriptions(scope.account_id, scope.region, topic_arn, after or 0, PAGE_SIZE + 1)
        more = len(page) > PAGE_SIZE
        page = page[:PAGE_SIZE]
        return page, encode_token(kind, page[-1].seq) if more else None

    def attributes(self, scope: Scope, arn: str) -> dict[str, str]:
        found = self._require(scope, arn, "GetSubscriptionAttributes")
        out = {
            "SubscriptionArn": found.arn,
            "TopicArn": found.topic_arn,
            "Owner": found.account_id,
            "Protocol": found.protocol,
            "Endpoint": found.endpoint,
            "ConfirmationWasAuthenticated": str(found.authenticated).lower(),
            "PendingConfirmation": str(not found.confirmed).lower(),
            "RawMessageDelivery": "false",
        }
        out.update(found.attributes)
        if "FilterPolicy" in found.attributes:
            out.setdefault("FilterPolicyScope", "MessageAttributes")
        if found.protocol in delivery_policy.HTTP_PROTOCOLS:
            topic = self._store.topic(found.topic_arn)
            topic_policy = topic.attributes.get("DeliveryPolicy") if topic else None
            policy = delivery_policy.effective(found.protocol, topic_policy, found.attributes.get("DeliveryPolicy"))
            out["EffectiveDeliveryPolicy"] = delivery_policy.subscription_effective_json(policy)
        return out

    def set_attribute(self, scope: Scope, arn: str, name: str, value: str) -> None:
        found = self._require(scope, arn, "SetSubscriptionAttributes")
        check_attribute(found.protocol, name, value, found.attributes)
        attributes = dict(found.attributes)
        _apply(attributes, name, value)
        if not self._store.set_subscription_attributes(arn, attributes):
            raise subscription_not_found()
