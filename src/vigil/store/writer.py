"""The single writer: group commit for log events, and a serial lane for every other write.

PutLogEvents calls queue their events and wait. The writer thread takes everything queued while its
previous commit ran, inserts it as one Arrow batch in one transaction, and only then resolves each
caller's future: an acknowledged event is in a committed (fsynced) transaction. Other writes are
functions run in queue order, so they never interleave with a half-built batch: one per transaction, or,
for jobs marked shared (datapoints), all those queued together in one.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

import duckdb
import numpy as np
import pyarrow as pa

from vigil.store.database import Database
from vigil.store.event_fields import insert_events

T = TypeVar("T")
log = logging.getLogger(__name__)

MAX_EVENTS_PER_COMMIT = 200_000
MAX_SHARED_JOBS = 64
# A stream deleted while its events waited in the queue takes them with it.
_INSERT_EVENTS = insert_events("incoming_events WHERE stream_id IN (SELECT id FROM log_streams)")

_EVENT_SCHEMA = pa.schema(
    [
        ("group_id", pa.int64()),
        ("stream_id", pa.int64()),
        ("event_id", pa.int64()),
        ("timestamp", pa.int64()),
        ("ingestion_time", pa.int64()),
        ("message", pa.string()),
    ]
)


@dataclass
class EventAppend:
    """Events for one stream, already validated, in chronological order."""

    group_id: int
    stream_id: int
    timestamps: np.ndarray  # int64 epoch milliseconds
    messages: pa.StringArray
    done: Future[int] = field(default_factory=Future)  # resolves to the commit's ingestion time


@dataclass
class WriteJob:
    run: Callable[[duckdb.DuckDBPyConnection], Any]
    shared: bool = False  # may share its transaction with other shared jobs queued beside it
    done: Future[Any] = field(default_factory=Future)


_STOP = object()


class Writer:
    def __init__(self, database: Database) -> None:
        self._cursor = database.connection.cursor()
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        row = self._cursor.execute("SELECT coalesce(max(event_id), 0) FROM log_events").fetchone()
        self._next_event_id = int(row[0]) + 1 if row else 1
        self.commits = 0
        # Told the last event id of each events commit, once it is committed (metric filters read from there).
        self.on_events_committed: Callable[[int], None] | None = None
        self._thread = threading.Thread(target=self._loop, name="vigil-writer", daemon=True)
        self._thread.start()

    @property
    def last_event_id(self) -> int:
        """The id of the last event committed."""
        return self._next_event_id - 1

    def append(self, batch: EventAppend) -> int:
        """Queue events and wait until they are committed; returns their ingestion time."""
        self._queue.put(batch)
        return batch.done.result()

    def run(self, job: Callable[[duckdb.DuckDBPyConnection], T], *, shared: bool = False) -> T:
        """Run ``job`` in a transaction on the writer thread and return its result once it is committed.

        A ``shared`` job (one that can run again from the start: PutMetricData's insert) commits together with
        the shared jobs queued beside it, one fsync for all; should that transaction fail, each of them runs
        again in a transaction of its own, so one job's error is never another's.
        """
        item = WriteJob(job, shared)
        self._queue.put(item)
        return item.done.result()

    def close(self) -> None:
        """Commit everything queued so far, then stop."""
        self._queue.put(_STOP)
        self._thread.join()

    def _loop(self) -> None:
        pending: list[Any] = []
        while True:
            if not pending:
                pending.append(self._queue.get())
            appends: list[EventAppend] = []
            size = 0
            while pending and isinstance(pending[0], EventAppend) and size < MAX_EVENTS_PER_COMMIT:
                item = pending.pop(0)
                appends.append(item)
                size += len(item.timestamps)
                if not pending:
                    try:
                        pending.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
            if appends:
                self._commit_events(appends)
                continue
            shared: list[WriteJob] = []
            while pending and isinstance(pending[0], WriteJob) and pending[0].shared and len(shared) < MAX_SHARED_JOBS:
                shared.append(pending.pop(0))
                if not pending:
                    try:
                        pending.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
            if len(shared) > 1:
                self._run_shared(shared)
                continue
            item = shared[0] if shared else pending.pop(0)
            if item is _STOP:
                return
            self._run_job(item)

    def _run_shared(self, jobs: list[WriteJob]) -> None:
        cur = self._cursor
        try:
            cur.execute("BEGIN")
            results = [job.run(cur) for job in jobs]
            cur.execute("COMMIT")
        except BaseException:
            _rollback(cur)
            for job in jobs:
                self._run_job(job)
            return
        for job, result in zip(jobs, results, strict=True):
            job.done.set_result(result)

    def _run_job(self, job: WriteJob) -> None:
        cur = self._cursor
        try:
            cur.execute("BEGIN")
            result = job.run(cur)
            cur.execute("COMMIT")
        except BaseException as exc:
            _rollback(cur)
            job.done.set_exception(exc)
        else:
            job.done.set_result(result)

    def _commit_events(self, appends: list[EventAppend]) -> None:
        cur = self._cursor
        now = int(time.time() * 1000)
        counts = [len(a.timestamps) for a in appends]
        total = sum(counts)
        first_id = self._next_event_id
        registered = False
        # Everything that can fail is inside the try: an exception escaping here would end the writer
        # thread, and every later PutLogEvents would wait forever for its commit.
        try:
            batch = pa.Table.from_arrays(
                [
                    pa.array(np.repeat([a.group_id for a in appends], counts), pa.int64()),
                    pa.array(np.repeat([a.stream_id for a in appends], counts), pa.int64()),
                    pa.array(np.arange(first_id, first_id + total, dtype=np.int64)),
                    pa.array(np.concatenate([a.timestamps for a in appends])),
                    pa.array(np.full(total, now, dtype=np.int64)),
                    pa.concat_arrays([a.messages for a in appends]),
                ],
                schema=_EVENT_SCHEMA,
            )
            cur.register("incoming_events", batch)
            registered = True
            cur.execute("BEGIN")
            cur.execute(_INSERT_EVENTS)
            cur.execute(
                """
                UPDATE log_streams SET
                    first_event_time = least(coalesce(first_event_time, a.first), a.first),
                    last_event_time = greatest(coalesce(last_event_time, a.last), a.last),
                    last_ingestion_time = a.ingested,
                    stored_bytes = stored_bytes + a.bytes
                FROM (
                    SELECT stream_id, min(timestamp) AS first, max(timestamp) AS last,
                           max(ingestion_time) AS ingested, sum(strlen(message)) AS bytes
                    FROM incoming_events GROUP BY stream_id
                ) AS a
                WHERE log_streams.id = a.stream_id
                """
            )
            cur.execute("COMMIT")
        except BaseException as exc:
            log.exception("commit of %d events failed", total)
            _rollback(cur)
            for a in appends:
                a.done.set_exception(exc)
            return
        finally:
            if registered:
                cur.unregister("incoming_events")
        self._next_event_id += total
        self.commits += 1
        if self.on_events_committed is not None:
            self.on_events_committed(self._next_event_id - 1)
        # Only now, with the transaction committed (and its WAL fsynced), is any caller answered.
        for a in appends:
            a.done.set_result(now)


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):  # no transaction was open
        cur.execute("ROLLBACK")
