"""Metric series ids by identity, for whoever stores datapoints (PutMetricData, datapoints drawn from logs).

A series is (account, region, namespace, metric name, canonical dimensions). Ids this process has seen are
remembered, so the usual write only inserts points; a new series costs an upsert (which also finds series
stored before a restart), and ``last_put`` (for ListMetrics' RecentlyActive) is refreshed at most once a
minute. What a transaction learns is remembered only once it has committed: a rolled-back series id must
never be handed out.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

SeriesKey = tuple[str, str, str, str, str]  # account, region, namespace, metric name, dimensions JSON

# How stale a series' last_put may get before a write refreshes it (RecentlyActive looks back 3 h).
LAST_PUT_EVERY_MS = 60_000


@dataclass(frozen=True)
class SeriesPlan:
    """What a write needs: ids already known, series to find or create, ids whose ``last_put`` is stale."""

    known: dict[SeriesKey, int]
    new: list[SeriesKey]
    stale: list[int]
    now: int


class SeriesIds:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._remembered: dict[SeriesKey, tuple[int, int]] = {}  # key -> (series id, last_put written)

    def plan(self, keys: Iterable[SeriesKey], now: int) -> SeriesPlan:
        known: dict[SeriesKey, int] = {}
        new: list[SeriesKey] = []
        stale: list[int] = []
        with self._lock:
            for key in set(keys):
                seen = self._remembered.get(key)
                if seen is None:
                    new.append(key)
                    continue
                known[key] = seen[0]
                if seen[1] < now - LAST_PUT_EVERY_MS:
                    stale.append(seen[0])
        return SeriesPlan(known, new, stale, now)

    def resolve(self, cur: duckdb.DuckDBPyConnection, plan: SeriesPlan) -> dict[SeriesKey, int]:
        """Every planned series' id, creating those that do not exist (inside the caller's transaction)."""
        ids = dict(plan.known)
        for key in plan.new:
            ids[key] = _find_or_create(cur, key, plan.now)
        if plan.stale:
            cur.execute(
                f"UPDATE metric_series SET last_put = greatest(last_put, ?) "
                f"WHERE series_id IN ({', '.join('?' * len(plan.stale))})",
                [plan.now, *plan.stale],
            )
        return ids

    def remember(self, plan: SeriesPlan, ids: dict[SeriesKey, int]) -> None:
        """After the transaction that resolved ``plan`` committed."""
        stale = set(plan.stale)
        with self._lock:
            for key, series_id in ids.items():
                if key not in plan.known or series_id in stale:
                    self._remembered[key] = (series_id, plan.now)

    def forget_all(self) -> None:
        with self._lock:
            self._remembered.clear()


def _find_or_create(cur: duckdb.DuckDBPyConnection, key: SeriesKey, now: int) -> int:
    existing = cur.execute(
        "SELECT series_id FROM metric_series WHERE account_id = ? AND region = ? AND namespace = ? "
        "AND metric_name = ? AND dimensions = ?",
        list(key),
    ).fetchall()
    if existing:
        series_id = int(existing[0][0])
        cur.execute("UPDATE metric_series SET last_put = greatest(last_put, ?) WHERE series_id = ?", [now, series_id])
        return series_id
    (series_id,) = cur.execute(
        "INSERT INTO metric_series (account_id, region, namespace, metric_name, dimensions, last_put) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING series_id",
        [*key, now],
    ).fetchall()[0]
    cur.execute(
        "INSERT INTO metric_dimensions SELECT ?, key, json_extract_string(value, '$') FROM json_each(?)",
        [series_id, key[4]],
    )
    return int(series_id)
