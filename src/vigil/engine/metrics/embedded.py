"""Embedded metric format (EMF): log events whose message is a JSON object carrying an ``_aws.CloudWatchMetrics``
directive become CloudWatch datapoints when they are stored, in any log group, with no configuration.

The rules, from AWS's "Specification: Embedded metric format" (docs/metrics.md cites it):

- the message is one JSON object, nothing before or after it; ``_aws`` is an object whose ``CloudWatchMetrics``
  is an array of directives; ``_aws.Timestamp`` (epoch milliseconds) stamps the metrics, the event's timestamp
  when it is absent;
- a directive has a ``Namespace`` (string), ``Metrics`` (at most 100 definitions) and ``Dimensions``, an array
  of DimensionSets, each an array of at most 30 root member names whose values are strings of at most 1,024
  characters; every set makes its own series, an empty set ``[]`` a series without dimensions;
- a definition has a ``Name`` naming a root member that holds a number or an array of at most 100 numbers
  (one datapoint each), an optional ``Unit`` (a CloudWatch unit, ``None`` by default) and an optional
  ``StorageResolution`` (1 or 60, 60 by default);
- targets are members of the root, never nested ones.

A document that breaks a rule gives no datapoint at all, and its event is stored all the same. Where AWS is
silent Vigil decides as docs/metrics.md says (the datapoints must fit PutMetricData's rules: name lengths, the
reserved ``AWS/`` namespace, values within ±2^360, timestamps two weeks back to two hours ahead).
"""

from __future__ import annotations

import duckdb

from vigil.engine.metrics.datums import FUTURE_LIMIT_MS, PAST_LIMIT_MS, VALUE_LIMIT
from vigil.store.embedded_metrics import EmbeddedRules, batch_has_documents, embedded_select
from vigil.units import STANDARD_UNITS

MAX_METRICS_PER_DIRECTIVE = 100
MAX_DIMENSIONS_PER_SET = 30
MAX_VALUES_PER_METRIC = 100
MAX_NAME_LENGTH = 255  # CloudWatch's Namespace, MetricName and dimension Name
MAX_DIMENSION_VALUE_LENGTH = 1024


RULES = EmbeddedRules(
    max_metrics=MAX_METRICS_PER_DIRECTIVE,
    max_dimensions=MAX_DIMENSIONS_PER_SET,
    max_values=MAX_VALUES_PER_METRIC,
    max_name=MAX_NAME_LENGTH,
    max_dimension_value=MAX_DIMENSION_VALUE_LENGTH,
    value_limit=VALUE_LIMIT,
    past_ms=PAST_LIMIT_MS,
    future_ms=FUTURE_LIMIT_MS,
    units=STANDARD_UNITS,
    resolutions=(1, 60),
)


class EmbeddedMetricFormat:
    """A source of the log metrics (engine/metrics/emitters.py): every log group, no configuration."""

    def __init__(self) -> None:
        self._select = embedded_select(RULES)

    def in_batch(self, cur: duckdb.DuckDBPyConnection) -> bool:
        return batch_has_documents(cur)

    def point_selects(self, group_ids: set[int]) -> tuple[list[str], bool]:
        return [self._select], False
