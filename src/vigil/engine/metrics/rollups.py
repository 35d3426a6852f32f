"""The background job that rolls metric datapoints up as CloudWatch keeps them: past 3 hours into minutes, past
15 days into 5 minutes, past 63 days into hours, and gone after 455 days (statistics.RESOLUTIONS).

Each pass is one writer transaction bounded to ``max_rows`` rows, so PutMetricData and PutLogEvents queued
meanwhile are written between passes rather than after the whole job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from vigil.engine.clock import now_ms
from vigil.engine.metrics.statistics import RESOLUTIONS, RETENTION_MS
from vigil.engine.periodic import Periodic
from vigil.store.metric_rollups import Level, MetricRollupsStore

log = logging.getLogger(__name__)

# Rows merged per pass: measured by bench/metric_rollups.py to keep a pass to a fraction of a second.
MAX_ROWS_PER_PASS = 200_000


@dataclass(frozen=True)
class RollupTotals:
    passes: int
    buckets: int  # buckets merged
    read: int  # rows replaced by merged rows
    written: int  # merged rows written
    expired: int  # rows deleted after 455 days


def _floor(moment: int, step: int) -> int:
    return moment - moment % step


def levels(now: int) -> list[Level]:
    """For each coarser period, the whole buckets of that period that are older than its age at ``now``."""
    return [Level(period, _floor(now - older_than, period * 1000)) for older_than, period in RESOLUTIONS]


def expiry(now: int) -> int:
    """Data before this is past retention: whole hours that ended 455 days before ``now`` or earlier."""
    return _floor(now - RETENTION_MS, 3_600_000)


class MetricRollups(Periodic):
    def __init__(self, store: MetricRollupsStore, interval_seconds: float, max_rows: int = MAX_ROWS_PER_PASS) -> None:
        super().__init__("metric-rollups", interval_seconds, lambda: self.roll_up(now_ms()))
        self.store = store
        self.max_rows = max_rows

    def roll_up(self, now: int, max_rows: int | None = None) -> RollupTotals:
        """Merge and expire everything due at ``now``, in passes of at most ``max_rows`` rows each."""
        bound = max_rows or self.max_rows
        passes = buckets = read = written = expired = 0
        while True:
            result = self.store.run_pass(levels(now), expiry(now), bound)
            passes += 1
            buckets += result.buckets
            read += result.read
            written += result.written
            expired += result.expired
            if not result.more or self.stopping:
                break
        totals = RollupTotals(passes, buckets, read, written, expired)
        if read or expired:
            log.info("metric rollups: %s", totals)
        return totals
