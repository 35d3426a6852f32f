"""SNS topics and subscriptions. For now: the read-only operation that proves the awsQuery protocol."""

from __future__ import annotations

from vigil.server.services.base import Params, RequestContext, Result, Service, operation


class SnsService(Service):
    name = "sns"

    @operation("ListTopics")
    def list_topics(self, ctx: RequestContext, params: Params) -> Result:
        return {"Topics": []}
