"""A database table of error records, through SQLAlchemy: the seed's ``add_db_handler(db)``.

Writing to a database is slow and the database may be down, so the caller only queues the record's event; a
background thread inserts whole batches, one statement and one transaction each. The table is created by that
thread before its first insert, so that a handler added while the database is unreachable neither blocks the
application's start nor fails it. A batch that cannot be written after a few retries is dropped, counted, and
reported on standard error: never raised into the application, never lost without a word.

SQLAlchemy is an optional extra (``vigil[db]``): this is the only module of the SDK that imports it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

try:
    import sqlalchemy as sa
except ImportError as missing:
    raise ImportError("the database destination needs SQLAlchemy: pip install 'vigil[db]'") from missing

from vigil.sdk.background import BackgroundQueue
from vigil.sdk.pipeline import Pipeline, current_pipeline
from vigil.sdk.processors import Event
from vigil.sdk.rendering import render_json

# The longest value a short text column takes: longer ones are cut rather than failing the batch's insert.
_SHORT = 255

# Event fields with a column of their own; every other field goes into ``context``.
_COLUMN_FIELDS = frozenset(
    {
        "timestamp",
        "level",
        "logger",
        "message",
        "module",
        "function",
        "line",
        "process_id",
        "thread_id",
        "environment",
        "app",
        "request_id",
        "exception",
    }
)


def error_log_table(name: str, metadata: sa.MetaData) -> sa.Table:
    """The table's shape: one column per well-known event field, the rest as JSON text."""
    return sa.Table(
        name,
        metadata,
        # SQLite numbers rows by itself only for a column declared exactly INTEGER PRIMARY KEY.
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("level", sa.String(_SHORT), nullable=False),
        sa.Column("logger", sa.String(_SHORT)),
        sa.Column("message", sa.Text),
        sa.Column("module", sa.String(_SHORT)),
        sa.Column("function", sa.String(_SHORT)),
        sa.Column("line", sa.Integer),
        sa.Column("process_id", sa.BigInteger),
        sa.Column("thread_id", sa.BigInteger),
        sa.Column("environment", sa.String(_SHORT)),
        sa.Column("app", sa.String(_SHORT)),
        sa.Column("request_id", sa.String(_SHORT), index=True),
        sa.Column("exception_type", sa.String(_SHORT)),
        sa.Column("exception", sa.Text),
        sa.Column("context", sa.Text),
    )


class HasEngine(Protocol):
    """Flask-SQLAlchemy's ``db``, or anything else that holds the engine to write with."""

    @property
    def engine(self) -> sa.Engine: ...


DatabaseTarget = str | sa.URL | sa.Engine | HasEngine


@dataclass(frozen=True)
class DatabaseCounters:
    written: int
    dropped: int


class DatabaseDestination(logging.Handler):
    """Stores records at ``level`` and above (ERROR by default) in ``table``.

    ``url_or_engine``: a SQLAlchemy URL, an ``Engine``, or an object with an ``engine`` attribute (Flask-SQLAlchemy's
    ``db``, whose ``engine`` needs an application context when the handler is made). An engine made here from a URL
    is the handler's own: it is disposed of on ``close`` and renewed in a forked child.
    """

    # Waits before the second, third and fourth attempt at a batch: long enough to ride out a database restart.
    retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0)

    def __init__(
        self,
        url_or_engine: DatabaseTarget = "sqlite:///logs/errors.db",
        *,
        table: str = "error_logs",
        level: int | str = logging.ERROR,
        max_queue_size: int = 10_000,
        batch_size: int = 100,
        flush_interval: float = 1.0,
        pipeline: Pipeline | None = None,
    ) -> None:
        super().__init__(level)
        self.engine, self._owns_engine = _engine_of(url_or_engine)
        self.table = error_log_table(table, sa.MetaData())
        self.pipeline = pipeline
        self.queue: BackgroundQueue[tuple[float, Event]] = BackgroundQueue(
            f"database-{table}", self._deliver, max_items=max_queue_size, max_batch=batch_size, interval=flush_interval
        )
        self._table_ready = False
        self._written = 0
        self._dropped = 0
        self._count_lock = threading.Lock()
        self._refusing = False  # between the first refused record and the next accepted one
        if self._owns_engine:
            _renew_pool_after_fork(self.engine)

    @property
    def counters(self) -> DatabaseCounters:
        """Records written, and records dropped (not written after retries, or refused by a full queue)."""
        return DatabaseCounters(written=self._written, dropped=self._dropped + self.queue.counters.dropped)

    # -- the caller's side -------------------------------------------------------------------------------------

    def emit(self, record: logging.LogRecord) -> None:
        try:
            event = (self.pipeline or current_pipeline()).event(record)
            if self.queue.put((record.created, event)):
                self._refusing = False
            elif not self._refusing:
                self._refusing = True
                why = "the handler is closed" if self.queue.closing.is_set() else "its queue is full"
                self._report(f"is dropping records: {why} ({self.queue.max_items} records at most wait to be written)")
        except Exception:  # the stdlib contract: report it, never raise into the application
            self.handleError(record)

    def flush(self, timeout: float | None = None) -> bool:
        """Write everything queued so far; ``True`` if that ended (written or dropped) within ``timeout`` seconds."""
        if self.queue.closing.is_set():
            return self.queue.qsize() == 0  # closed: what is left was counted as dropped by close
        return self.queue.flush(timeout)

    def close(self, timeout: float | None = None) -> None:
        """Flush within ``timeout`` seconds (the queue's exit deadline by default, 5 s), then count whatever is still
        queued as dropped: a batch being retried is given up on at once."""
        try:
            if not self.queue.close(timeout):
                left = self.queue.pending()
                if left:
                    self._drop(len(left), "they were still queued when the handler closed")
            if self._owns_engine:
                self.engine.dispose()
        finally:
            super().close()

    # -- the background thread ---------------------------------------------------------------------------------

    def _deliver(self, batch: list[tuple[float, Event]]) -> None:
        try:
            rows = [_row(created, event) for created, event in batch]
        except Exception as failure:
            self._drop(len(batch), f"they could not be made into rows: {_describe(failure)}")
            return
        error: Exception | None = None
        attempts = 0
        for delay in (0.0, *self.retry_delays):
            if delay and self.queue.closing.wait(delay):
                break  # closing: the application is exiting and must not wait for the database
            attempts += 1
            try:
                self._insert(rows)
            except Exception as failure:
                error = failure
            else:
                with self._count_lock:
                    self._written += len(rows)
                return
        self._drop(len(rows), f"{_counted(attempts, 'attempt')} to write them failed, the last with {_describe(error)}")

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        if not self._table_ready:
            self._create_table()
        with self.engine.begin() as connection:
            connection.execute(self.table.insert(), rows)

    def _create_table(self) -> None:
        url = self.engine.url
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)  # as the seed's ``logs/`` folder
        self.table.metadata.create_all(self.engine, checkfirst=True)
        self._table_ready = True

    def _drop(self, count: int, why: str) -> None:
        with self._count_lock:
            self._dropped += count
        self._report(f"dropped {_counted(count, 'record')}: {why}")

    def _report(self, what: str) -> None:
        where = f"{self.engine.url.render_as_string(hide_password=True)}, table {self.table.name}"
        with contextlib.suppress(Exception):  # no standard error left to tell: the counters still have it
            sys.stderr.write(f"vigil: the database destination ({where}) {what}\n")


