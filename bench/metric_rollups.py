"""Metric rollups over 10 million stored datapoints: how long one pass holds the writer.

PutMetricData refuses data older than two weeks, so the datapoints are built directly in DuckDB (a database made by
Vigil's own migrations), then rolled up through the real store and engine. Two stores:

- catch-up: ``--points`` raw values (``--series`` series, one value every 10 s out of 5 values) all more than
  3 hours old, so every one is due for the minute rollup: the first pass, then passes until nothing is left;
- steady: ``--points`` rows already merged into minutes, plus one minute of fresh raw values per series (one a
  second) that has just aged past 3 hours, as the background job finds every minute; then a pass with nothing to do.

Prints one JSON line (seconds).

    .venv/bin/python bench/metric_rollups.py
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from vigil.engine.clock import now_ms
from vigil.engine.metrics.rollups import MAX_ROWS_PER_PASS, MetricRollups, levels
from vigil.store.database import Database
from vigil.store.metric_rollups import MetricRollupsStore
from vigil.store.writer import Writer

MINUTE = 60_000
HOUR = 3_600_000


def build(directory: Path, series: int, memory_limit: str) -> Database:
    database = Database(directory, memory_limit=memory_limit)
    database.connection.execute(
        "INSERT INTO metric_series (account_id, region, namespace, metric_name, dimensions, last_put) "
        "SELECT '000000000000', 'us-east-1', 'Bench', 'Latency', '{\"Shard\":\"' || range || '\"}', 0 "
        f"FROM range({series})"
    )
    return database


def insert_raw(database: Database, points: int, series: int, end: int, step_ms: int) -> None:
    """``points`` raw values, round robin over the series, one every ``step_ms`` per series, the last before ``end``."""
    per_series = points // series
    first = end - per_series * step_ms
    database.connection.execute(
        f"""
        INSERT INTO metric_points (series_id, timestamp, value, sample_count, sum, minimum, maximum, unit,
                                   storage_resolution)
        SELECT range % {series} + 1, {first} + range // {series} * {step_ms}, v, 1, v, v, v, 'Milliseconds', 60
        FROM (SELECT range, (range // {series} % 5)::DOUBLE AS v FROM range({per_series * series}))
        """
    )


def insert_merged(database: Database, points: int, series: int, end: int) -> None:
    """``points`` rows as a minute rollup leaves them: at minute starts, each minute of a series holding 3 values."""
    minutes = points // series // 3
    first = end - minutes * MINUTE
    database.connection.execute(
        f"""
        INSERT INTO metric_points (series_id, timestamp, value, sample_count, sum, minimum, maximum, unit,
                                   storage_resolution, rollup_seconds)
        SELECT s + 1, {first} + m * {MINUTE}, v, 2, 2 * v, v, v, 'Milliseconds', 60, 60
        FROM range({series}) a(s), range({minutes}) b(m), (VALUES (1.0), (2.0), (3.0)) c(v)
        """
    )


def timed_pass(rollups: MetricRollups, now: int) -> tuple[float, int, bool]:
    began = time.perf_counter()
    result = rollups.store.run_pass(levels(now), 0, rollups.max_rows)
    return time.perf_counter() - began, result.read, result.more


def stored(database: Database) -> int:
    row = database.connection.execute("SELECT count(*) FROM metric_points").fetchone()
    return int(row[0]) if row else 0


def catch_up(folder: Path, args: argparse.Namespace, now: int, due: int) -> dict[str, object]:
    database = build(folder, args.series, args.memory_limit)
    insert_raw(database, args.points, args.series, due, 10_000)
    writer = Writer(database)
    rollups = MetricRollups(MetricRollupsStore(writer), interval_seconds=60, max_rows=args.max_rows)
    durations: list[float] = []
    read_first, more = 0, True
    while more:
        seconds, read, more = timed_pass(rollups, now)
        read_first = read_first or read
        durations.append(seconds)
    report = {
        "catch_up_first_pass_s": round(durations[0], 3),
        "catch_up_first_pass_rows": read_first,
        "catch_up_median_pass_s": round(statistics.median(durations), 3),
        "catch_up_slowest_pass_s": round(max(durations), 3),
        "catch_up_passes": len(durations),
        "catch_up_total_s": round(sum(durations), 3),
        "rows_after_catch_up": stored(database),
    }
    writer.close()
    database.close()
    return report


def steady(folder: Path, args: argparse.Namespace, now: int, due: int) -> dict[str, object]:
    database = build(folder, args.series, args.memory_limit)
    insert_merged(database, args.points, args.series, due)
    insert_raw(database, 60 * args.series, args.series, due + MINUTE, 1_000)
    rows = stored(database)
    writer = Writer(database)
    rollups = MetricRollups(MetricRollupsStore(writer), interval_seconds=60, max_rows=args.max_rows)
    seconds, read, _ = timed_pass(rollups, now)
    idle, _, _ = timed_pass(rollups, now)
    writer.close()
    database.close()
    return {
        "steady_rows_stored": rows,
        "steady_pass_s": round(seconds, 3),
        "steady_pass_rows": read,
        "idle_pass_s": round(idle, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--series", type=int, default=1_000)
    parser.add_argument("--max-rows", type=int, default=MAX_ROWS_PER_PASS)
    parser.add_argument("--memory-limit", default="1GB")
    args = parser.parse_args()
    now = now_ms()
    # The minute boundary the minute rollup cuts at (now - 3 h rounded down), less a minute: data before it is due.
    due = now - 3 * HOUR - (now - 3 * HOUR) % MINUTE - MINUTE
    report: dict[str, object] = {"points": args.points, "series": args.series, "max_rows_per_pass": args.max_rows}
    with tempfile.TemporaryDirectory() as folder:
        report.update(catch_up(Path(folder), args, now, due))
    with tempfile.TemporaryDirectory() as folder:
        report.update(steady(Path(folder), args, now, due))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
