"""The single writer commits jobs marked shared (PutMetricData's inserts) that were queued together in one
transaction, and still keeps each job's outcome its own."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import pytest

from vigil.store.database import Database
from vigil.store.writer import Writer


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[Writer]:
    database = Database(tmp_path)
    database.connection.execute("CREATE TABLE notes (n INTEGER NOT NULL)")
    writer = Writer(database)
    yield writer
    writer.close()


def queued_together(writer: Writer, jobs: list[Any]) -> list[Future[Any]]:
    """Submit ``jobs`` as shared while the writer is held busy, so that it finds them all queued at once."""
    release = threading.Event()
    busy = threading.Thread(target=writer.run, args=(lambda cur: release.wait(10),))
    busy.start()
    pool = ThreadPoolExecutor(len(jobs))
    futures = [pool.submit(writer.run, job, shared=True) for job in jobs]
    while writer._queue.qsize() < len(jobs):  # every job is queued behind the busy one
        threading.Event().wait(0.01)
    release.set()
    busy.join()
    pool.shutdown()
    return futures


def insert(n: int) -> Any:
    def job(cur: duckdb.DuckDBPyConnection) -> int:
        cur.execute("INSERT INTO notes VALUES (?)", [n])
        return n

    return job


def stored(writer: Writer) -> list[int]:
    return [row[0] for row in writer.run(lambda cur: cur.execute("SELECT n FROM notes ORDER BY n").fetchall())]


def test_shared_jobs_queued_together_each_get_their_own_result(writer: Writer) -> None:
    futures = queued_together(writer, [insert(n) for n in range(5)])
    assert [f.result() for f in futures] == list(range(5))
    assert stored(writer) == list(range(5))


def test_shared_jobs_queued_together_share_one_transaction(writer: Writer) -> None:
    def transaction_id(cur: duckdb.DuckDBPyConnection) -> int:
        return cur.execute("SELECT txid_current()").fetchone()[0]

    futures = queued_together(writer, [transaction_id] * 4)
    assert len({f.result() for f in futures}) == 1


def test_a_failing_shared_job_fails_alone(writer: Writer) -> None:
    def broken(cur: duckdb.DuckDBPyConnection) -> None:
        cur.execute("INSERT INTO notes VALUES (NULL)")  # NOT NULL: the statement fails

    futures = queued_together(writer, [insert(1), broken, insert(2)])
    assert futures[0].result() == 1
    assert futures[2].result() == 2
    with pytest.raises(duckdb.ConstraintException):
        futures[1].result()
    assert stored(writer) == [1, 2]
