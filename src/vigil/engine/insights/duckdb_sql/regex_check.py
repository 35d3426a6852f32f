"""Whether DuckDB's RE2 accepts a pattern, asked of a private in-memory database before a query runs."""

from __future__ import annotations

import threading

import duckdb

from vigil.engine.insights.duckdb_sql.text import quote

_lock = threading.Lock()
_connection: duckdb.DuckDBPyConnection | None = None


def regex_error(pattern: str) -> str | None:
    """RE2's complaint about ``pattern``, or None when it compiles."""
    global _connection
    with _lock:
        if _connection is None:
            _connection = duckdb.connect(":memory:")
        try:
            _connection.execute(f"SELECT regexp_matches('', {quote(pattern)})").fetchall()
        except duckdb.Error as error:
            return str(error).split("\n")[0]
    return None
