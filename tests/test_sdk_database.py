"""The database destination: error records in a table through SQLAlchemy, on SQLite and on a real PostgreSQL.

PostgreSQL is the one at ``VIGIL_TEST_POSTGRES_URL`` (by default the local server, user ``postgres``, trust
authentication, database ``test``); each test writes to a table of its own and drops it afterwards.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from logging.handlers import BufferingHandler
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import vigil
from vigil.sdk.context import request_context
from vigil.sdk.destinations.database import DatabaseCounters, DatabaseDestination, add_db_handler
from vigil.sdk.pipeline import current_pipeline, set_current_pipeline, standard_pipeline
from vigil.sdk.redaction import MASK, Redactor

POSTGRES_URL = os.environ.get("VIGIL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

_names = itertools.count()


@pytest.fixture(autouse=True)
def pipeline() -> Iterator[None]:
    previous = current_pipeline()
    set_current_pipeline(standard_pipeline(app_name="shop", environment="test", redactor=Redactor()))
    yield
    set_current_pipeline(previous)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    shown = sa.make_url(POSTGRES_URL).render_as_string(hide_password=True)
    try:
        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 5})
        with engine.connect():
            pass
        engine.dispose()
    except (sa.exc.SQLAlchemyError, ImportError) as error:
        pytest.skip(
            f"PostgreSQL is not reachable at {shown} (set VIGIL_TEST_POSTGRES_URL to a server's SQLAlchemy URL): "
            f"{str(getattr(error, 'orig', None) or error).strip().splitlines()[0]}"
        )
    return POSTGRES_URL


@dataclass
class Database:
    url: str
    table: str
    engine: sa.Engine

    def rows(self) -> list[dict[str, Any]]:
        """What the table holds, oldest first, read through its reflected schema."""
        table = sa.Table(self.table, sa.MetaData(), autoload_with=self.engine)
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(sa.select(table).order_by(table.c.id))]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url, table = f"sqlite:///{tmp_path / 'logs' / 'errors.db'}", "error_logs"
    else:
        url, table = request.getfixturevalue("postgres_url"), f"error_logs_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(url)
    yield Database(url, table, engine)
    if request.param == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}"')
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def unreachable_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database that cannot be written: a SQLite path that is a directory, or PostgreSQL on a closed port."""
    if request.param == "sqlite":
        (tmp_path / "a-directory").mkdir()
        return f"sqlite:///{tmp_path / 'a-directory'}"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/test"


@pytest.fixture
def make_logger() -> Iterator[Callable[[], logging.Logger]]:
    """Fresh loggers that write only to what a test attaches; their handlers are closed afterwards."""
    made: list[logging.Logger] = []

    def make() -> logging.Logger:
        logger = vigil.get_logger(f"vigil.tests.database.{next(_names)}")
        logger.propagate = False
        logger.setLevel(logging.DEBUG)
        made.append(logger)
        return logger

    yield make
    for logger in made:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()


def logger_writing_to(make_logger: Callable[[], logging.Logger], destination: DatabaseDestination) -> logging.Logger:
    logger = make_logger()
    logger.addHandler(destination)
    return logger


