"""Metric filters: PutMetricFilter's rules, the filters of each log group kept in memory, and what each emits.

A filter's pattern is compiled once, by the same compiler FilterLogEvents uses, into SQL the store runs over
every new batch of events inside its commit: the value (a number, or a field the pattern extracts) and the
dimensions (fields the pattern extracts) of every matching event become datapoints, and a minute of the
batch without a match reports the default value, when there is one.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vigil.engine.logs.groups import LogGroups
from vigil.engine.logs.scope import Scope
from vigil.engine.patterns.compiler import CompiledPattern, compile_pattern
from vigil.errors import ServiceError, invalid_parameter
from vigil.store.metric_filters import Emission, MetricFilterRow, MetricFiltersStore, filter_selects

MAX_FILTERS_PER_GROUP = 100
# Filters run over stored events, whose ``is_json`` ingest decided: JSON patterns read it instead of validating.
EVENTS_JSON_FLAG = "is_json"
MAX_DIMENSIONS = 3


@dataclass(frozen=True)
class ActiveFilter:
    row: MetricFilterRow
    scope: Scope
    group_name: str
    emission: Emission


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _number(text: str) -> float | None:
    """A decimal number, finite: not ``inf``, ``nan`` or ``1_000``, which Python's float() would take."""
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _positional(field: str) -> bool:
    """``$3``: the third field of a space-delimited pattern, named or not."""
    return field[1:].isdigit()


def emission_for(row: MetricFilterRow, scope: Scope, compiled: CompiledPattern) -> Emission:
    """What one filter emits (raises InvalidParameterException for a field the pattern lacks)."""
    # A field value must be one the pattern matched (AWS: "make sure the field is in the pattern", if only as
    # `$.field = *`). Dimensions may name any field the pattern can extract.
    field = row.metric_value
    if field.startswith("$") and field not in compiled.fields and not _positional(field):
        raise invalid_parameter(f"{field} is not a field of the filter pattern {compiled.text!r}.")
    constant = _number(row.metric_value)
    return Emission(
        account_id=scope.account_id,
        region=scope.region,
        group_id=row.group_id,
        namespace=row.metric_namespace,
        metric_name=row.metric_name,
        unit=row.unit or "None",
        predicate_sql=compiled.predicate_sql,
        value=constant,
        value_sql=None if constant is not None else compiled.extract_sql(row.metric_value),
        dimensions=tuple((name, compiled.extract_sql(field)) for name, field in row.dimensions.items()),
        default_value=row.default_value,
    )


class MetricFilters:
    def __init__(self, store: MetricFiltersStore, groups: LogGroups) -> None:
        self._store = store
        self._groups = groups
        self._lock = threading.Lock()
        self._by_group: dict[int, dict[str, ActiveFilter]] = {}
        # Called before a filter is put or deleted: the events committed before the change are drawn first.
        self.before_change: Callable[[], object] = lambda: None
        for row, account_id, region, group_name in store.all():
            self._activate(row, Scope(account_id, region), group_name)

    def _activate(self, row: MetricFilterRow, scope: Scope, group_name: str) -> ActiveFilter:
        active = ActiveFilter(
            row, scope, group_name, emission_for(row, scope, compile_pattern(row.pattern, json_flag=EVENTS_JSON_FLAG))
        )
        with self._lock:
            self._by_group.setdefault(row.group_id, {})[row.name] = active
        return active

    # -- the API -----------------------------------------------------------------------------------------------

    def put(self, scope: Scope, params: Mapping[str, Any]) -> None:
        group = self._groups.get(scope, params["logGroupName"], sized=False)
        [transformation] = params["metricTransformations"]  # the model allows exactly one
        dimensions: dict[str, str] = dict(transformation.get("dimensions") or {})
        default = transformation.get("defaultValue")
        if dimensions and default is not None:
            raise invalid_parameter("A metric transformation with dimensions cannot also have a defaultValue.")
        if len(dimensions) > MAX_DIMENSIONS:
            raise invalid_parameter(f"A metric transformation may have at most {MAX_DIMENSIONS} dimensions.")
        value = str(transformation["metricValue"]).strip()
        if _number(value) is None and not value.startswith("$"):
            raise invalid_parameter(f"Invalid metric value {value!r}: use a number or a field such as $.latency.")
        for name, field in dimensions.items():
            if not str(field).startswith("$"):
                raise invalid_parameter(f"Invalid value {field!r} for dimension {name}: use a field such as $.region.")
        name = params["filterName"]
        existing = self._by_group.get(group.id, {})
        if name not in existing and len(existing) >= MAX_FILTERS_PER_GROUP:
            raise ServiceError(
                "LimitExceededException", f"Resource limit exceeded: at most {MAX_FILTERS_PER_GROUP} metric filters."
            )
        row = MetricFilterRow(
            group_id=group.id,
            name=name,
            pattern=params.get("filterPattern") or "",
            metric_name=transformation["metricName"],
            metric_namespace=transformation["metricNamespace"],
            metric_value=value,
            default_value=float(default) if default is not None else None,
            dimensions=dimensions,
            unit=transformation.get("unit"),
            creation_time=existing[name].row.creation_time if name in existing else int(time.time() * 1000),
        )
        # Compiled first: a pattern or a field that does not work is refused before anything is stored.
        emission_for(row, scope, compile_pattern(row.pattern, json_flag=EVENTS_JSON_FLAG))
        self.before_change()
        self._store.put(row)
        self._activate(row, scope, group.name)

    def delete(self, scope: Scope, group_name: str, filter_name: str) -> None:
        group = self._groups.get(scope, group_name, sized=False)
        if filter_name not in self._by_group.get(group.id, {}):
            raise ServiceError("ResourceNotFoundException", "The specified metric filter does not exist.")
        self.before_change()
        self._store.delete(group.id, filter_name)
        with self._lock:
            self._by_group[group.id].pop(filter_name, None)

    def listing(self, scope: Scope, group_name: str | None) -> list[ActiveFilter]:
        """The scope's filters (of one group, when named), ordered by filter name."""
        with self._lock:
            every = [f for filters in self._by_group.values() for f in filters.values() if f.scope == scope]
        # A deleted group takes its filters with it (the store deletes their rows with the group's).
        alive = self._store.existing_groups(sorted({f.row.group_id for f in every}))
        for gone in {f.row.group_id for f in every} - alive:
            self.forget_group(gone)
        every = [f for f in every if f.row.group_id in alive]
        if group_name is not None:
            group = self._groups.get(scope, group_name, sized=False)
            every = [f for f in every if f.row.group_id == group.id and f.group_name == group.name]
        # AWS: "ASCII-sorted by filter name" (then by group, for filters of the same name in several groups).
        return sorted(every, key=lambda f: (f.row.name, f.group_name))

    def count(self, group_id: int) -> int:
        """``metricFilterCount`` of DescribeLogGroups."""
        return len(self._by_group.get(group_id, {}))

    def forget_group(self, group_id: int) -> None:
        with self._lock:
            self._by_group.pop(group_id, None)

    def reset(self) -> None:
        self._store.reset()
        with self._lock:
            self._by_group.clear()

    # -- a source of the writer's hook (engine/metrics/emitters.py) ------------------------------------------

    def point_selects(self, group_ids: set[int]) -> tuple[list[str], bool]:
        with self._lock:
            emissions: Sequence[Emission] = [
                f.emission for group_id in group_ids for f in self._by_group.get(group_id, {}).values()
            ]
        return filter_selects(emissions), any(e.default_value is not None for e in emissions)
