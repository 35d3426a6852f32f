"""Publish and PublishBatch: one outbox row per confirmed subscription whose filter policy accepts the message,
all of a request's rows committed in one transaction before the MessageId is returned."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from vigil.engine.clock import now_ms
from vigil.engine.logs.scope import Scope
from vigil.engine.notifications import messages
from vigil.engine.notifications.filter_policy import accepts, compile_policy
from vigil.engine.notifications.subscriptions import timestamp
from vigil.engine.notifications.topics import Topics
from vigil.errors import ServiceError
from vigil.store.sns import SnsStore, SubscriptionRecord
from vigil.store.sns_outbox import OutboxRow, OutboxStore

MAX_BATCH_ENTRIES = 10
_BATCH_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")


@dataclass(frozen=True)
class BatchResult:
    successful: list[dict[str, str]]
    failed: list[dict[str, Any]]


def _fifo_members(entry: Mapping[str, Any]) -> None:
    for member in ("MessageGroupId", "MessageDeduplicationId"):
        if entry.get(member) is not None:
            raise messages.invalid(
                f"{member} Reason: The request includes {member} parameter that is not valid for this topic type"
            )


class SnsPublisher:
    """Satisfies engine/notifications/publishing.Publisher (what alarm actions call)."""

    def __init__(self, store: SnsStore, outbox: OutboxStore, topics: Topics, on_queued: Callable[[], None]) -> None:
        self._store = store
        self._outbox = outbox
        self._topics = topics
        self._on_queued = on_queued

    def publish(
        self,
        scope: Scope,
        topic_arn: str,
        message: str,
        *,
        subject: str | None = None,
        attributes: Mapping[str, Mapping[str, str]] | None = None,
    ) -> str:
        prepared = messages.prepare(message, subject, None, attributes or {})
        return self._fan_out(scope, topic_arn, [prepared])[0]

    def publish_request(self, scope: Scope, params: Mapping[str, Any]) -> str:
        """Publish as the API takes it (MessageStructure, FIFO members, TargetArn, PhoneNumber)."""
        if params.get("PhoneNumber") is not None:
            raise messages.invalid("PhoneNumber Reason: Vigil does not send SMS")
        topic_arn = params.get("TopicArn") or params.get("TargetArn")
        if not topic_arn:
            raise messages.invalid("TopicArn or TargetArn Reason: no value for required parameter")
        _fifo_members(params)
        prepared = messages.prepare(
            params["Message"],
            params.get("Subject"),
            params.get("MessageStructure"),
            messages.attributes_from_api(params.get("MessageAttributes")),
        )
        return self._fan_out(scope, topic_arn, [prepared])[0]

    def publish_batch(self, scope: Scope, topic_arn: str, entries: Sequence[Mapping[str, Any]]) -> BatchResult:
        if not entries:
            raise ServiceError("EmptyBatchRequest", "The batch request doesn't contain any entries.")
        if len(entries) > MAX_BATCH_ENTRIES:
            raise ServiceError(
                "TooManyEntriesInBatchRequest", "The batch request contains more entries than permissible."
            )
        ids = [str(e.get("Id", "")) for e in entries]
        if len(set(ids)) != len(ids):
            raise ServiceError("BatchEntryIdsNotDistinct", "Two or more batch entries in the request have the same Id.")
        if not all(_BATCH_ID.fullmatch(i) for i in ids):
            raise ServiceError(
                "InvalidBatchEntryId",
                "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
                "It can be at most 80 letters long.",
            )
        attributes = [messages.attributes_from_api(e.get("MessageAttributes")) for e in entries]
        total = sum(messages.size_of(e.get("Message", ""), a) for e, a in zip(entries, attributes, strict=True))
        if total > messages.MAX_MESSAGE_BYTES:
            raise ServiceError(
                "BatchRequestTooLong", "The length of all the messages put together is more than the limit."
            )
        self._topics.require(scope, topic_arn, "Publish")
        prepared: list[messages.Message] = []
        accepted: list[str] = []
        failed: list[dict[str, Any]] = []
        for entry_id, entry, attrs in zip(ids, entries, attributes, strict=True):
            try:
                _fifo_members(entry)
                prepared.append(
                    messages.prepare(
                        entry.get("Message", ""), entry.get("Subject"), entry.get("MessageStructure"), attrs
                    )
                )
                accepted.append(entry_id)
            except ServiceError as error:
                failed.append({"Id": entry_id, "Code": error.code, "Message": error.message, "SenderFault": True})
        message_ids = self._fan_out(scope, topic_arn, prepared) if prepared else []
        successful = [{"Id": i, "MessageId": m} for i, m in zip(accepted, message_ids, strict=True)]
        return BatchResult(successful, failed)

    def _fan_out(self, scope: Scope, topic_arn: str, prepared: Sequence[messages.Message]) -> list[str]:
        self._topics.require(scope, topic_arn, "Publish")
        subscriptions = self._store.confirmed_subscriptions(topic_arn)
        now = now_ms()
        stamp = timestamp(now)
        rows: list[OutboxRow] = []
        ids: list[str] = []
        for message in prepared:
            message_id = str(uuid.uuid4())
            ids.append(message_id)
            attributes = orjson.dumps(message.attributes).decode()
            for subscription in subscriptions:
                text = message.text_for(subscription.protocol)
                if not _accepts(subscription, text, message.attributes):
                    continue
                rows.append(
                    OutboxRow(
                        subscription.arn,
                        topic_arn,
                        subscription.protocol,
                        subscription.endpoint,
                        "Notification",
                        message_id,
                        text,
                        message.subject,
                        attributes,
                        stamp,
                        None,
                        now,
                    )
                )
        if rows:
            self._outbox.enqueue(rows)
            self._on_queued()
        return ids


def _accepts(subscription: SubscriptionRecord, text: str, attributes: messages.Attributes) -> bool:
    policy_text = subscription.attributes.get("FilterPolicy")
    if not policy_text:
        return True
    policy = compile_policy(policy_text, subscription.attributes.get("FilterPolicyScope", "MessageAttributes"))
    return accepts(policy, text, attributes)