def as_utc(moment: datetime) -> datetime:
    """SQLite gives back the UTC time it was given, without its zone; PostgreSQL gives it with one."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the background thread did not get there in time"
        time.sleep(0.01)


def charge(order: str) -> None:
    raise ValueError(f"card declined for {order}")


# What is stored


def test_error_and_critical_records_are_stored_and_lower_levels_are_not(
    database: Database, make_logger: Callable[[], logging.Logger]
) -> None:
    destination = DatabaseDestination(database.url, table=database.table)
    logger = logger_writing_to(make_logger, destination)
    logger.debug("cache miss")
    logger.info("order placed")
    logger.warning("slow payment provider")
    logger.error("payment failed")
    logger.critical("database unreachable")

    assert destination.flush(timeout=30)
    assert [(row["level"], row["message"]) for row in database.rows()] == [
        ("ERROR", "payment failed"),
        ("CRITICAL", "database unreachable"),
    ]
    assert destination.counters == DatabaseCounters(written=2, dropped=0)


def test_each_column_holds_its_part_of_the_record(
    database: Database, make_logger: Callable[[], logging.Logger]
) -> None:
    destination = DatabaseDestination(database.url, table=database.table)
    logger = logger_writing_to(make_logger, destination)
    seen = BufferingHandler(capacity=10)
    logger.addHandler(seen)
    with request_context(request_id="req-42", user_id="user-7"):
        try:
            charge("order-9")
        except ValueError:
            logger.exception("charging %s failed", "order-9", extra={"attempt": 2})

    assert destination.flush(timeout=30)
    [row] = database.rows()
    [record] = seen.buffer
    assert as_utc(row.pop("timestamp")) == datetime.fromtimestamp(record.created, UTC)
    exception = json.loads(row.pop("exception"))
    assert exception["type"] == "ValueError"
    assert exception["message"] == "card declined for order-9"
    assert [frame["function"] for frame in exception["traceback"]] == [
        "test_each_column_holds_its_part_of_the_record",
        "charge",
    ]
    assert json.loads(row.pop("context")) == {"user_id": "user-7", "attempt": 2}
    assert row == {
        "id": 1,
        "level": "ERROR",
        "logger": logger.name,
        "message": "charging order-9 failed",
        "module": "test_sdk_database",
        "function": "test_each_column_holds_its_part_of_the_record",
        "line": record.lineno,
        "process_id": os.getpid(),
        "thread_id": threading.get_ident(),
        "environment": "test",
        "app": "shop",
        "request_id": "req-42",
        "exception_type": "ValueError",
    }


def test_a_record_without_exception_or_request_leaves_those_columns_empty(
    database: Database, make_logger: Callable[[], logging.Logger]
) -> None:
    destination = DatabaseDestination(database.url, table=database.table)
    logger_writing_to(make_logger, destination).error("disk almost full")

    assert destination.flush(timeout=30)
    [row] = database.rows()
    assert (row["request_id"], row["exception_type"], row["exception"]) == (None, None, None)
    assert json.loads(row["context"]) == {}


def test_secrets_are_masked_in_the_stored_row(database: Database, make_logger: Callable[[], logging.Logger]) -> None:
    destination = DatabaseDestination(database.url, table=database.table)
    logger = logger_writing_to(make_logger, destination)
    with request_context(request_id="req-1", session_token="tok-3b1f9c"):
        try:
            raise PermissionError("key AKIAIOSFODNN7EXAMPLE was refused")
        except PermissionError:
            logger.exception("login failed with Bearer abc123.def456", extra={"password": "hunter2"})

    assert destination.flush(timeout=30)
    [row] = database.rows()
    everything = repr(row)
    for secret in ("hunter2", "tok-3b1f9c", "abc123.def456", "AKIAIOSFODNN7EXAMPLE"):
        assert secret not in everything
    assert row["message"] == f"login failed with {MASK}"
    assert json.loads(row["context"]) == {"session_token": MASK, "password": MASK}
    assert json.loads(row["exception"])["message"] == f"key {MASK} was refused"


def test_a_thousand_errors_all_land_after_flush(database: Database, make_logger: Callable[[], logging.Logger]) -> None:
    destination = DatabaseDestination(database.url, table=database.table)
    logger = logger_writing_to(make_logger, destination)
    for number in range(1000):
        logger.error("job %d failed", number)

    assert destination.flush(timeout=60)
    assert [row["message"] for row in database.rows()] == [f"job {number} failed" for number in range(1000)]
    assert destination.counters == DatabaseCounters(written=1000, dropped=0)


def test_an_existing_table_is_written_to_by_the_next_handler(
    database: Database, make_logger: Callable[[], logging.Logger]
) -> None:
    for message in ("before the restart", "after the restart"):
        destination = DatabaseDestination(database.url, table=database.table)
        logger_writing_to(make_logger, destination).error(message)
        destination.close()

    assert [row["message"] for row in database.rows()] == ["before the restart", "after the restart"]


def test_the_default_database_is_logs_errors_db_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_logger: Callable[[], logging.Logger]
) -> None:
    monkeypatch.chdir(tmp_path)
    destination = DatabaseDestination()
    logger_writing_to(make_logger, destination).error("payment failed")

    assert destination.flush(timeout=30)
    database = Database(f"sqlite:///{tmp_path / 'logs' / 'errors.db'}", "error_logs", destination.engine)
    assert [row["message"] for row in database.rows()] == ["payment failed"]


# When the database is down, or the queue is full


def test_an_unreachable_database_does_not_block_the_caller_and_the_drop_is_reported(
    unreachable_url: str, make_logger: Callable[[], logging.Logger], capsys: pytest.CaptureFixture[str]
) -> None:
    destination = DatabaseDestination(unreachable_url)
    logger = logger_writing_to(make_logger, destination)
    for number in range(10):
        logger.error("order %d failed", number)
    # Had a call waited on the database, the batch would have been given up on by now: that takes every retry.
    assert destination.counters == DatabaseCounters(written=0, dropped=0)

    assert destination.flush(timeout=30)
    assert destination.counters == DatabaseCounters(written=0, dropped=10)
    [report] = capsys.readouterr().err.splitlines()
    assert report.startswith("vigil: the database destination (")
    assert "dropped 10 records: 4 attempts to write them failed, the last with OperationalError: " in report


def test_closing_while_the_database_is_down_does_not_wait_out_the_retries(
    tmp_path: Path,
    make_logger: Callable[[], logging.Logger],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(DatabaseDestination, "retry_delays", (3600.0, 3600.0, 3600.0))
    (tmp_path / "a-directory").mkdir()
    destination = DatabaseDestination(f"sqlite:///{tmp_path / 'a-directory'}")
    logger = logger_writing_to(make_logger, destination)
    for number in range(3):
        logger.error("order %d failed", number)

    # With an hour between attempts, a close that waited them out could not end within the test.
    destination.close(timeout=0.2)
    wait_until(lambda: destination.counters.dropped == 3)
    assert "dropped 3 records" in capsys.readouterr().err


def test_records_beyond_the_queue_limit_are_dropped_counted_and_reported_once(
    tmp_path: Path, make_logger: Callable[[], logging.Logger], capsys: pytest.CaptureFixture[str]
) -> None:
    # Nothing is written before flush: batches of 100 never fill a queue of 5, and the interval is long.
    destination = DatabaseDestination(f"sqlite:///{tmp_path / 'errors.db'}", max_queue_size=5, flush_interval=60)
    logger = logger_writing_to(make_logger, destination)
    for number in range(8):
        logger.error("order %d failed", number)

    assert destination.flush(timeout=30)
    assert destination.counters == DatabaseCounters(written=5, dropped=3)
    [report] = capsys.readouterr().err.splitlines()
    assert "is dropping records: its queue is full (5 records at most wait to be written)" in report


# add_db_handler, the seed's one-liner


class FlaskStyleDb:
    """What Flask-SQLAlchemy's ``db`` offers the handler: the engine, as ``db.engine``."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine


