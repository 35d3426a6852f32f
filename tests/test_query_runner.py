"""The life of a Logs Insights query on servers of its own: Scheduled behind the concurrency cap, Running,
Cancelled by StopQuery, Timeout past --query-timeout, and how DescribeQueries and the settings show it.
The last tests drive the runner in-process, with work no real query produces: an engine that raises."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from logs_helpers import now_ms

from vigil.engine.logs.scope import Scope
from vigil.engine.queries import runner as runner_module
from vigil.engine.queries.runner import QueryRunner
from vigil.store.database import Database
from vigil.testing import VigilServer

GROUP = "/load/app"
EVENTS = 210_000
BATCH = 7_000  # about 100 bytes each: under PutLogEvents' 1 MB with the 26-byte overhead
# Eight captures per event and a wide group-by: a few seconds over the events above.
HEAVY = (
    r"parse @message /(?<a>[^,]*),(?<b>.*)(?<c>.*)(?<d>.*)(?<e>.*)(?<f>.*)(?<g>.*)(?<h>.*)\}/"
    " | stats count(*) by a, b, c, d | sort a desc"
)
DONE = {"Complete", "Failed", "Cancelled", "Timeout"}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding EVENTS JSON events in GROUP, within the last hour."""
    data_dir = tmp_path_factory.mktemp("loaded")
    with VigilServer("--data-dir", str(data_dir)) as server:
        logs = server.client("logs")
        logs.create_log_group(logGroupName=GROUP)
        logs.create_log_stream(logGroupName=GROUP, logStreamName="web")
        base = now_ms() - 1_800_000
        for start in range(0, EVENTS, BATCH):
            events = [
                {"timestamp": base + i, "message": f'{{"request": {i}, "path": "/orders/{i % 97}", "ms": {i % 503}}}'}
                for i in range(start, start + BATCH)
            ]
            logs.put_log_events(logGroupName=GROUP, logStreamName="web", logEvents=events)
    return data_dir


@pytest.fixture
def serve(loaded: Path) -> Iterator[Callable[..., Any]]:
    """``serve(VIGIL_X="1")``: a logs client of a server on the loaded data with those settings."""
    started: list[VigilServer] = []

    def run(**env: str) -> Any:
        started.append(VigilServer("--data-dir", str(loaded), env=env).start())
        return started[-1].client("logs")

    yield run
    for server in started:
        server.stop()


def start(logs: Any, query: str = HEAVY) -> str:
    now = now_ms() // 1000
    return str(logs.start_query(logGroupName=GROUP, startTime=now - 3600, endTime=now, queryString=query)["queryId"])


def status(logs: Any, query_id: str) -> str:
    return str(logs.get_query_results(queryId=query_id)["status"])


def wait_while(logs: Any, query_id: str, statuses: set[str]) -> str:
    deadline = time.monotonic() + 120
    while (found := status(logs, query_id)) in statuses and time.monotonic() < deadline:
        time.sleep(0.01)
    return found


def test_a_started_query_runs_and_completes(serve: Callable[..., Any]) -> None:
    logs = serve(VIGIL_MAX_CONCURRENT_QUERIES="1")
    query_id = start(logs, "stats count(*) as n")

    assert wait_while(logs, query_id, {"Scheduled", "Running"}) == "Complete"
    assert logs.get_query_results(queryId=query_id)["results"][0][0] == {"field": "n", "value": str(EVENTS)}


def test_a_query_is_running_while_it_executes(serve: Callable[..., Any]) -> None:
    logs = serve(VIGIL_MAX_CONCURRENT_QUERIES="1")
    query_id = start(logs)

    assert wait_while(logs, query_id, {"Scheduled"}) == "Running"
    logs.stop_query(queryId=query_id)


def test_queries_beyond_the_concurrency_cap_wait_as_scheduled(serve: Callable[..., Any]) -> None:
    logs = serve(VIGIL_MAX_CONCURRENT_QUERIES="1")
    running = start(logs)
    wait_while(logs, running, {"Scheduled"})

    waiting = start(logs)

    assert status(logs, waiting) == "Scheduled"
    assert [q["status"] for q in logs.describe_queries()["queries"]] == ["Scheduled", "Running"]
    logs.stop_query(queryId=running)
    logs.stop_query(queryId=waiting)


def test_a_scheduled_query_runs_once_a_slot_frees(serve: Callable[..., Any]) -> None:
    logs = serve(VIGIL_MAX_CONCURRENT_QUERIES="1")
    running = start(logs)
    waiting = start(logs, "stats count(*)")

    logs.stop_query(queryId=running)

    assert wait_while(logs, waiting, {"Scheduled", "Running"}) == "Complete"


def test_stop_query_cancels_a_running_query(serve: Callable[..., Any]) -> None:
    logs = serve(VIGIL_MAX_CONCURRENT_QUERIES="1")
    query_id = start(logs)
    wait_while(logs, query_id, {"Scheduled"})

    assert logs.stop_query(queryId=query_id)["success"] is True
    assert wait_while(logs, query_id, {"Running"}) == "Cancelled"
    assert logs.get_query_results(queryId=query_id)["results"] == []


def test_stop_query_cancels_a_scheduled_query_at_once(serve: Callable[..., Any]) -> None:
    logs = serve(VIGIL_MAX_CONCURRENT_QUERIES="1")
    running = start(logs)
    waiting = start(logs)

    logs.stop_query(queryId=waiting)

    assert status(logs, waiting) == "Cancelled"
    logs.stop_query(queryId=running)


