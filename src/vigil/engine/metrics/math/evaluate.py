"""Evaluating a request's queries: every MetricStat read up front (together, see sources.py), each expression
computed once, on demand, in the order its references need (the checks have already refused cycles)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from vigil.engine.metrics.math import operators
from vigil.engine.metrics.math.ast import ArrayOf, Binary, Call, Keyword, Node, Number, Ref, String, Unary
from vigil.engine.metrics.math.checks import MathQuery
from vigil.engine.metrics.math.elementwise import array_of
from vigil.engine.metrics.math.functions import FUNCTIONS
from vigil.engine.metrics.math.search import parse_search
from vigil.engine.metrics.math.sources import MAX_SEARCH_RESULTS, Source
from vigil.engine.metrics.math.values import Evaluation, Series, SeriesArray, Value, Word

DEFAULT_PERIOD = 60


class Evaluator:
    def __init__(
        self, queries: Sequence[Mapping[str, Any]], expressions: Mapping[str, MathQuery], source: Source
    ) -> None:
        self._queries = {query["Id"]: query for query in queries}
        self._metric_ids = [query["Id"] for query in queries if "MetricStat" in query]
        self._expressions = expressions
        self.source = source
        # Every MetricStat at once: the store reads those of one Period and Unit in one statement.
        self._values: dict[str, Value] = dict(source.metric_stats([self._queries[i] for i in self._metric_ids]))
        self._dropped: set[str] = set()
        self._searches: dict[tuple[str, str, int], SeriesArray] = {}
        self.messages: list[dict[str, str]] = []  # about the whole request (GetMetricData's own Messages)
        periods = [int(self._queries[i]["MetricStat"]["Period"]) for i in self._metric_ids]
        self.smallest_period = min(periods, default=DEFAULT_PERIOD)

    def value(self, query_id: str) -> Value:
        if query_id not in self._values:
            query = self._queries[query_id]
            scope = _QueryScope(self, query)
            self._values[query_id] = scope.run(self._expressions[query_id].tree)
            if scope.evaluation.dropped:
                self._dropped.add(query_id)
        return self._values[query_id]

    def dropped(self, query_id: str) -> bool:
        """Whether computing the query dropped datapoints that were not finite numbers."""
        return query_id in self._dropped

    def metrics(self, contains: str) -> SeriesArray:
        found = []
        for query_id in (query_id for query_id in self._metric_ids if contains in query_id):
            series = self.value(query_id)
            if isinstance(series, Series):
                # In an array a metric is known by its Label (a dynamic one by its metric name).
                label = self._queries[query_id].get("Label")
                found.append(replace(series, label=label) if label and "${" not in label else series)
        return SeriesArray(tuple(found))

    def search(self, scope: _QueryScope, text: str, stat: str, period: int) -> SeriesArray:
        key = (text, stat, period)
        if key not in self._searches:
            search = parse_search(text, scope.evaluation.error)
            series, truncated = self.source.search(search, stat, period)
            if truncated:
                self.messages.append(
                    {
                        "Code": "MaxMetricsExceeded",
                        "Value": f"SEARCH in expression {scope.evaluation.query_id} matched more than "
                        f"{MAX_SEARCH_RESULTS} metrics; only the first {MAX_SEARCH_RESULTS} are returned.",
                    }
                )
            self._searches[key] = SeriesArray(tuple(series))
        return self._searches[key]


class _QueryScope:
    """The Scope functions see while one expression is evaluated."""

    def __init__(self, evaluator: Evaluator, query: Mapping[str, Any]) -> None:
        self._evaluator = evaluator
        self._period = int(query["Period"]) if query.get("Period") is not None else evaluator.smallest_period
        self.evaluation = Evaluation(query["Id"])

    def metrics(self, contains: str) -> SeriesArray:
        return self._evaluator.metrics(contains)

    def search(self, text: str, stat: str, period: int) -> SeriesArray:
        return self._evaluator.search(self, text, stat, period)

    def default_grid(self) -> tuple[np.ndarray, int]:
        return self._evaluator.source.window.times(self._period), self._period

    def run(self, node: Node) -> Value:
        if isinstance(node, Number):
            return node.value
        if isinstance(node, String):
            return node.value
        if isinstance(node, Keyword):
            return Word(node.name)
        if isinstance(node, Ref):
            return self._evaluator.value(node.name)
        if isinstance(node, Unary):
            return operators.unary(self.evaluation, node.operator, self.run(node.operand))
        if isinstance(node, Binary):
            return operators.binary(self.evaluation, node.operator, self.run(node.left), self.run(node.right))
        if isinstance(node, ArrayOf):
            return array_of(self, [self.run(item) for item in node.items])
        assert isinstance(node, Call)
        return FUNCTIONS[node.name].apply(self, [self.run(arg) for arg in node.args])
