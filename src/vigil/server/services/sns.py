"""SNS: topics, subscriptions, the confirmation handshake, Publish and PublishBatch, tags (docs/sns.md)."""

from __future__ import annotations

from collections.abc import Mapping

from vigil.engine.notifications.publish import SnsPublisher
from vigil.engine.notifications.subscriptions import Subscriptions
from vigil.engine.notifications.topics import Topics, invalid
from vigil.errors import ServiceError
from vigil.server.services.base import Params, RequestContext, Result, Service, operation

# The actions a SubscribeURL or UnsubscribeURL names: answered to an unsigned GET, as SNS answers them.
LINK_ACTIONS = ("ConfirmSubscription", "Unsubscribe")


def _next(out: Result, token: str | None) -> Result:
    if token:
        out["NextToken"] = token
    return out


def _flag(params: Params, name: str) -> bool:
    value = params.get(name)
    return value is True or (isinstance(value, str) and value.lower() == "true")


class SnsService(Service):
    name = "sns"

    def __init__(self, topics: Topics, subscriptions: Subscriptions, publisher: SnsPublisher) -> None:
        self._topics = topics
        self._subscriptions = subscriptions
        self._publisher = publisher

    # ---- topics ----------------------------------------------------------------------------------

    @operation("CreateTopic")
    def create_topic(self, ctx: RequestContext, params: Params) -> Result:
        if params.get("DataProtectionPolicy"):
            raise invalid("DataProtectionPolicy Reason: Vigil does not support message data protection")
        tags = {t["Key"]: t.get("Value", "") for t in params.get("Tags") or []}
        arn = self._topics.create(ctx.scope, params["Name"], params.get("Attributes") or {}, tags)
        return {"TopicArn": arn}

    @operation("DeleteTopic")
    def delete_topic(self, ctx: RequestContext, params: Params) -> Result:
        self._topics.delete(ctx.scope, params["TopicArn"])
        return {}

    @operation("ListTopics")
    def list_topics(self, ctx: RequestContext, params: Params) -> Result:
        arns, token = self._topics.list(ctx.scope, params.get("NextToken"))
        return _next({"Topics": [{"TopicArn": arn} for arn in arns]}, token)

    @operation("GetTopicAttributes")
    def get_topic_attributes(self, ctx: RequestContext, params: Params) -> Result:
        return {"Attributes": self._topics.attributes(ctx.scope, params["TopicArn"])}

    @operation("SetTopicAttributes")
    def set_topic_attributes(self, ctx: RequestContext, params: Params) -> Result:
        value = params.get("AttributeValue") or ""
        self._topics.set_attribute(ctx.scope, params["TopicArn"], params["AttributeName"], value)
        return {}

    @operation("TagResource")
    def tag_resource(self, ctx: RequestContext, params: Params) -> Result:
        tags = {t["Key"]: t.get("Value", "") for t in params["Tags"]}
        self._topics.tag(ctx.scope, params["ResourceArn"], tags)
        return {}

    @operation("UntagResource")
    def untag_resource(self, ctx: RequestContext, params: Params) -> Result:
        self._topics.untag(ctx.scope, params["ResourceArn"], list(params["TagKeys"]))
        return {}

    @operation("ListTagsForResource")
    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Result:
        tags = self._topics.tags(ctx.scope, params["ResourceArn"])
        return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}

    # ---- subscriptions ---------------------------------------------------------------------------

    @operation("Subscribe")
    def subscribe(self, ctx: RequestContext, params: Params) -> Result:
        arn = self._subscriptions.subscribe(
            ctx.scope,
            params["TopicArn"],
            params["Protocol"],
            params.get("Endpoint"),
            params.get("Attributes") or {},
            bool(params.get("ReturnSubscriptionArn")),
        )
        return {"SubscriptionArn": arn}

    @operation("ConfirmSubscription")
    def confirm_subscription(self, ctx: RequestContext, params: Params) -> Result:
        arn = self._subscriptions.confirm(
            ctx.scope, params["TopicArn"], params["Token"], _flag(params, "AuthenticateOnUnsubscribe")
        )
        return {"SubscriptionArn": arn}

    @operation("Unsubscribe")
    def unsubscribe(self, ctx: RequestContext, params: Params) -> Result:
        self._subscriptions.unsubscribe(ctx.scope, params["SubscriptionArn"])
        return {}

    @operation("ListSubscriptions")
    def list_subscriptions(self, ctx: RequestContext, params: Params) -> Result:
        return self._listing(ctx, None, params.get("NextToken"))

    @operation("ListSubscriptionsByTopic")
    def list_subscriptions_by_topic(self, ctx: RequestContext, params: Params) -> Result:
        return self._listing(ctx, params["TopicArn"], params.get("NextToken"))

    def _listing(self, ctx: RequestContext, topic_arn: str | None, token: str | None) -> Result:
        page, next_token = self._subscriptions.list(ctx.scope, topic_arn, token)
        rows = [
            {
                "SubscriptionArn": s.arn if s.confirmed else "PendingConfirmation",
                "Owner": s.account_id,
                "Protocol": s.protocol,
                "Endpoint": s.endpoint,
                "TopicArn": s.topic_arn,
            }
            for s in page
        ]
        return _next({"Subscriptions": rows}, next_token)

    @operation("GetSubscriptionAttributes")
    def get_subscription_attributes(self, ctx: RequestContext, params: Params) -> Result:
        return {"Attributes": self._subscriptions.attributes(ctx.scope, params["SubscriptionArn"])}

    @operation("SetSubscriptionAttributes")
    def set_subscription_attributes(self, ctx: RequestContext, params: Params) -> Result:
        value = params.get("AttributeValue") or ""
        self._subscriptions.set_attribute(ctx.scope, params["SubscriptionArn"], params["AttributeName"], value)
        return {}

    # ---- publishing ------------------------------------------------------------------------------

    @operation("Publish")
    def publish(self, ctx: RequestContext, params: Params) -> Result:
        return {"MessageId": self._publisher.publish_request(ctx.scope, params)}

    @operation("PublishBatch")
    def publish_batch(self, ctx: RequestContext, params: Params) -> Result:
        result = self._publisher.publish_batch(ctx.scope, params["TopicArn"], params["PublishBatchRequestEntries"])
        return {"Successful": result.successful, "Failed": result.failed}

    # ---- the links in SNS's messages -------------------------------------------------------------

    def follow_link(self, query: Mapping[str, str]) -> Result:
        """A GET of a SubscribeURL or UnsubscribeURL: the action's result, or AWS's error."""
        action = query.get("Action")
        if action == "ConfirmSubscription":
            if not query.get("TopicArn") or not query.get("Token"):
                raise invalid("TopicArn and Token are required")
            return {"SubscriptionArn": self._subscriptions.confirm_by_link(query["TopicArn"], query["Token"])}
        if action == "Unsubscribe":
            if not query.get("SubscriptionArn"):
                raise invalid("SubscriptionArn")
            self._subscriptions.unsubscribe_by_link(query["SubscriptionArn"])
            return {}
        raise ServiceError("InvalidAction", f"The action {action} is not valid for this web service.")
