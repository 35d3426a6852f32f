"""SQL for Logs Insights around the query language: saved query definitions, and the events GetLogRecord
and GetLogGroupFields read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import orjson

from vigil.store.database import Database
from vigil.store.writer import Writer

_DEFINITION_COLUMNS = "id, name, query_string, query_language, log_group_names, parameters, last_modified, client_token"


@dataclass(frozen=True)
class QueryDefinition:
    id: str
    name: str
    query_string: str
    query_language: str
    log_group_names: list[str] = field(default_factory=list)
    parameters: list[dict[str, str]] = field(default_factory=list)
    last_modified: int = 0


@dataclass(frozen=True)
class StoredEvent:
    """One event with what GetLogRecord reports beside its message."""

    group_name: str
    account_id: str
    stream_name: str
    timestamp: int
    ingestion_time: int
    message: str


def _definition(row: Sequence[Any]) -> QueryDefinition:
    return QueryDefinition(row[0], row[1], row[2], row[3], orjson.loads(row[4]), orjson.loads(row[5]), row[6])


class QueriesStore:
    def __init__(self, database: Database, writer: Writer) -> None:
        self._db = database
        self._writer = writer

    # ---- query definitions -----------------------------------------------------------------------

    def list_definitions(
        self,
        account_id: str,
        region: str,
        *,
        prefix: str | None,
        language: str | None,
        after: tuple[str, str] | None,
        limit: int,
    ) -> list[QueryDefinition]:
        """Definitions ordered by name, then id, after the (name, id) key ``after``."""
        where, params = ["account_id = ?", "region = ?"], [account_id, region]
        if prefix:
            where.append("starts_with(name, ?)")
            params.append(prefix)
        if language:
            where.append("query_language = ?")
            params.append(language)
        if after is not None:
            where.append("(name, id) > (?, ?)")
            params.extend(after)
        rows = (
            self._db.cursor()
            .execute(
                f"SELECT {_DEFINITION_COLUMNS} FROM query_definitions WHERE {' AND '.join(where)} "
                "ORDER BY name, id LIMIT ?",
                [*params, limit],
            )
            .fetchall()
        )
        return [_definition(r) for r in rows]

    def put_definition(
        self,
        account_id: str,
        region: str,
        definition: QueryDefinition,
        *,
        create: bool,
        client_token: str | None,
        max_count: int,
    ) -> str | None:
        """Create or replace a definition inside one write; returns its id. Returns None when an update
        names no definition, and raises OverflowError when a create would pass ``max_count``. A create that
        repeats an earlier create's client token returns that definition's id instead."""
        d = definition
        values = [
            d.name,
            d.query_string,
            d.query_language,
            orjson.dumps(d.log_group_names).decode(),
            orjson.dumps(d.parameters).decode(),
            d.last_modified,
        ]

        def put(cur: duckdb.DuckDBPyConnection) -> str | None:
            scope = [account_id, region]
            if not create:
                found = cur.execute(
                    "SELECT 1 FROM query_definitions WHERE account_id = ? AND region = ? AND id = ?", [*scope, d.id]
                ).fetchone()
                if not found:
                    return None
                cur.execute(
                    "UPDATE query_definitions SET name = ?, query_string = ?, query_language = ?, "
                    "log_group_names = ?, parameters = ?, last_modified = ? "
                    "WHERE account_id = ? AND region = ? AND id = ?",
                    [*values, *scope, d.id],
                )
                return d.id
            if client_token:
                earlier = cur.execute(
                    "SELECT id FROM query_definitions WHERE account_id = ? AND region = ? AND client_token = ?",
                    [*scope, client_token],
                ).fetchone()
                if earlier:
                    return str(earlier[0])
            count = cur.execute(
                "SELECT count(*) FROM query_definitions WHERE account_id = ? AND region = ?", scope
            ).fetchone()
            if count and count[0] >= max_count:
                raise OverflowError(max_count)
            cur.execute(
                f"INSERT INTO query_definitions (id, account_id, region, name, query_string, query_language, "
                f"log_group_names, parameters, last_modified, client_token) VALUES ({', '.join(['?'] * 10)})",
                [d.id, *scope, *values, client_token],
            )
            return d.id

        return self._writer.run(put)

    def delete_definition(self, account_id: str, region: str, definition_id: str) -> bool:
        def delete(cur: duckdb.DuckDBPyConnection) -> bool:
            row = cur.execute(
                "DELETE FROM query_definitions WHERE account_id = ? AND region = ? AND id = ?",
                [account_id, region, definition_id],
            ).fetchone()
            return bool(row and row[0])

        return self._writer.run(delete)

    def reset(self) -> None:
        self._writer.run(lambda cur: cur.execute("DELETE FROM query_definitions"))

    # ---- events ----------------------------------------------------------------------------------

    def find_event(
        self, account_id: str, region: str, group_id: int, stream_id: int, timestamp: int, event_id: int, *, now: int
    ) -> StoredEvent | None:
        """The event a record pointer names, if it is still stored, within its group's retention, and in
        the caller's account and region."""
        row = (
            self._db.cursor()
            .execute(
                """
                SELECT g.name, g.account_id, s.name, e.timestamp, e.ingestion_time, e.message
                FROM log_events e
                JOIN log_streams s ON s.id = e.stream_id
                JOIN log_groups g ON g.id = e.group_id
                WHERE e.group_id = ? AND e.stream_id = ? AND e.timestamp = ? AND e.event_id = ?
                  AND g.account_id = ? AND g.region = ?
                  AND (g.retention_days IS NULL OR e.timestamp >= ? - g.retention_days * CAST(86400000 AS BIGINT))
                """,
                [group_id, stream_id, timestamp, event_id, account_id, region, now],
            )
            .fetchone()
        )
        return StoredEvent(*row) if row else None

    def newest_messages(
        self, group_id: int, start: int, end: int, *, retention_start: int | None, limit: int
    ) -> list[str]:
        """The messages of a group's newest ``limit`` events with timestamps in [start, end]."""
        if retention_start is not None:
            start = max(start, retention_start)
        rows = (
            self._db.cursor()
            .execute(
                "SELECT message FROM log_events WHERE group_id = ? AND timestamp BETWEEN ? AND ? "
                "ORDER BY timestamp DESC, event_id DESC LIMIT ?",
                [group_id, start, end, limit],
            )
            .fetchall()
        )
        return [r[0] for r in rows]
