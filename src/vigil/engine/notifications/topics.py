"""SNS topics: CreateTopic's rules, attributes as GetTopicAttributes reports them, tags, paging.

FIFO topics are refused (Vigil delivers to HTTP(S), email, Slack and PagerDuty, none of which preserves order
across retries anyway); ``FifoTopic=false`` is accepted. The access policy is stored and reported, not enforced:
the request's account owns everything in it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import orjson

from vigil.engine.clock import now_ms
from vigil.engine.logs.scope import Scope
from vigil.engine.notifications import delivery_policy
from vigil.engine.paging import decode_token, encode_token
from vigil.errors import ServiceError
from vigil.store.sns import SnsStore, TopicRecord

PAGE_SIZE = 100
MAX_TAGS = 50
_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")
TOPIC_ARN = re.compile(r"arn:aws:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]{1,256})")
SETTABLE = frozenset(
    {
        "DeliveryPolicy",
        "DisplayName",
        "Policy",
        "SignatureVersion",
        "TracingConfig",
        "KmsMasterKeyId",
        "HTTPSuccessFeedbackRoleArn",
        "HTTPSuccessFeedbackSampleRate",
        "HTTPFailureFeedbackRoleArn",
    }
)
_FIFO_ONLY = frozenset({"ContentBasedDeduplication", "FifoThroughputScope", "ArchivePolicy"})


def invalid(what: str) -> ServiceError:
    return ServiceError("InvalidParameter", f"Invalid parameter: {what}")


def topic_not_found() -> ServiceError:
    return ServiceError("NotFound", "Topic does not exist")


def parse_arn(scope: Scope, arn: str, action: str, member: str = "TopicArn") -> tuple[str, str, str]:
    """(region, account, name) of a topic ARN in the request's account and region."""
    match = TOPIC_ARN.fullmatch(arn)
    if not match or match[1] != scope.region:
        raise invalid(member)
    if match[2] != scope.account_id:
        raise ServiceError(
            "AuthorizationError",
            f"User: arn:aws:iam::{scope.account_id}:root is not authorized to perform: SNS:{action} on resource: {arn}",
        )
    return match[1], match[2], match[3]


def default_policy(arn: str, account_id: str) -> str:
    actions = [
        "SNS:GetTopicAttributes",
        "SNS:SetTopicAttributes",
        "SNS:AddPermission",
        "SNS:RemovePermission",
        "SNS:DeleteTopic",
        "SNS:Subscribe",
        "SNS:ListSubscriptionsByTopic",
        "SNS:Publish",
    ]
    statement = {
        "Sid": "__default_statement_ID",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": actions,
        "Resource": arn,
        "Condition": {"StringEquals": {"AWS:SourceOwner": account_id}},
    }
    return orjson.dumps({"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": [statement]}).decode()


def check_attribute(name: str, value: str) -> None:
    """InvalidParameter unless ``name`` may be set to ``value`` on a standard topic."""
    if name == "FifoTopic":
        if value.lower() == "true":
            raise invalid("Attributes Reason: Vigil does not support FIFO topics (FifoTopic=true)")
        if value.lower() != "false":
            raise invalid("Attributes Reason: FifoTopic must be true or false")
        return
    if name in _FIFO_ONLY:
        raise invalid(f"Attributes Reason: {name} applies to FIFO topics only")
    if name not in SETTABLE:
        raise invalid("AttributeName")
    if name == "SignatureVersion" and value not in ("1", "2"):
        raise invalid("SignatureVersion")
    if name == "TracingConfig" and value not in ("PassThrough", "Active"):
        raise invalid("TracingConfig")
    if name == "DisplayName" and len(value) > 100:
        raise invalid("DisplayName")
    if name == "DeliveryPolicy" and value:
        delivery_policy.check_topic_policy(value)
    if name == "Policy":
        try:
            orjson.loads(value)
        except orjson.JSONDecodeError:
            raise invalid("Policy: failed to parse JSON") from None
    if name == "HTTPSuccessFeedbackSampleRate" and not (value.isdigit() and 0 <= int(value) <= 100):
        raise invalid("HTTPSuccessFeedbackSampleRate")


def check_tags(tags: Mapping[str, str]) -> None:
    if len(tags) > MAX_TAGS:
        raise ServiceError("TagLimitExceeded", "Could not complete request: tag quota of per resource exceeded")
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
            raise invalid(f"Tag key {key!r}")
        if len(value) > 256:
            raise invalid(f"Tag value for key {key!r}")


