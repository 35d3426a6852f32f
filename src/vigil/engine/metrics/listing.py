"""ListMetrics: series filtered by namespace, name, dimensions and recent activity, 500 a page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from vigil.engine.metrics.datums import invalid_value
from vigil.engine.paging import decode_token, encode_token
from vigil.store.metrics import MetricsStore

PAGE_SIZE = 500
RECENT_MS = 3 * 3600 * 1000  # RecentlyActive=PT3H, the only value AWS accepts


def list_metrics(
    store: MetricsStore, account_id: str, region: str, params: Mapping[str, Any], now_ms: int
) -> dict[str, Any]:
    recently = params.get("RecentlyActive")
    if recently is not None and recently != "PT3H":
        raise invalid_value(f"The value {recently} for parameter RecentlyActive is invalid: use PT3H.")
    filters = [(f["Name"], f.get("Value")) for f in params.get("Dimensions") or []]
    after = decode_token(params.get("NextToken"), "metrics", code="InvalidParameterValue")
    rows = store.list_series(
        account_id,
        region,
        namespace=params.get("Namespace"),
        metric_name=params.get("MetricName"),
        dimension_filters=filters,
        active_since=now_ms - RECENT_MS if recently else None,
        after=after,
        limit=PAGE_SIZE + 1,
    )
    metrics = [
        {
            "Namespace": row.namespace,
            "MetricName": row.metric_name,
            "Dimensions": [{"Name": k, "Value": v} for k, v in orjson.loads(row.dimensions).items()],
        }
        for row in rows[:PAGE_SIZE]
    ]
    reply: dict[str, Any] = {"Metrics": metrics}
    if len(rows) > PAGE_SIZE:
        reply["NextToken"] = encode_token("metrics", rows[PAGE_SIZE - 1].series_id)
    return reply
