"""SQL for metric rollups: as datapoints age, the rows of each (series, unit, bucket) are replaced by merged rows at
the bucket's start, and rows past retention are deleted.

Merging keeps every statistic GetMetricStatistics can ask for exact, percentiles included:

- raw values (and statistic sets that count as raw values: one sample, or a minimum equal to the maximum) become
  one row per distinct value, its count the sum of the counts: the weighted values a percentile ranks are the same;
- the other statistic sets become one set (counts and sums added, the least minimum, the greatest maximum). Sets
  whose counts add up to exactly 1 stay apart, since one set of one sample would count as a raw value;
- SampleCount and Sum add up, Minimum and Maximum are kept per row, so the per-period statistics do not change.

``rollup_seconds`` says which period a row was merged into (0: as put), so a pass finds its work, data that has
just aged past a threshold or was put late into a bucket merged before, without reading anything else. One pass is
a handful of set-based statements in one writer transaction, bounded by a number of rows to merge; a pass that
merged a bucket leaves nothing to do there, so running it again changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from vigil.store.writer import Writer


@dataclass(frozen=True)
class Level:
    """Rows in buckets of ``period_s`` seconds that end at or before ``before`` (epoch ms, a multiple of the
    period) are merged into those buckets."""

    period_s: int
    before: int


@dataclass(frozen=True)
class PassResult:
    buckets: int  # buckets merged
    read: int  # rows replaced by merged rows
    written: int  # merged rows written
    expired: int  # rows deleted for being past retention
    more: bool  # the pass stopped at its bound: another one has work


def _period(levels: Sequence[Level]) -> str:
    """The period (seconds) a row's age calls for: the coarsest level whose cut it is before, else 0."""
    coarsest_first = sorted(levels, key=lambda level: level.period_s, reverse=True)
    cases = " ".join(f"WHEN timestamp < {int(level.before)} THEN {int(level.period_s)}" for level in coarsest_first)
    return f"CASE {cases} ELSE 0 END"


def _expire(cur: duckdb.DuckDBPyConnection, before: int, max_rows: int) -> int:
    row = cur.execute(
        "DELETE FROM metric_points WHERE rowid IN (SELECT rowid FROM metric_points WHERE timestamp < ? LIMIT ?)",
        [before, max_rows],
    ).fetchone()
    return int(row[0]) if row else 0


def _choose_buckets(cur: duckdb.DuckDBPyConnection, period: str, since: int, until: int, max_rows: int) -> int:
    """``rollup_buckets``: the oldest buckets holding a row finer than its age calls for, as many as fit in
    ``max_rows`` such rows (at least one bucket). Returns how many such rows there are in all.

    A count and the time span of those rows come first, so that only the part of the span that should hold
    ``max_rows`` of them is grouped into buckets: a backlog of millions of rows costs each pass a scan, not a
    grouping of the whole backlog."""
    candidates = f"""
        SELECT series_id, unit, timestamp, {period} AS period FROM metric_points
        WHERE timestamp >= {int(since)} AND timestamp < {int(until)} AND rollup_seconds < {period}
    """
    total, first, last = cur.execute(
        f"SELECT count(*), min(timestamp), max(timestamp) FROM ({candidates})"
    ).fetchone() or (0, None, None)
    if not total:
        return 0
    # Buckets starting before ``end``: about max_rows rows if they are spread evenly, at least the first bucket.
    end = int(last) + 1 if total <= max_rows else int(first) + (int(last) + 1 - int(first)) * max_rows // total + 1
    cur.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE rollup_buckets AS
        WITH buckets AS (
            SELECT series_id, unit, period, timestamp - timestamp % (period * 1000) AS bucket, count(*) AS n
            FROM ({candidates}) WHERE timestamp - timestamp % (period * 1000) < {end}
            GROUP BY series_id, unit, period, bucket
        )
        SELECT series_id, unit, period, bucket, n FROM (
            SELECT *, sum(n) OVER (ORDER BY bucket, series_id, unit ROWS UNBOUNDED PRECEDING) - n AS ahead FROM buckets
        )
        WHERE ahead < {int(max_rows)}
        """
    )
    return int(total)


def _gather_rows(cur: duckdb.DuckDBPyConnection, period: str, since: int, until: int) -> None:
    """``rollup_rows``: every row of the chosen buckets (but one already coarser than its bucket, which a pass as
    of an earlier time than a previous one would find), usable statistic sets turned into raw values. A metric
    filter's default stays marked only in a minute: a later match of that minute replaces it, and log events
    (hence matches) are accepted up to 14 days back, before minutes are merged into 5 minutes."""
    cur.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE rollup_rows AS
        SELECT p.rid, p.series_id, p.unit, b.period, b.bucket,
               CASE WHEN p.value IS NOT NULL THEN p.value
                    WHEN p.sample_count = 1 OR p.minimum = p.maximum THEN p.minimum END AS value,
               p.sample_count, p.sum, p.minimum, p.maximum, p.storage_resolution,
               p.filter_default AND b.period = 60 AS filter_default
        FROM (
            SELECT rowid AS rid, *, {period} AS period FROM metric_points
            WHERE timestamp >= {int(since)} AND timestamp < {int(until)}
        ) p
        JOIN rollup_buckets b
          ON p.series_id = b.series_id AND p.unit = b.unit AND p.period = b.period
         AND p.timestamp - p.timestamp % (p.period * 1000) = b.bucket
        WHERE p.rollup_seconds <= p.period
        """
    )


