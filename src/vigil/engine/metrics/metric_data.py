"""GetMetricData: MetricStat queries (one series and one statistic per aligned period) and metric math
expressions over them (engine/metrics/math).

Every query is checked before any runs. Then each query the results need is computed once: the returned ones
and whatever they refer to. Results are ordered by ``ScanBy``; when the datapoints of all results exceed
``MaxDatapoints``, the rest comes with a ``NextToken`` and the cut result says ``PartialData``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from vigil.engine.clock import now_ms
from vigil.engine.metrics.datums import millis
from vigil.engine.metrics.math.checks import check_expressions, check_statistic
from vigil.engine.metrics.math.evaluate import Evaluator
from vigil.engine.metrics.math.labels import LabelContext, timezone_offset
from vigil.engine.metrics.math.results import Result, query_results
from vigil.engine.metrics.math.sources import Source, Window
from vigil.engine.metrics.statistics import check_period
from vigil.engine.paging import decode_token, encode_token
from vigil.errors import ServiceError
from vigil.store.metrics import MetricsStore

MAX_QUERIES = 500
DEFAULT_MAX_DATAPOINTS = 100_800
_ID = re.compile(r"[a-z][a-zA-Z0-9_]*")


def _invalid(message: str) -> ServiceError:
    return ServiceError("ValidationError", message)


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
        if "MetricStat" in query:
            stat_spec = query["MetricStat"]
            check_period(int(stat_spec["Period"]), f"MetricStat.Period of query {identifier}", "ValidationError")
            check_statistic(stat_spec["Stat"], f"MetricStat.Stat of query {identifier}")


def _position(token: str | None) -> tuple[int, int]:
    position = decode_token(token, "metric-data", code="InvalidNextToken") or [0, 0]
    if not (
        isinstance(position, list)
        and len(position) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in position)
    ):
        raise ServiceError("InvalidNextToken", "The specified nextToken is invalid.")
    return position[0], position[1]


def _member(result: Result, descending: bool, offset: int, budget: int) -> dict[str, Any]:
    times, values = (result.times[::-1], result.values[::-1]) if descending else (result.times, result.values)
    times, values = times[offset : offset + budget], values[offset : offset + budget]
    return {
        "Id": result.query_id,
        "Label": result.label,
        "Timestamps": [datetime.fromtimestamp(moment / 1000, UTC) for moment in times.tolist()],
        "Values": values.tolist(),
        "StatusCode": "Complete",
        "Messages": list(result.messages),
    }


def get_metric_data(store: MetricsStore, account_id: str, region: str, params: Mapping[str, Any]) -> dict[str, Any]:
    queries = params["MetricDataQueries"]
    _check_queries(queries)
    expressions = check_expressions(queries)
    start, end = millis(params["StartTime"]), millis(params["EndTime"])
    if start >= end:
        raise _invalid("The parameter StartTime must be less than the parameter EndTime.")
    budget = int(params.get("MaxDatapoints", DEFAULT_MAX_DATAPOINTS))
    if budget < 1:
        raise _invalid(f"The parameter MaxDatapoints must be at least 1, not {budget}.")
    descending = params.get("ScanBy", "TimestampDescending") == "TimestampDescending"
    first_result, skip = _position(params.get("NextToken"))

    window = Window(start, end, now_ms())
    evaluator = Evaluator(queries, expressions, Source(store, account_id, region, window))
    context = LabelContext(account_id, region, timezone_offset((params.get("LabelOptions") or {}).get("Timezone")))
    # Every returned query is computed, even those before the page, so that an expression's mistakes are refused
    # on every page and an array's results keep their places between pages.
    returned = [query for query in queries if query.get("ReturnData", True)]
    results = [result for query in returned for result in query_results(evaluator, query, context)]

    page: list[dict[str, Any]] = []
    next_token = None
    for index in range(first_result, len(results)):
        offset = skip if index == first_result else 0
        member = _member(results[index], descending, offset, budget)
        page.append(member)
        remaining = len(results[index].times) - offset
        if remaining > budget:
            member["StatusCode"] = "PartialData"
            next_token = encode_token("metric-data", [index, offset + budget])
            break
        budget -= remaining
        if budget == 0 and index + 1 < len(results):
            next_token = encode_token("metric-data", [index + 1, 0])
            break
    reply: dict[str, Any] = {"MetricDataResults": page, "Messages": evaluator.messages}
    if next_token is not None:
        reply["NextToken"] = next_token
    return reply
