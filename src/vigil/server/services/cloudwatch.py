"""CloudWatch metrics, alarms and dashboards. For now: the read-only operations that prove each protocol."""

from __future__ import annotations

from vigil.server.services.base import Params, RequestContext, Result, Service, operation


class CloudWatchService(Service):
    name = "cloudwatch"

    @operation("ListMetrics")
    def list_metrics(self, ctx: RequestContext, params: Params) -> Result:
        return {"Metrics": []}
