"""Datapoints drawn from stored log events (metric filters, embedded metric format, Lambda reports).

Events are read after they are committed, in ranges of event ids: the sources' SELECTs run over the range as
``stored_events`` on a cursor of their own, beside ingest, and what they gather is stored by the writer
together with the range's end as the new watermark. A crash between an events commit and its datapoints
loses nothing: the next run starts again from the watermark, and no range is counted twice.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import orjson
import pyarrow as pa

from vigil.store.database import Database
from vigil.store.metric_series import SeriesIds, SeriesKey
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


_KEY_COLUMNS = ["account_id", "region", "namespace", "metric_name", "dims"]
_KEYS = ", ".join([*_KEY_COLUMNS, "unit"])


class EmittedPointsStore:
    def __init__(self, database: Database, writer: Writer, series: SeriesIds) -> None:
        self._db = database
        self._writer = writer
        self._series = series
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
        """Every source's datapoints over the open range, in one statement (on the gatherer's cursor).

        Equal values of a series within its storage resolution (the minute, or the second for high
        resolution) become one value with their count: no statistic or percentile can tell them apart, and a
        range of busy events stores a few rows per series and minute instead of one per event."""
        return self._cursor.sql(
            f"SELECT {_KEYS}, CASE WHEN storage_resolution = 1 THEN timestamp - timestamp % 1000 "
            "ELSE timestamp - timestamp % 60000 END AS timestamp, v, is_default, storage_resolution, "
            "CAST(count(*) AS DOUBLE) AS n "
            f"FROM (SELECT {_CASTS} FROM (" + " UNION ALL ".join(selects) + f") AS u({_NAMES}) "
            "WHERE v IS NOT NULL AND dims IS NOT NULL) "
            "GROUP BY ALL"
        ).to_arrow_table()

    def store(self, points: pa.Table | None, last_event_id: int, now: int, has_defaults: bool) -> None:
        """Store ``points`` and move the watermark to ``last_event_id``, in one transaction of the writer."""
        gathered: list[SeriesKey] = []  # as the SQL spelled them: what emitted_points joins on
        if points is not None and points.num_rows:
            distinct = points.group_by(_KEY_COLUMNS).aggregate([]).to_pydict()
            gathered = list(zip(*(distinct[column] for column in _KEY_COLUMNS), strict=True))
        # The series' identity is the dimensions as PutMetricData writes them (orjson): DuckDB's JSON escapes
        # control characters in capitals (\u000B), which would make a second series of the same name and value.
        keys = [(*key[:4], _canonical(key[4])) for key in gathered]
        plan = self._series.plan(keys, now)

        def write(cur: duckdb.DuckDBPyConnection) -> dict[SeriesKey, int]:
            ids = self._series.resolve(cur, plan)
            if keys:
                series = pa.table(
                    {
                        **{column: [key[i] for key in gathered] for i, column in enumerate(_KEY_COLUMNS)},
                        "series_id": pa.array([ids[key] for key in keys], pa.int64()),
                    }
                )
                cur.register("emitted_points", points)
                cur.register("emitted_series", series)
                try:
                    _store(cur, has_defaults)
                finally:
                    cur.unregister("emitted_points")
                    cur.unregister("emitted_series")
            cur.execute("UPDATE emission_watermark SET last_event_id = ?", [last_event_id])
            return ids

        self._series.remember(plan, self._writer.run(write))


def _canonical(dimensions: str) -> str:
    return orjson.dumps(dict(sorted(orjson.loads(dimensions).items()))).decode()


def _store(cur: duckdb.DuckDBPyConnection, has_defaults: bool) -> None:
    # Each point's series id, from the few series of the range.
    points = "emitted_points e JOIN emitted_series s USING (account_id, region, namespace, metric_name, dims)"
    if has_defaults:
        # A default stands for a quiet minute: a match in a later range of that minute replaces it. Bounded
        # to the range's minutes, so the delete reads only the recent part of the table (zone maps).
        cur.execute(
            f"""
            DELETE FROM metric_points USING (
                SELECT DISTINCT s.series_id, e.timestamp - e.timestamp % 60000 AS minute
                FROM {points} WHERE NOT e.is_default
            ) matched
            WHERE metric_points.filter_default AND metric_points.series_id = matched.series_id
              AND metric_points.timestamp = matched.minute
              AND metric_points.timestamp BETWEEN (SELECT min(timestamp) - 60000 FROM emitted_points)
                                              AND (SELECT max(timestamp) FROM emitted_points)
            """
        )
    insert = f"""
        INSERT INTO metric_points
            (series_id, timestamp, value, sample_count, sum, minimum, maximum, unit, storage_resolution,
             filter_default)
        SELECT s.series_id, e.timestamp, e.v, e.n, e.v * e.n, e.v, e.v, e.unit, e.storage_resolution, e.is_default
        FROM {points}
        WHERE e.is_default = {{is_default}}
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
