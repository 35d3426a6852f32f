"""GetMetricData for MetricStat queries: each query one series and one statistic, per aligned period.

Metric math (``Expression``) is refused by name until it is built. Results are ordered by ``ScanBy``; when
the datapoints of all queries exceed ``MaxDatapoints``, the rest comes with a ``NextToken`` and the cut
result says ``PartialData``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from vigil.engine.metrics.datums import canonical_dimensions, millis
from vigil.engine.metrics.extended import extended_statistic
from vigil.engine.metrics.statistics import check_period, first_period_start
from vigil.engine.paging import decode_token, encode_token
from vigil.errors import ServiceError
from vigil.store.metrics import MetricsStore, PeriodStatistics

MAX_QUERIES = 500
DEFAULT_MAX_DATAPOINTS = 100_800
BASIC_STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
_ID = re.compile(r"[a-z][a-zA-Z0-9_]*")


def _invalid(message: str) -> ServiceError:
    return ServiceError("ValidationError", message)


def _value(stat: str, period: PeriodStatistics) -> float | None:
    if stat not in BASIC_STATISTICS:
        return period.extended.get(stat)
    if stat == "Average":
        return period.sum / period.sample_count if period.sample_count else None
    return {
        "SampleCount": period.sample_count,
        "Sum": period.sum,
        "Minimum": period.minimum,
        "Maximum": period.maximum,
    }[stat]


def _check_queries(queries: Sequence[Mapping[str, Any]]) -> None:
    if len(queries) > MAX_QUERIES:
        raise _invalid(f"The collection MetricDataQueries must not have a size greater than {MAX_QUERIES}.")
    seen: set[str] = set()
    for query in queries:
        identifier = query["Id"]
        if not _ID.fullmatch(identifier):
            raise _invalid(
                f"Invalid metric data query id {identifier!r}: it must start with a lowercase letter and hold only "
                "letters, digits and underscores."
            )
        if identifier in seen:
            raise _invalid(f"The metric data query id {identifier!r} is used more than once.")
        seen.add(identifier)
        if ("MetricStat" in query) == ("Expression" in query):
            raise _invalid(f"Query {identifier} must have exactly one of MetricStat and Expression.")
        if "Expression" in query:
            raise _invalid(f"Query {identifier}: metric math expressions are not supported by Vigil yet.")
        stat_spec = query["MetricStat"]
        check_period(int(stat_spec["Period"]), f"MetricStat.Period of query {identifier}", "ValidationError")
        if stat_spec["Stat"] not in BASIC_STATISTICS:
            extended_statistic(stat_spec["Stat"], f"MetricStat.Stat of query {identifier}", "ValidationError")


def _series(
    store: MetricsStore, account_id: str, region: str, query: Mapping[str, Any], start: int, end: int
) -> tuple[list[datetime], list[float]]:
    stat_spec = query["MetricStat"]
    metric = stat_spec["Metric"]
    period = int(stat_spec["Period"])  # checked with the whole request, before any query runs
    stat = stat_spec["Stat"]
    extended = [] if stat in BASIC_STATISTICS else [extended_statistic(stat, "MetricStat.Stat")]
    period_ms = period * 1000
    periods = store.statistics(
        account_id,
        region,
        metric.get("Namespace", ""),
        metric.get("MetricName", ""),
        canonical_dimensions(metric.get("Dimensions") or [], "Dimensions"),
        start=first_period_start(start, period, int(time.time() * 1000)),
        end=end,
        period_ms=period_ms,
        unit=stat_spec.get("Unit"),
        extended=extended,
        per_unit=False,
    )
    timestamps, values = [], []
    for bucket in periods:
        value = _value(stat, bucket)
        if value is not None:
            timestamps.append(datetime.fromtimestamp(bucket.start / 1000, UTC))
            values.append(value)
    return timestamps, values


def get_metric_data(store: MetricsStore, account_id: str, region: str, params: Mapping[str, Any]) -> dict[str, Any]:
    queries = params["MetricDataQueries"]
    _check_queries(queries)
    start, end = millis(params["StartTime"]), millis(params["EndTime"])
    if start >= end:
        raise _invalid("The parameter StartTime must be less than the parameter EndTime.")
    budget = int(params.get("MaxDatapoints", DEFAULT_MAX_DATAPOINTS))
    if budget < 1:
        raise _invalid(f"The parameter MaxDatapoints must be at least 1, not {budget}.")
    descending = params.get("ScanBy", "TimestampDescending") == "TimestampDescending"
    position = decode_token(params.get("NextToken"), "metric-data", code="InvalidNextToken") or [0, 0]
    if not (
        isinstance(position, list)
        and len(position) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in position)
    ):
        raise ServiceError("InvalidNextToken", "The specified nextToken is invalid.")
    first_query, skip = position
    results: list[dict[str, Any]] = []
    next_token = None
    returned = [q for q in queries if q.get("ReturnData", True)]
    for index, query in enumerate(returned):
        if index < first_query:
            continue
        timestamps, values = _series(store, account_id, region, query, start, end)
        if descending:
            timestamps.reverse()
            values.reverse()
        offset = skip if index == first_query else 0
        timestamps, values = timestamps[offset:], values[offset:]
        result = {
            "Id": query["Id"],
            "Label": query.get("Label") or query["MetricStat"]["Metric"].get("MetricName", query["Id"]),
            "Timestamps": timestamps[:budget],
            "Values": values[:budget],
            "StatusCode": "Complete",
            "Messages": [],
        }
        if len(timestamps) > budget:
            result["StatusCode"] = "PartialData"
            next_token = encode_token("metric-data", [index, offset + budget])
            results.append(result)
            break
        budget -= len(timestamps)
        results.append(result)
        if budget == 0 and index + 1 < len(returned):
            next_token = encode_token("metric-data", [index + 1, 0])
            break
    reply: dict[str, Any] = {"MetricDataResults": results, "Messages": []}
    if next_token is not None:
        reply["NextToken"] = next_token
    return reply
