"""SQL for CloudWatch Logs: groups, streams and events. Reads run on the caller's thread, writes on the
writer's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import numpy as np
import orjson
import pyarrow as pa

from vigil.store.database import Database
from vigil.store.records import LogEvent, LogGroup, LogStream
from vigil.store.writer import EventAppend, Writer

_GROUP_FIELDS = """
    g.id, g.account_id, g.region, g.name, g.creation_time, g.retention_days, g.kms_key_id,
    g.log_group_class, g.deletion_protection, g.tags"""
_GROUP_COLUMNS = f"""{_GROUP_FIELDS},
    (SELECT coalesce(sum(s.stored_bytes), 0) FROM log_streams s WHERE s.group_id = g.id) AS stored_bytes
"""
# Ingest looks its group up on every PutLogEvents call and never reports the size: skip summing it.
_GROUP_COLUMNS_UNSIZED = f"{_GROUP_FIELDS}, 0 AS stored_bytes"
_STREAM_COLUMNS = (
    "id, group_id, name, creation_time, first_event_time, last_event_time, last_ingestion_time, stored_bytes"
)
DAY_MS = 86_400_000


def _group(row: Sequence[Any]) -> LogGroup:
    return LogGroup(*row[:9], tags=orjson.loads(row[9]), stored_bytes=int(row[10]))


def _stream(row: Sequence[Any]) -> LogStream:
    return LogStream(*row)


class LogsStore:
    def __init__(self, database: Database, writer: Writer) -> None:
        self._db = database
        self._writer = writer

    # ---- log groups ------------------------------------------------------------------------------

    def find_group(self, account_id: str, region: str, name: str, *, sized: bool = True) -> LogGroup | None:
        """The group, with ``stored_bytes`` summed over its streams when ``sized`` (else 0)."""
        columns = _GROUP_COLUMNS if sized else _GROUP_COLUMNS_UNSIZED
        row = (
            self._db.cursor()
            .execute(
                f"SELECT {columns} FROM log_groups g WHERE account_id = ? AND region = ? AND name = ?",
                [account_id, region, name],
            )
            .fetchone()
        )
        return _group(row) if row else None

    def list_groups(
        self,
        account_id: str,
        region: str,
        *,
        names: Sequence[str] | None = None,
        prefix: str | None = None,
        patterns: Sequence[tuple[bool, str]] | None = None,
        group_class: str | None = None,
        after: str | None = None,
        limit: int,
    ) -> list[LogGroup]:
        """Groups ordered by name. ``patterns`` are alternatives, each (is_prefix, text), case-sensitive."""
        where = ["account_id = ?", "region = ?"]
        params: list[Any] = [account_id, region]
        if names is not None:
            where.append("list_contains(?, name)")
            params.append(list(names))
        if prefix:
            where.append("starts_with(name, ?)")
            params.append(prefix)
        if patterns:
            alternatives = []
            for is_prefix, text in patterns:
                alternatives.append("starts_with(name, ?)" if is_prefix else "contains(name, ?)")
                params.append(text)
            where.append(f"({' OR '.join(alternatives)})")
        if group_class:
            where.append("log_group_class = ?")
            params.append(group_class)
        if after is not None:
            where.append("name > ?")
            params.append(after)
        rows = (
            self._db.cursor()
            .execute(
                f"SELECT {_GROUP_COLUMNS} FROM log_groups g WHERE {' AND '.join(where)} ORDER BY name LIMIT ?",
                [*params, limit],
            )
            .fetchall()
        )
        return [_group(r) for r in rows]

    def create_group(
        self,
        account_id: str,
        region: str,
        name: str,
        *,
        now: int,
        kms_key_id: str | None,
        group_class: str,
        tags: dict[str, str],
        deletion_protection: bool,
    ) -> LogGroup | None:
        """The new group, or None when one of that name exists (checked inside the write)."""

        def create(cur: duckdb.DuckDBPyConnection) -> bool:
            exists = cur.execute(
                "SELECT 1 FROM log_groups WHERE account_id = ? AND region = ? AND name = ?",
                [account_id, region, name],
            ).fetchone()
            if exists:
                return False
            cur.execute(
                "INSERT INTO log_groups VALUES (nextval('log_group_ids'), ?, ?, ?, ?, NULL, ?, ?, ?, ?)",
                [
                    account_id,
                    region,
                    name,
                    now,
                    kms_key_id,
                    group_class,
                    deletion_protection,
                    orjson.dumps(tags).decode(),
                ],
            )
            return True

        return self.find_group(account_id, region, name) if self._writer.run(create) else None

    def delete_group(self, group_id: int) -> None:
        def delete(cur: duckdb.DuckDBPyConnection) -> None:
            cur.execute("DELETE FROM log_events WHERE group_id = ?", [group_id])
            cur.execute("DELETE FROM log_streams WHERE group_id = ?", [group_id])
            cur.execute("DELETE FROM metric_filters WHERE group_id = ?", [group_id])
            cur.execute("DELETE FROM log_groups WHERE id = ?", [group_id])

        self._writer.run(delete)

    def update_group(self, group_id: int, **changes: Any) -> None:
        """Set columns of a group: ``retention_days``, ``tags``, ``deletion_protection``, ``kms_key_id``."""
        allowed = {"retention_days", "tags", "deletion_protection", "kms_key_id"}
        assert set(changes) <= allowed, changes
        if "tags" in changes:
            changes["tags"] = orjson.dumps(changes["tags"]).decode()
        assignments = ", ".join(f"{column} = ?" for column in changes)
        self._writer.run(
            lambda cur: cur.execute(f"UPDATE log_groups SET {assignments} WHERE id = ?", [*changes.values(), group_id])
        )

    # ---- log streams -----------------------------------------------------------------------------

    def find_stream(self, group_id: int, name: str) -> LogStream | None:
        row = (
            self._db.cursor()
            .execute(f"SELECT {_STREAM_COLUMNS} FROM log_streams WHERE group_id = ? AND name = ?", [group_id, name])
            .fetchone()
        )
        return _stream(row) if row else None

    def streams_named(self, group_id: int, names: Sequence[str]) -> list[LogStream]:
        rows = (
            self._db.cursor()
            .execute(
                f"SELECT {_STREAM_COLUMNS} FROM log_streams WHERE group_id = ? AND list_contains(?, name)",
                [group_id, list(names)],
            )
            .fetchall()
        )
        return [_stream(r) for r in rows]

    def list_streams(
        self,
        group_id: int,
        *,
        prefix: str | None,
        by_last_event: bool,
        descending: bool,
        offset: int,
        limit: int,
    ) -> list[LogStream]:
        where, params = ["group_id = ?"], [group_id]
        if prefix:
            where.append("starts_with(name, ?)")
            params.append(prefix)
        direction = "DESC" if descending else "ASC"
        order = f"coalesce(last_event_time, 0) {direction}, name {direction}" if by_last_event else f"name {direction}"
        rows = (
            self._db.cursor()
            .execute(
                f"SELECT {_STREAM_COLUMNS} FROM log_streams WHERE {' AND '.join(where)} "
                f"ORDER BY {order} LIMIT ? OFFSET ?",
                [*params, limit, offset],
            )
            .fetchall()
        )
        return [_stream(r) for r in rows]

    def create_stream(self, group_id: int, name: str, *, now: int) -> LogStream | None:
        """The new stream, or None when the group has one of that name or no longer exists."""

        def create(cur: duckdb.DuckDBPyConnection) -> bool:
            if not cur.execute("SELECT 1 FROM log_groups WHERE id = ?", [group_id]).fetchone():
                return False
            if cur.execute("SELECT 1 FROM log_streams WHERE group_id = ? AND name = ?", [group_id, name]).fetchone():
                return False
            cur.execute(
                "INSERT INTO log_streams VALUES (nextval('log_stream_ids'), ?, ?, ?, NULL, NULL, NULL, 0)",
                [group_id, name, now],
            )
            return True

        return self.find_stream(group_id, name) if self._writer.run(create) else None

    def delete_stream(self, stream_id: int) -> None:
        def delete(cur: duckdb.DuckDBPyConnection) -> None:
            cur.execute("DELETE FROM log_events WHERE stream_id = ?", [stream_id])
            cur.execute("DELETE FROM log_streams WHERE id = ?", [stream_id])

        self._writer.run(delete)

    # ---- log events ------------------------------------------------------------------------------

    def append(self, group_id: int, stream_id: int, timestamps: np.ndarray, messages: pa.StringArray) -> int:
        """Store events durably; returns their ingestion time once committed."""
        return self._writer.append(EventAppend(group_id, stream_id, timestamps, messages))

    def stream_events(
        self,
        stream_id: int,
        *,
        start: int | None,
        end: int | None,
        after: tuple[int, int] | None,
        before: tuple[int, int] | None,
        newest_first: bool,
        limit: int,
    ) -> list[LogEvent]:
        """Events of one stream in [start, end), strictly between the ``after`` and ``before`` keys
        (timestamp, event id), the oldest or the newest ``limit`` of them, returned oldest first."""
        where, params = ["e.stream_id = ?"], [stream_id]
        _time_range(where, params, start, end, end_inclusive=False)
        if after is not None:
            where.append("(e.timestamp, e.event_id) > (?, ?)")
            params.extend(after)
        if before is not None:
            where.append("(e.timestamp, e.event_id) < (?, ?)")
            params.extend(before)
        direction = "DESC" if newest_first else "ASC"
        rows = (
            self._db.cursor()
            .execute(
                f"SELECT s.name, e.event_id, e.timestamp, e.ingestion_time, e.message "
                f"FROM log_events e JOIN log_streams s ON s.id = e.stream_id WHERE {' AND '.join(where)} "
                f"ORDER BY e.timestamp {direction}, e.event_id {direction} LIMIT ?",
                [*params, limit],
            )
            .fetchall()
        )
        events = [LogEvent(*r) for r in rows]
        if newest_first:
            events.reverse()
        return events

    def group_events(
        self,
        group_id: int,
        *,
        stream_ids: Sequence[int] | None,
        start: int | None,
        end: int | None,
        predicate_sql: str,
        after: tuple[int, int] | None,
        limit: int,
        json_only: bool = False,
        keyed_sql: str | None = None,
    ) -> list[LogEvent]:
        """Events of a group in [start, end] that satisfy ``predicate_sql`` (a compiled filter pattern:
        a self-contained boolean expression over the column ``message``), oldest first after ``after``.
        With ``json_only`` (a JSON pattern) the flag ingest stored skips plain-text lines before the
        predicate parses anything; ``keyed_sql``, a condition on the stored key columns that every match
        with stored fields meets, narrows those events before any message is read."""
        where, params = ["e.group_id = ?"], [group_id]
        if json_only:
            where.append("e.is_json")
        if stream_ids is not None:
            where.append("list_contains(?, e.stream_id)")
            params.append(list(stream_ids))
        _time_range(where, params, start, end, end_inclusive=True)
        where.append(f"({predicate_sql})")
        if after is not None:
            where.append("(e.timestamp, e.event_id) > (?, ?)")
            params.extend(after)
        select = (
            "SELECT s.name, e.event_id, e.timestamp, e.ingestion_time, e.message "
            f"FROM log_events e JOIN log_streams s ON s.id = e.stream_id WHERE {' AND '.join(where)}"
        )
        if keyed_sql is not None:
            # Two scans, so that DuckDB filters the key columns as it reads them: events with stored fields
            # by those columns, the rest (which may embed an object) by the predicate alone.
            select = f"{select} AND NOT e.json_fragment AND {keyed_sql} UNION ALL {select} AND e.json_fragment"
            params = [*params, *params]
        rows = self._db.cursor().execute(f"{select} ORDER BY 3, 2 LIMIT ?", [*params, limit]).fetchall()
        return [LogEvent(*r) for r in rows]

    # ---- retention -------------------------------------------------------------------------------

    def expire(self, now: int) -> int:
        """Delete events older than their group's retention; returns how many went."""

        def sweep(cur: duckdb.DuckDBPyConnection) -> int:
            row = cur.execute(
                """
                DELETE FROM log_events e USING log_groups g
                WHERE e.group_id = g.id AND g.retention_days IS NOT NULL
                  AND e.timestamp < ? - g.retention_days * CAST(? AS BIGINT)
                """,
                [now, DAY_MS],
            ).fetchone()
            deleted = int(row[0]) if row else 0
            if deleted:
                cur.execute(
                    """
                    UPDATE log_streams SET stored_bytes = coalesce(a.bytes, 0)
                    FROM (
                        SELECT s.id, sum(e.size) AS bytes
                        FROM log_streams s JOIN log_groups g ON g.id = s.group_id
                        LEFT JOIN log_events e ON e.stream_id = s.id
                        WHERE g.retention_days IS NOT NULL
                        GROUP BY s.id
                    ) AS a
                    WHERE log_streams.id = a.id
                    """
                )
            return deleted

        return self._writer.run(sweep)

    def reset(self) -> None:
        """Remove every resource and event (the test-reset endpoint)."""

        def wipe(cur: duckdb.DuckDBPyConnection) -> None:
            for table in ("log_events", "log_streams", "log_groups"):
                cur.execute(f"DELETE FROM {table}")

        self._writer.run(wipe)


def _time_range(
    where: list[str], params: list[Any], start: int | None, end: int | None, *, end_inclusive: bool
) -> None:
    if start is not None:
        where.append("e.timestamp >= ?")
        params.append(start)
    if end is not None:
        where.append("e.timestamp <= ?" if end_inclusive else "e.timestamp < ?")
        params.append(end)
