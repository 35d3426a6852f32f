"""CloudWatch Logs metric filters: PutMetricFilter, DescribeMetricFilters, DeleteMetricFilter."""

from __future__ import annotations

from vigil.engine.logs.metric_filters import ActiveFilter, MetricFilters
from vigil.engine.paging import decode_token, encode_token
from vigil.errors import invalid_parameter
from vigil.server.services.base import Params, RequestContext, Result, Service, operation, with_next_token


def _described(active: ActiveFilter) -> Result:
    row = active.row
    transformation: Result = {
        "metricName": row.metric_name,
        "metricNamespace": row.metric_namespace,
        "metricValue": row.metric_value,
    }
    if row.default_value is not None:
        transformation["defaultValue"] = row.default_value
    if row.dimensions:
        transformation["dimensions"] = row.dimensions
    if row.unit:
        transformation["unit"] = row.unit
    return {
        "filterName": row.name,
        "filterPattern": row.pattern,
        "metricTransformations": [transformation],
        "creationTime": row.creation_time,
        "logGroupName": active.group_name,
        "applyOnTransformedLogs": False,
    }


class LogsMetricFiltersService(Service):
    name = "logs"

    def __init__(self, filters: MetricFilters) -> None:
        self.filters = filters

    @operation("PutMetricFilter")
    def put_metric_filter(self, ctx: RequestContext, params: Params) -> Result:
        self.filters.put(ctx.scope, params)
        return {}

    @operation("DeleteMetricFilter")
    def delete_metric_filter(self, ctx: RequestContext, params: Params) -> Result:
        self.filters.delete(ctx.scope, params["logGroupName"], params["filterName"])
        return {}

    @operation("DescribeMetricFilters")
    def describe_metric_filters(self, ctx: RequestContext, params: Params) -> Result:
        prefix = params.get("filterNamePrefix")
        if bool(params.get("metricName")) != bool(params.get("metricNamespace")):
            raise invalid_parameter("metricName and metricNamespace must be given together.")
        found = [
            f
            for f in self.filters.listing(ctx.scope, params.get("logGroupName"))
            if (not prefix or f.row.name.startswith(prefix))
            and (not params.get("metricName") or f.row.metric_name == params["metricName"])
            and (not params.get("metricNamespace") or f.row.metric_namespace == params["metricNamespace"])
        ]
        after = decode_token(params.get("nextToken"), "metric-filters")
        if after is not None:
            found = [f for f in found if (f.row.name, f.group_name) > tuple(after)]
        limit = int(params.get("limit") or 50)
        page = found[:limit]
        token = encode_token("metric-filters", [page[-1].row.name, page[-1].group_name]) if len(found) > limit else None
        return with_next_token({"metricFilters": [_described(f) for f in page]}, token)
