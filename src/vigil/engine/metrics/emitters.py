"""Datapoints drawn from log events once they are committed: metric filters, EMF, Lambda reports.

Ingest does not wait for them. A thread of its own reads the committed events past the watermark in ranges
(a larger range the busier ingest is), runs every source's SELECTs over a range on a cursor of its own, beside
ingest, and has the writer store the datapoints with the range's end as the new watermark: each event counts
exactly once, also across a crash. Whoever reads metrics first waits for the events committed so far
(``wait_current``), so a read sees the datapoints of every event acknowledged before it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import duckdb

from vigil.engine.clock import now_ms
from vigil.store.emitted_points import EmittedPointsStore
from vigil.store.writer import Writer

log = logging.getLogger(__name__)

MAX_RANGE_EVENTS = 200_000
# How long the thread lets a range grow after the first commit it sees, unless someone waits for it or the
# range is already large: a range costs a fixed few milliseconds (planning the gathering statement, one
# transaction of the writer), so fewer, larger ones cost ingest less.
LINGER_S = 0.5
LARGE_RANGE_EVENTS = 50_000


class PointSource(Protocol):
    def point_selects(self, group_ids: set[int]) -> tuple[list[str], bool]:
        """SELECTs over ``stored_events`` in the columns of store/emitted_points.py for the range's groups,
        and whether any of them emits metric-filter default values."""
        ...


@runtime_checkable
class ProbedPointSource(PointSource, Protocol):
    """A source that can tell cheaply whether a range may give it anything at all: every other range is spared
    its statement (a source that applies to every log group, such as EMF, would otherwise run on each one)."""

    def in_batch(self, cur: duckdb.DuckDBPyConnection) -> bool: ...


class LogPointEmitters:
    def __init__(self, store: EmittedPointsStore, writer: Writer, sources: Sequence[PointSource]) -> None:
        self._store = store
        self._writer = writer
        self._sources = sources
        self._watermark = store.watermark()
        self._changed = threading.Condition()
        self._committed = writer.last_event_id
        self._waiting = 0
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="vigil-log-metrics", daemon=True)
        writer.on_events_committed = self.committed

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Draw the datapoints of everything committed so far, then stop."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self._thread.is_alive():
            self._thread.join()

    def committed(self, last_event_id: int) -> None:
        with self._changed:
            self._committed = last_event_id
            self._changed.notify_all()

    def wait_current(self, timeout: float = 30.0) -> bool:
        """Wait until the datapoints of every event committed by now are stored; False if ``timeout`` passed."""
        deadline = time.monotonic() + timeout
        with self._changed:
            target = self._committed
            self._waiting += 1
            self._changed.notify_all()
            try:
                while self._watermark < target and self._thread.is_alive():
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    self._changed.wait(remaining)
                return self._watermark >= target
            finally:
                self._waiting -= 1

    def _loop(self) -> None:
        while True:
            with self._changed:
                while self._committed <= self._watermark and not self._stopping:
                    self._changed.wait()
                if self._committed <= self._watermark:
                    return  # stopping, and nothing left
                deadline = time.monotonic() + LINGER_S
                while not (
                    self._waiting
                    or self._stopping
                    or self._committed - self._watermark >= LARGE_RANGE_EVENTS
                    or time.monotonic() >= deadline
                ):
                    self._changed.wait(deadline - time.monotonic())
                last = min(self._committed, self._watermark + MAX_RANGE_EVENTS)
            try:
                self._draw(self._watermark + 1, last)
            except Exception:
                # The watermark stays: the range is tried again on the next commit (a broken source must not
                # stop the thread, and no event is skipped).
                log.exception("drawing datapoints from events %d to %d failed", self._watermark + 1, last)
                with self._changed:
                    if self._stopping:
                        return
                    self._changed.wait(1.0)
                continue
            with self._changed:
                self._watermark = last
                self._changed.notify_all()

    def _draw(self, first: int, last: int) -> None:
        cur, group_ids = self._store.open_range(first, last)
        selects: list[str] = []
        has_defaults = False
        for source in self._sources:
            if isinstance(source, ProbedPointSource) and not source.in_batch(cur):
                continue
            more, defaults = source.point_selects(group_ids)
            selects += more
            has_defaults |= defaults
        points = self._store.gather(selects) if selects else None
        self._store.store(points, last, now_ms(), has_defaults)