class Topics:
    def __init__(self, store: SnsStore) -> None:
        self._store = store

    def create(self, scope: Scope, name: str, attributes: Mapping[str, str], tags: Mapping[str, str]) -> str:
        if name.endswith(".fifo"):
            raise invalid("Topic Name Reason: Vigil does not support FIFO topics")
        if not _NAME.fullmatch(name):
            raise invalid("Topic Name")
        for key, value in attributes.items():
            check_attribute(key, value)
        check_tags(tags)
        stored = {k: v for k, v in attributes.items() if k != "FifoTopic"}
        arn = f"arn:aws:sns:{scope.region}:{scope.account_id}:{name}"
        existing = self._store.create_topic(
            TopicRecord(arn, scope.account_id, scope.region, name, stored, dict(tags)), now_ms()
        )
        # AWS: CreateTopic is idempotent for the same name, attributes and tags; otherwise an error.
        if existing is not None:
            if existing.attributes != stored:
                raise invalid("Attributes Reason: Topic already exists with different attributes")
            if tags and existing.tags != dict(tags):
                raise invalid("Tags Reason: Topic already exists with different tags")
        return arn

    def require(self, scope: Scope, arn: str, action: str) -> TopicRecord:
        parse_arn(scope, arn, action)
        topic = self._store.topic(arn)
        if topic is None:
            raise topic_not_found()
        return topic

    def delete(self, scope: Scope, arn: str) -> None:
        parse_arn(scope, arn, "DeleteTopic")
        self._store.delete_topic(arn)  # idempotent, as AWS documents

    def list(self, scope: Scope, token: str | None) -> tuple[list[str], str | None]:
        after = decode_token(token, "sns-topics", "InvalidParameter")
        if after is not None and not isinstance(after, str):
            raise invalid("NextToken")
        page = self._store.topics(scope.account_id, scope.region, after, PAGE_SIZE + 1)
        more = len(page) > PAGE_SIZE
        arns = [t.arn for t in page[:PAGE_SIZE]]
        return arns, encode_token("sns-topics", arns[-1]) if more else None

    def attributes(self, scope: Scope, arn: str) -> dict[str, str]:
        topic = self.require(scope, arn, "GetTopicAttributes")
        out = {
            "Policy": default_policy(arn, topic.account_id),
            "Owner": topic.account_id,
            "SubscriptionsPending": str(topic.subscriptions_pending),
            "TopicArn": arn,
            "EffectiveDeliveryPolicy": delivery_policy.topic_effective_json(topic.attributes.get("DeliveryPolicy")),
            "SubscriptionsConfirmed": str(topic.subscriptions_confirmed),
            "DisplayName": "",
            "SubscriptionsDeleted": str(topic.subscriptions_deleted),
        }
        out.update(topic.attributes)
        return out

    def set_attribute(self, scope: Scope, arn: str, name: str, value: str) -> None:
        topic = self.require(scope, arn, "SetTopicAttributes")
        if name == "FifoTopic":
            raise invalid("AttributeName Reason: FifoTopic can be set only when the topic is created")
        check_attribute(name, value)
        attributes = dict(topic.attributes)
        if value == "" and name in ("DeliveryPolicy", "Policy", "KmsMasterKeyId"):
            attributes.pop(name, None)
        else:
            attributes[name] = value
        if not self._store.update_topic(arn, attributes=attributes):
            raise topic_not_found()

    # ---- tags: AWS answers ResourceNotFound for a topic that does not exist --------------------------

    def _tagged(self, scope: Scope, arn: str, action: str) -> TopicRecord:
        parse_arn(scope, arn, action, "ResourceArn")
        topic = self._store.topic(arn)
        if topic is None:
            raise ServiceError("ResourceNotFound", "Resource does not exist")
        return topic

    def tags(self, scope: Scope, arn: str) -> dict[str, str]:
        return self._tagged(scope, arn, "ListTagsForResource").tags

    def tag(self, scope: Scope, arn: str, tags: Mapping[str, str]) -> None:
        merged = {**self._tagged(scope, arn, "TagResource").tags, **tags}
        check_tags(merged)
        if not self._store.update_topic(arn, tags=merged):
            raise ServiceError("ResourceNotFound", "Resource does not exist")

    def untag(self, scope: Scope, arn: str, keys: list[str]) -> None:
        remaining = {k: v for k, v in self._tagged(scope, arn, "UntagResource").tags.items() if k not in keys}
        if not self._store.update_topic(arn, tags=remaining):
            raise ServiceError("ResourceNotFound", "Resource does not exist")
