"""CloudWatch metrics: PutMetricData, ListMetrics, GetMetricStatistics and GetMetricData (MetricStat queries).
Metric math, alarms and dashboards come later."""

from __future__ import annotations

import time
from collections.abc import Callable

from vigil.engine.metrics.datums import datapoints
from vigil.engine.metrics.listing import list_metrics
from vigil.engine.metrics.metric_data import get_metric_data
from vigil.engine.metrics.statistics import get_statistics
from vigil.server.services.base import Params, RequestContext, Result, Service, operation
from vigil.store.metrics import MetricsStore


def _now_ms() -> int:
    return int(time.time() * 1000)


class CloudWatchService(Service):
    name = "cloudwatch"

    def __init__(self, store: MetricsStore, log_metrics_current: Callable[[], bool]) -> None:
        self.store = store
        # Datapoints drawn from log events are stored just after the events: a read first waits for those of
        # every event acknowledged before it.
        self.log_metrics_current = log_metrics_current

    @operation("PutMetricData")
    def put_metric_data(self, ctx: RequestContext, params: Params) -> Result:
        now = _now_ms()
        points = datapoints(params["Namespace"], params.get("MetricData") or [], now)
        self.store.put(ctx.scope.account_id, ctx.scope.region, params["Namespace"], points, now)
        return {}

    @operation("ListMetrics")
    def list_metrics(self, ctx: RequestContext, params: Params) -> Result:
        self.log_metrics_current()
        return list_metrics(self.store, ctx.scope.account_id, ctx.scope.region, params, _now_ms())

    @operation("GetMetricStatistics")
    def get_metric_statistics(self, ctx: RequestContext, params: Params) -> Result:
        self.log_metrics_current()
        return get_statistics(self.store, ctx.scope.account_id, ctx.scope.region, params)

    @operation("GetMetricData")
    def get_metric_data(self, ctx: RequestContext, params: Params) -> Result:
        self.log_metrics_current()
        return get_metric_data(self.store, ctx.scope.account_id, ctx.scope.region, params)
