"""Datapoints drawn from stored log events (metric filters, embedded metric format, Lambda reports).

Events are read after they are committed, in ranges of event ids: the sources' SELECTs run over the range as
``stored_events`` on a cursor of their own, beside ingest, and what they gather is stored by the writer
together with the range's end as the new watermark. A crash between an events commit and its datapoints
loses nothing: the next run starts again from the watermark, and no range is counted twice.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from vigil.store.database import Database
from vigil.store.writer import Writer

# (account_id, region, namespace, metric_name, unit, timestamp, v, dims, is_default, storage_resolution):
# ``dims`` is the series' canonical dimensions JSON (NULL: the event emits nothing); ``is_default`` marks a
# metric filter's default value for a quiet minute, which a later match of that minute replaces.
EMITTED_COLUMNS = (
    "account_id VARCHAR, region VARCHAR, namespace VARCHAR, metric_name VARCHAR, unit VARCHAR, timestamp BIGINT, "
    "v DOUBLE, dims VARCHAR, is_default BOOLEAN, storage_resolution INTEGER"
)
_NAMES = ", ".join(column.split()[0] for column in EMITTED_COLUMNS.split(", "))
_CASTS = ", ".join(
    f"CAST({column.split()[0]} AS {column.split()[1]}) AS {column.split()[0]}" for column in EMITTED_COLUMNS.split(", ")
)


class EmittedPointsStore:
    def __init__(self, database: Database, writer: Writer) -> None:
        self._db = database
        self._writer = writer
        self._cursor = database.connection.cursor()  # the gatherer's own: temp views are per connection

    def watermark(self) -> int:
        """The last event id whose datapoints are stored."""
        row = self._db.cursor().execute("SELECT last_event_id FROM emission_watermark").fetchone()
        return int(row[0]) if row else 0

    def open_range(self, first: int, last: int) -> tuple[duckdb.DuckDBPyConnection, set[int]]:
        """Make events ``first`` … ``last`` the gatherer's ``stored_events``; the cursor and their log groups."""
        cur = self._cursor
        cur.execute(
            f"CREATE OR REPLACE TEMP VIEW stored_events AS "
            f"SELECT * FROM log_events WHERE event_id BETWEEN {int(first)} AND {int(last)}"
        )
        groups = {int(row[0]) for row in cur.execute("SELECT DISTINCT group_id FROM stored_events").fetchall()}
        return cur, groups

    def gather(self, selects: Sequence[str]) -> pa.Table:
        """Every source's datapoints over the open range, in one statement (on the gatherer's cursor)."""
        return self._cursor.sql(
            f"SELECT {_CASTS} FROM (" + " UNION ALL ".join(selects) + f") AS u({_NAMES}) "
            "WHERE v IS NOT NULL AND dims IS NOT NULL"
        ).to_arrow_table()

    def store(self, points: pa.Table | None, last_event_id: int, now: int, has_defaults: bool) -> None:
        """Store ``points`` and move the watermark to ``last_event_id``, in one transaction of the writer."""

        def write(cur: duckdb.DuckDBPyConnection) -> None:
            if points is not None and points.num_rows:
                cur.register("emitted_points", points)
                try:
                    _store(cur, now, has_defaults)
                finally:
                    cur.unregister("emitted_points")
            cur.execute("UPDATE emission_watermark SET last_event_id = ?", [last_event_id])

        self._writer.run(write)


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
