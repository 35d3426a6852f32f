"""The DuckDB database in a data directory: opening it, migrating it, and reading from any thread."""

from __future__ import annotations

import importlib.resources
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb

T = TypeVar("T")

DATABASE_FILE = "vigil.duckdb"


def _migrations() -> list[tuple[int, str]]:
    folder = importlib.resources.files("vigil.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text()))
    return sorted(found)


class ReadCursor:
    """A thread's read cursor whose results never outlive the call that fetched them.

    DuckDB keeps a query's snapshot open until its result is exhausted. A reader that took one row with
    ``fetchone`` and moved on would pin that snapshot for as long as its thread idles; once the writer
    updates a row the snapshot saw, DuckDB can no longer checkpoint, so the WAL (and the memory behind
    it) grows with every event stored and CHECKPOINT at shutdown fails.
    """

    __slots__ = ("_cursor",)

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self._cursor = cursor

    def execute(self, query: str, parameters: Any = None) -> ReadCursor:
        self._cursor.execute(query, parameters)
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        rows = self._cursor.fetchall()
        return rows[0] if rows else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class Database:
    """One DuckDB database. Reads use a cursor per thread; every write goes through the Writer."""

    def __init__(self, data_dir: Path, *, memory_limit: str = "1GB") -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / DATABASE_FILE
        self.connection = duckdb.connect(str(self.path), config={"memory_limit": memory_limit})
        self._local = threading.local()
        self._migrate()

    def _migrate(self) -> None:
        con = self.connection
        con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL, applied_at TIMESTAMP)")
        applied = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
        for version, sql in _migrations():
            if version in applied:
                continue
            con.execute("BEGIN")
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, now())", [version])
            con.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        row = self.connection.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def cursor(self) -> ReadCursor:
        """This thread's read cursor."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._local.cursor = ReadCursor(self.connection.cursor())
        return cursor

    def read(self, query: Callable[[ReadCursor], T]) -> T:
        return query(self.cursor())

    def close(self) -> None:
        self.connection.execute("CHECKPOINT")
        self.connection.close()