# Raw values group by value (NULL for sets, which GROUP BY keeps together); sets whose counts add up to exactly 1
# are kept apart by their row id. A merged row keeps the finest storage resolution it was put with.
_MERGE = """
    INSERT INTO metric_points
        (series_id, timestamp, value, sample_count, sum, minimum, maximum, unit, storage_resolution, filter_default,
         rollup_seconds)
    SELECT series_id, bucket, value, sum(sample_count), sum(sum), min(minimum), max(maximum), unit,
           min(storage_resolution), filter_default, period
    FROM (
        SELECT *, CASE WHEN value IS NULL AND sum(sample_count) OVER (
                           PARTITION BY series_id, unit, bucket, filter_default, value IS NULL) = 1
                       THEN rid END AS apart
        FROM rollup_rows
    )
    GROUP BY series_id, unit, bucket, period, filter_default, value, apart
"""


def _pass(cur: duckdb.DuckDBPyConnection, levels: Sequence[Level], expire_before: int, max_rows: int) -> PassResult:
    expired = _expire(cur, expire_before, max_rows)
    period = _period(levels)
    until = max(level.before for level in levels)
    try:
        total = _choose_buckets(cur, period, expire_before, until, max_rows)
        if not total:
            return PassResult(0, 0, 0, expired, expired == max_rows)
        buckets, chosen, since, end = cur.execute(
            "SELECT count(*), sum(n), min(bucket), max(bucket + period * 1000) FROM rollup_buckets"
        ).fetchone() or (0, 0, 0, 0)
        _gather_rows(cur, period, since, end)
        (read,) = cur.execute("SELECT count(*) FROM rollup_rows").fetchone() or (0,)
        cur.execute("DELETE FROM metric_points WHERE rowid IN (SELECT rid FROM rollup_rows)")
        written_row = cur.execute(_MERGE).fetchone()
        written = int(written_row[0]) if written_row else 0
    finally:
        cur.execute("DROP TABLE IF EXISTS rollup_rows")
        cur.execute("DROP TABLE IF EXISTS rollup_buckets")
    return PassResult(int(buckets), int(read), written, expired, expired == max_rows or total > chosen)


class MetricRollupsStore:
    def __init__(self, writer: Writer) -> None:
        self._writer = writer

    def run_pass(self, levels: Sequence[Level], expire_before: int, max_rows: int) -> PassResult:
        """One pass in one writer transaction: delete up to ``max_rows`` rows older than ``expire_before``, then
        merge the oldest buckets that need it, up to about ``max_rows`` rows (a bucket is never split)."""
        return self._writer.run(lambda cur: _pass(cur, levels, expire_before, max_rows))
