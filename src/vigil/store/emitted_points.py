"""Datapoints drawn from a batch of new log events (metric filters, embedded metric format, Lambda reports),
stored inside the events' own transaction: the events and what they count commit together or not at all.

Each source hands over SELECTs over ``stored_events`` (the batch's events whose stream still exists) in the
columns of ``emitted_points``; one statement gathers them all, three more store them, however many sources
and filters a batch touches.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

# (account_id, region, namespace, metric_name, unit, timestamp, v, dims, is_default, storage_resolution):
# ``dims`` is the series' canonical dimensions JSON (NULL: the event emits nothing); ``is_default`` marks a
# metric filter's default value for a quiet minute, which a later match of that minute replaces.
EMITTED_COLUMNS = (
    "account_id VARCHAR, region VARCHAR, namespace VARCHAR, metric_name VARCHAR, unit VARCHAR, timestamp BIGINT, "
    "v DOUBLE, dims VARCHAR, is_default BOOLEAN, storage_resolution INTEGER"
)


def store_emitted(cur: duckdb.DuckDBPyConnection, selects: Sequence[str], now: int, has_defaults: bool) -> None:
    """Store the datapoints ``selects`` draw from ``incoming_events`` (called inside the events' commit)."""
    cur.execute(f"CREATE OR REPLACE TEMP TABLE emitted_points ({EMITTED_COLUMNS})")
    names = ", ".join(column.split()[0] for column in EMITTED_COLUMNS.split(", "))
    try:
        cur.execute(
            # Events of a stream deleted while they waited are not stored (the insert skips them): nor counted.
            "INSERT INTO emitted_points WITH stored_events AS MATERIALIZED ("
            "SELECT * FROM incoming_events WHERE stream_id IN (SELECT id FROM log_streams)) "
            "SELECT * FROM (" + " UNION ALL ".join(selects) + f") AS u({names}) "
            "WHERE v IS NOT NULL AND dims IS NOT NULL"
        )
        _store(cur, now, has_defaults)
    finally:
        cur.execute("DROP TABLE IF EXISTS emitted_points")


def _store(cur: duckdb.DuckDBPyConnection, now: int, has_defaults: bool) -> None:
    # New series come back from the insert (existing ones conflict and do not): only they need their
    # dimensions stored. Existing ones have last_put refreshed when it is a minute old.
    created = cur.execute(
        """
        INSERT INTO metric_series (account_id, region, namespace, metric_name, dimensions, last_put)
        SELECT DISTINCT account_id, region, namespace, metric_name, dims, ? FROM emitted_points
        ON CONFLICT (account_id, region, namespace, metric_name, dimensions) DO NOTHING
        RETURNING series_id, dimensions
        """,
        [now],
    ).fetchall()
    with_dimensions = [(series_id, dims) for series_id, dims in created if dims != "{}"]
    if with_dimensions:
        cur.executemany(
            "INSERT INTO metric_dimensions SELECT ?, key, json_extract_string(value, '$') FROM json_each(?)",
            with_dimensions,
        )
    cur.execute(
        """
        UPDATE metric_series SET last_put = ?
        FROM (SELECT DISTINCT account_id, region, namespace, metric_name, dims FROM emitted_points) e
        WHERE metric_series.account_id = e.account_id AND metric_series.region = e.region
          AND metric_series.namespace = e.namespace AND metric_series.metric_name = e.metric_name
          AND metric_series.dimensions = e.dims AND metric_series.last_put < ?
        """,
        [now, now - 60_000],
    )
    if has_defaults:
        # A default stands for a quiet minute: a match in a later batch of that minute replaces it. Bounded
        # to the batch's minutes, so the delete reads only the recent part of the table (zone maps).
        cur.execute(
            """
            DELETE FROM metric_points USING (
                SELECT DISTINCT s.series_id, e.timestamp - e.timestamp % 60000 AS minute
                FROM emitted_points e JOIN metric_series s USING (account_id, region, namespace, metric_name)
                WHERE s.dimensions = e.dims AND NOT e.is_default
            ) matched
            WHERE metric_points.filter_default AND metric_points.series_id = matched.series_id
              AND metric_points.timestamp = matched.minute
              AND metric_points.timestamp BETWEEN (SELECT min(timestamp) - 60000 FROM emitted_points)
                                              AND (SELECT max(timestamp) FROM emitted_points)
            """
        )
    insert = """
        INSERT INTO metric_points
            (series_id, timestamp, value, sample_count, sum, minimum, maximum, unit, storage_resolution,
             filter_default)
        SELECT s.series_id, e.timestamp, e.v, 1, e.v, e.v, e.v, e.unit, e.storage_resolution, e.is_default
        FROM emitted_points e
        JOIN metric_series s USING (account_id, region, namespace, metric_name)
        WHERE s.dimensions = e.dims AND e.is_default = {is_default}
        """
    cur.execute(insert.format(is_default="false"))
    if has_defaults:
        # A minute that already has a datapoint of the series gets no default (a separate statement: the
        # check reads stored points, which the matches never need to).
        cur.execute(
            insert.format(is_default="true")
            + """
            AND NOT EXISTS (
                SELECT 1 FROM metric_points p
                WHERE p.series_id = s.series_id AND p.timestamp >= e.timestamp AND p.timestamp < e.timestamp + 60000
            )
            """
        )