def add_db_handler(
    db_or_url_or_engine: DatabaseTarget,
    *,
    logger: logging.Logger | None = None,
    level: int | str = logging.ERROR,
    table: str = "error_logs",
) -> DatabaseDestination:
    """Store the errors of ``logger`` (every logger's, through the root logger, by default) in ``table``."""
    destination = DatabaseDestination(db_or_url_or_engine, table=table, level=level)
    (logger or logging.getLogger()).addHandler(destination)
    return destination


def _engine_of(target: DatabaseTarget) -> tuple[sa.Engine, bool]:
    """The engine to write with, and whether it was made here."""
    if isinstance(target, str | sa.URL):
        return sa.create_engine(target), True
    if isinstance(target, sa.Engine):
        return target, False
    engine = getattr(target, "engine", None)
    if isinstance(engine, sa.Engine):
        return engine, False
    raise TypeError(
        f"expected a SQLAlchemy URL, an Engine or an object with an .engine attribute, got {type(target).__name__}"
    )


def _renew_pool_after_fork(engine: sa.Engine) -> None:
    """A forked child must not talk over its parent's pooled connections: it gets a pool of its own."""
    reference = weakref.ref(engine)

    def renew() -> None:
        alive = reference()
        if alive is not None:
            alive.dispose(close=False)

    os.register_at_fork(after_in_child=renew)


def _row(created: float, event: Event) -> dict[str, Any]:
    exception = event.get("exception")
    return {
        "timestamp": datetime.fromtimestamp(created, UTC),
        "level": _short(event.get("level")) or "",
        "logger": _short(event.get("logger")),
        "message": _text(event.get("message")),
        "module": _short(event.get("module")),
        "function": _short(event.get("function")),
        "line": _whole(event.get("line")),
        "process_id": _whole(event.get("process_id")),
        "thread_id": _whole(event.get("thread_id")),
        "environment": _short(event.get("environment")),
        "app": _short(event.get("app")),
        "request_id": _short(event.get("request_id")),
        "exception_type": _short(exception.get("type")) if isinstance(exception, Mapping) else None,
        "exception": None if exception is None else render_json(exception).decode(),
        "context": render_json({key: value for key, value in event.items() if key not in _COLUMN_FIELDS}).decode(),
    }


def _text(value: Any) -> str | None:
    # PostgreSQL refuses NUL characters in text; one would fail the whole batch.
    return None if value is None else str(value).replace("\x00", "\ufffd")


def _short(value: Any) -> str | None:
    text = _text(value)
    return None if text is None else text[:_SHORT]


def _whole(value: Any) -> int | None:
    return value if type(value) is int and -(2**63) <= value < 2**63 else None


def _counted(count: int, thing: str) -> str:
    return f"{count} {thing}{'' if count == 1 else 's'}"


def _describe(error: Exception | None) -> str:
    """The first line of the driver's own error: SQLAlchemy's adds the statement and every row's parameters."""
    cause: BaseException | None = error
    if isinstance(error, sa.exc.StatementError) and error.orig is not None:
        cause = error.orig
    text = str(cause).strip()
    return f"{type(cause).__name__}: {text.splitlines()[0][:300] if text else '(no message)'}"