def test_a_query_past_the_timeout_ends_as_timeout_with_no_rows(serve: Callable[..., Any]) -> None:
    logs = serve(VIGIL_QUERY_TIMEOUT="0.2")
    query_id = start(logs)

    assert wait_while(logs, query_id, {"Scheduled", "Running"}) == "Timeout"
    assert logs.get_query_results(queryId=query_id)["results"] == []


def test_the_server_keeps_answering_queries_after_a_timeout(serve: Callable[..., Any]) -> None:
    logs = serve(VIGIL_QUERY_TIMEOUT="0.2")
    wait_while(logs, start(logs), {"Scheduled", "Running"})

    assert wait_while(logs, start(logs, "fields @message | limit 1"), {"Scheduled", "Running"}) == "Complete"


def test_describe_queries_reports_how_long_a_finished_query_took(serve: Callable[..., Any]) -> None:
    logs = serve(VIGIL_MAX_CONCURRENT_QUERIES="1")
    query_id = start(logs, "stats count(*)")
    wait_while(logs, query_id, {"Scheduled", "Running"})

    (info,) = logs.describe_queries()["queries"]

    assert info["queryId"] == query_id
    assert info["queryDuration"] >= 0
    assert info["bytesScanned"] > 0


def test_finished_queries_are_forgotten_when_the_server_restarts(loaded: Path) -> None:
    with VigilServer("--data-dir", str(loaded)) as first:
        query_id = start(first.client("logs"), "stats count(*)")
    with VigilServer("--data-dir", str(loaded)) as second:
        logs = second.client("logs")

        assert logs.describe_queries()["queries"] == []
        with pytest.raises(logs.exceptions.ResourceNotFoundException):
            logs.get_query_results(queryId=query_id)


# ---- the runner in-process --------------------------------------------------------------------------

SCOPE = Scope("000000000000", "us-east-1")


@dataclass
class Found:
    rows: list[list[tuple[str, str]]]
    records_matched: float = 1.0
    records_scanned: float = 1.0
    bytes_scanned: float = 1.0


def answer(cursor: duckdb.DuckDBPyConnection, publish: Callable[[Found], None]) -> Found:
    (value,) = cursor.execute("SELECT 42").fetchall()[0]
    return Found([[("n", str(value))]])


def broken(cursor: duckdb.DuckDBPyConnection, publish: Callable[[Found], None]) -> Found:
    raise RuntimeError("the engine broke")


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[QueryRunner]:
    database = Database(tmp_path)
    running = QueryRunner(database, max_concurrent=1, timeout_s=60)
    running.start()
    yield running
    running.close()
    database.close()


def finished(runner: QueryRunner, query_id: str) -> str:
    deadline = time.monotonic() + 30
    while (found := runner.get(SCOPE, query_id).status) not in DONE and time.monotonic() < deadline:
        time.sleep(0.01)
    return found


def test_a_query_whose_engine_raises_fails_and_the_next_one_still_runs(runner: QueryRunner) -> None:
    failing = runner.submit(SCOPE, "fields a", "CWLI", [], broken)
    working = runner.submit(SCOPE, "fields a", "CWLI", [], answer)

    assert finished(runner, failing) == "Failed"
    assert finished(runner, working) == "Complete"
    assert runner.get(SCOPE, working).result.rows == [[("n", "42")]]  # type: ignore[union-attr]


def publish_then_run_long(cursor: duckdb.DuckDBPyConnection, publish: Callable[[Found], None]) -> Found:
    publish(Found([[("n", "1")]]))
    cursor.execute("SELECT count(*) FROM range(10000000000) a, range(100) b").fetchall()
    return Found([[("n", "2")]])


def test_a_query_that_times_out_keeps_what_it_published(tmp_path: Path) -> None:
    database = Database(tmp_path)
    runner = QueryRunner(database, max_concurrent=1, timeout_s=0.5)
    runner.start()
    try:
        query_id = runner.submit(SCOPE, "fields a", "CWLI", [], publish_then_run_long)

        assert finished(runner, query_id) == "Timeout"
        assert runner.get(SCOPE, query_id).result.rows == [[("n", "1")]]  # type: ignore[union-attr]
    finally:
        runner.close()
        database.close()


def test_a_running_query_shows_what_it_published(runner: QueryRunner) -> None:
    release = threading.Event()

    def publish_then_wait(cursor: duckdb.DuckDBPyConnection, publish: Callable[[Found], None]) -> Found:
        publish(Found([[("n", "1")]]))
        release.wait(30)
        return Found([[("n", "2")]])

    query_id = runner.submit(SCOPE, "fields a", "CWLI", [], publish_then_wait)
    deadline = time.monotonic() + 30
    while runner.get(SCOPE, query_id).result is None and time.monotonic() < deadline:
        time.sleep(0.01)

    assert runner.get(SCOPE, query_id).status == "Running"
    assert runner.get(SCOPE, query_id).result.rows == [[("n", "1")]]  # type: ignore[union-attr]
    release.set()
    assert finished(runner, query_id) == "Complete"
    assert runner.get(SCOPE, query_id).result.rows == [[("n", "2")]]  # type: ignore[union-attr]


def test_only_the_newest_finished_queries_are_kept(runner: QueryRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "KEEP_FINISHED", 2)
    started = []
    for _ in range(3):
        started.append(runner.submit(SCOPE, "fields a", "CWLI", [], answer))
        finished(runner, started[-1])

    assert [run.id for run in runner.listing(SCOPE)] == started[:0:-1]


def test_finished_queries_are_forgotten_beyond_the_row_budget(
    runner: QueryRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner_module, "KEEP_ROWS", 2)
    started = []
    for _ in range(3):
        started.append(runner.submit(SCOPE, "fields a", "CWLI", [], answer))
        finished(runner, started[-1])

    assert [run.id for run in runner.listing(SCOPE)] == started[:0:-1]
