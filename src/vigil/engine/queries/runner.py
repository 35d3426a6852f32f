"""Insights queries in the background: a bounded pool of workers, a time budget, cancellation, and a
registry of recent queries for GetQueryResults and DescribeQueries.

Each query runs on its own DuckDB cursor. StopQuery and the time budget end a query by interrupting
that cursor from the watchdog thread; the watchdog keeps interrupting until the worker lets go of the
cursor, because an interrupt that lands between two statements of a query is forgotten by DuckDB.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import duckdb

from vigil.engine.clock import now_ms
from vigil.engine.logs.scope import Scope
from vigil.errors import ServiceError, not_found
from vigil.store.database import Database

log = logging.getLogger(__name__)

SCHEDULED = "Scheduled"
RUNNING = "Running"
COMPLETE = "Complete"
FAILED = "Failed"
CANCELLED = "Cancelled"
TIMEOUT = "Timeout"
FINISHED = frozenset({COMPLETE, FAILED, CANCELLED, TIMEOUT})

KEEP_FINISHED = 1000  # finished queries remembered, newest first
KEEP_FINISHED_MS = 24 * 3600 * 1000
KEEP_ROWS = 2_000_000  # result rows of finished queries, all told
MAX_WAITING = 100  # Scheduled queries beyond the running ones before StartQuery refuses more
_INTERRUPT_EVERY_S = 0.05

QUERY_NOT_FOUND = "The specified query does not exist."


class Rows(Protocol):
    """What a finished query found (the Insights engine's QueryResults): rows of (field, value) pairs and
    the scan statistics."""

    rows: list[list[tuple[str, str]]]
    records_matched: float
    records_scanned: float
    bytes_scanned: float


Publish = Callable[[Rows], None]
# A query's work: it runs on the cursor and may publish what it found so far, which GetQueryResults shows
# while it runs and which a query that times out keeps.
Work = Callable[[duckdb.DuckDBPyConnection, Publish], Rows]


@dataclass(eq=False)
class QueryRun:
    """One query, from StartQuery until it is forgotten. Mutable fields change under the runner's lock."""

    id: str
    scope: Scope
    query_string: str
    language: str
    group_names: Sequence[str]
    work: Work
    create_time: int
    sequence: int
    status: str = SCHEDULED
    started: float | None = None  # monotonic seconds, once Running
    end_time: int | None = None  # epoch ms, once finished
    result: Rows | None = None
    stop_reason: str | None = None
    deadline: float = 0.0
    cursor: duckdb.DuckDBPyConnection | None = field(default=None, repr=False)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def duration_ms(self) -> int | None:
        return None if self.end_time is None else self.end_time - self.create_time


class QueryRunner:
    def __init__(self, database: Database, *, max_concurrent: int, timeout_s: float) -> None:
        self._database = database
        self._max_concurrent = max_concurrent
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._runs: dict[str, QueryRun] = {}  # in creation order
        self._running: set[QueryRun] = set()
        self._queue: queue.SimpleQueue[QueryRun | None] = queue.SimpleQueue()
        self._sequence = itertools.count(1)
        self._threads: list[threading.Thread] = []
        self._closed = False

    def start(self) -> None:
        for number in range(self._max_concurrent):
            self._spawn(self._work_loop, f"vigil-query-{number + 1}")
        self._spawn(self._watch_loop, "vigil-query-watchdog")

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # ---- requests --------------------------------------------------------------------------------

    def submit(self, scope: Scope, query_string: str, language: str, group_names: Sequence[str], work: Work) -> str:
        with self._lock:
            self._forget_old()
            waiting = sum(1 for run in self._runs.values() if run.status == SCHEDULED)
            if waiting >= MAX_WAITING:
                raise ServiceError(
                    "LimitExceededException",
                    f"Account maximum query concurrency limit of [{self._max_concurrent + MAX_WAITING}] reached.",
                )
            run = QueryRun(
                id=str(uuid.uuid4()),
                scope=scope,
                query_string=query_string,
                language=language,
                group_names=list(group_names),
                work=work,
                create_time=now_ms(),
                sequence=next(self._sequence),
            )
            self._runs[run.id] = run
        self._queue.put(run)
        return run.id

    def get(self, scope: Scope, query_id: str) -> QueryRun:
        with self._lock:
            run = self._runs.get(query_id)
        if run is None or run.scope != scope:
            raise not_found(QUERY_NOT_FOUND)
        return run

    def stop(self, scope: Scope, query_id: str) -> None:
        run = self.get(scope, query_id)
        with self._lock:
            if run.finished:
                raise ServiceError("InvalidParameterException", f"Query {query_id} is not running.")
            self._cancel(run)
            self._wake.notify_all()

    def listing(self, scope: Scope) -> list[QueryRun]:
        """The scope's queries, newest first."""
        with self._lock:
            self._forget_old()
            runs = [run for run in self._runs.values() if run.scope == scope]
        runs.reverse()
        return runs

    def reset(self) -> None:
        """Stop every query and forget them all."""
        with self._lock:
            self._stop_all()
            self._runs.clear()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._stop_all()
        for _ in range(self._max_concurrent):
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=10)

    # ---- workers ---------------------------------------------------------------------------------

    def _work_loop(self) -> None:
        while (run := self._queue.get()) is not None:
            with self._lock:
                if run.status != SCHEDULED:  # cancelled while it waited
                    continue
                cursor = self._database.connection.cursor()
                run.status = RUNNING
                run.started = time.monotonic()
                run.deadline = run.started + self._timeout_s
                run.cursor = cursor
                self._running.add(run)
                self._wake.notify_all()
            self._execute(run, cursor)

    def _execute(self, run: QueryRun, cursor: duckdb.DuckDBPyConnection) -> None:
        result: Rows | None = None
        outcome = FAILED

        def publish(partial: Rows) -> None:
            with self._lock:
                if not run.finished:
                    run.result = partial

        try:
            result = run.work(cursor, publish)
            outcome = COMPLETE
        except duckdb.InterruptException:
            result = run.result  # what it published before the budget ran out (the stop reason says why)
        except ServiceError as error:
            log.info("query %s failed: %s", run.id, error.message)
        except Exception:
            # A query must never take the server down; it fails alone and the log says why.
            log.exception("query %s failed", run.id)
        finally:
            with self._lock:
                run.cursor = None
                self._running.discard(run)
                # A cancelled query finished when StopQuery said so; one that beat its deadline completed.
                if run.stop_reason == TIMEOUT and outcome != COMPLETE:
                    outcome = TIMEOUT
                if not run.finished:
                    self._finish(run, outcome, result)
            cursor.close()

    def _finish(self, run: QueryRun, status: str, result: Rows | None) -> None:
        # Status last: readers take the status first and, once it says finished, the result is there.
        run.result = result
        run.end_time = now_ms()
        run.status = status

    def _watch_loop(self) -> None:
        with self._lock:
            while not (self._closed and not self._running):
                now = time.monotonic()
                waits = []
                for run in self._running:
                    if run.stop_reason is None and now >= run.deadline:
                        run.stop_reason = TIMEOUT
                    if run.stop_reason is None:
                        waits.append(run.deadline - now)
                    elif run.cursor is not None:
                        run.cursor.interrupt()
                        waits.append(_INTERRUPT_EVERY_S)
                self._wake.wait(min(waits, default=None))

    def _cancel(self, run: QueryRun) -> None:
        """Cancelled at once; the watchdog interrupts a running query's cursor until its worker lets go."""
        if run.status == RUNNING:
            run.stop_reason = CANCELLED
        self._finish(run, CANCELLED, None)

    def _stop_all(self) -> None:
        for run in self._runs.values():
            if not run.finished:
                self._cancel(run)
        self._wake.notify_all()

    def _forget_old(self) -> None:
        """Finished queries are kept for a day, only the newest KEEP_FINISHED of them, and only as many as
        hold KEEP_ROWS result rows between them (results live in memory)."""
        cutoff = now_ms() - KEEP_FINISHED_MS
        finished = [run for run in self._runs.values() if run.finished]
        extra = len(finished) - KEEP_FINISHED
        rows = sum(len(run.result.rows) for run in finished if run.result is not None)
        for run in finished:  # oldest first
            if extra <= 0 and rows <= KEEP_ROWS and (run.end_time or 0) >= cutoff:
                continue
            del self._runs[run.id]
            extra -= 1
            rows -= len(run.result.rows) if run.result is not None else 0
