"""The writer's hook: every source of datapoints drawn from new log events, stored in the events' commit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import duckdb

from vigil.store.emitted_points import store_emitted


class PointSource(Protocol):
    def point_selects(self, group_ids: set[int]) -> tuple[list[str], bool]:
        """SELECTs over ``stored_events`` in the columns of store/emitted_points.py for the batch's groups,
        and whether any of them emits metric-filter default values."""
        ...


class LogPointEmitters:
    def __init__(self, sources: Sequence[PointSource]) -> None:
        self._sources = sources

    def emit(self, cur: duckdb.DuckDBPyConnection, group_ids: set[int], now: int) -> None:
        selects: list[str] = []
        has_defaults = False
        for source in self._sources:
            more, defaults = source.point_selects(group_ids)
            selects += more
            has_defaults |= defaults
        if selects:
            store_emitted(cur, selects, now, has_defaults)
