"""Values recorded between two publications, kept as value -> count per series.

That is exactly PutMetricData's ``Values``/``Counts`` form, so a publication carries every value (percentiles
stay exact on the server) in as few datums as the values are distinct: a counter incremented a million times
by one is one value with a count of a million.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any, NamedTuple

MAX_VALUES_PER_DATUM = 150  # PutMetricData's limit on Values


class SeriesKey(NamedTuple):
    name: str
    dimensions: tuple[tuple[str, str], ...]
    unit: str
    storage_resolution: int


def series_key(name: str, dimensions: Mapping[str, Any] | None, unit: str, storage_resolution: int = 60) -> SeriesKey:
    return SeriesKey(
        name, tuple(sorted((str(k), str(v)) for k, v in (dimensions or {}).items())), unit, storage_resolution
    )


class Aggregator:
    """Thread-safe: any thread records, the publisher's thread drains."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[SeriesKey, Counter[float]] = {}
        self._since = time.time()

    def record(self, key: SeriesKey, value: float, count: float = 1.0) -> None:
        with self._lock:
            values = self._values.get(key)
            if values is None:
                values = self._values[key] = Counter()
            values[value] += count

    def pending(self) -> int:
        with self._lock:
            return sum(len(values) for values in self._values.values())

    def drain(self) -> list[dict[str, Any]]:
        """MetricDatum dicts for everything recorded since the last drain, stamped with the window's start."""
        with self._lock:
            values, self._values = self._values, {}
            since, self._since = self._since, time.time()
        datums: list[dict[str, Any]] = []
        for key, counted in values.items():
            items = sorted(counted.items())
            for start in range(0, len(items), MAX_VALUES_PER_DATUM):
                chunk = items[start : start + MAX_VALUES_PER_DATUM]
                datum: dict[str, Any] = {
                    "MetricName": key.name,
                    "Dimensions": [{"Name": name, "Value": value} for name, value in key.dimensions],
                    "Timestamp": since,
                    "Values": [value for value, _ in chunk],
                    "Counts": [count for _, count in chunk],
                    "Unit": key.unit,
                }
                if key.storage_resolution == 1:
                    datum["StorageResolution"] = 1
                datums.append(datum)
        return datums