@pytest.mark.parametrize("given", ["url", "engine", "object with .engine"])
def test_add_db_handler_takes_a_url_an_engine_or_an_object_with_an_engine(
    given: str, database: Database, make_logger: Callable[[], logging.Logger]
) -> None:
    target: Any = {"url": database.url, "engine": database.engine, "object with .engine": FlaskStyleDb(database.engine)}
    logger = make_logger()
    destination = add_db_handler(target[given], logger=logger, table=database.table)
    logger.info("order placed")
    logger.error("payment failed")

    assert logger.handlers == [destination]
    assert destination.flush(timeout=30)
    assert [row["message"] for row in database.rows()] == ["payment failed"]


def test_add_db_handler_stores_every_logger_s_errors_through_the_root_logger(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'errors.db'}"
    destination = add_db_handler(url)
    try:
        logging.getLogger("vigil.tests.database.some_library").error("upstream timed out")
        assert destination.flush(timeout=30)
    finally:
        logging.getLogger().removeHandler(destination)
        destination.close()

    engine = sa.create_engine(url)
    assert [row["message"] for row in Database(url, "error_logs", engine).rows()] == ["upstream timed out"]
    engine.dispose()


def test_without_sqlalchemy_the_import_error_says_which_extra_to_install() -> None:
    code = "import sys; sys.modules['sqlalchemy'] = None; import vigil.sdk.destinations.database"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)

    assert done.returncode == 1
    assert "ImportError: the database destination needs SQLAlchemy: pip install 'vigil[db]'" in done.stderr
