"""``vigil query``: runs a Logs Insights query against a server and prints the rows as a table, JSON or
CSV, with progress on stderr, AWS's error messages, and Ctrl-C stopping the query on the server."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from logs_helpers import now_ms

from vigil.testing import VigilServer

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def bare_env(tmp_path: Path) -> dict[str, str]:
    """The environment without AWS credentials, config or endpoint: the command must cope on its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_CONFIG_FILE"] = str(tmp_path / "no-config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "no-credentials")
    return env


@pytest.fixture
def vigil_query(vigil: VigilServer, bare_env: dict[str, str]) -> Run:
    """``vigil_query(*args)``: the command against the test server; ``endpoint=False`` leaves the URL out."""

    def run(*args: str, endpoint: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "vigil", "query", *args]
        if endpoint:
            command += ["--endpoint-url", vigil.endpoint_url]
        return subprocess.run(command, capture_output=True, text=True, env={**bare_env, **(env or {})}, timeout=120)

    return run


@pytest.fixture
def orders(logs_client: Any, group: str) -> str:
    """``/app/orders`` with two JSON events, a minute and two hours old."""
    events = [
        {"timestamp": now_ms() - 7_200_000, "message": '{"level": "INFO", "msg": "old, quiet"}'},
        {"timestamp": now_ms() - 60_000, "message": '{"level": "ERROR", "msg": "card declined"}'},
    ]
    logs_client.put_log_events(logGroupName=group, logStreamName="web", logEvents=events)
    return group


QUERY = "fields level, msg | sort @timestamp desc"


def test_query_prints_a_table_of_the_rows(vigil_query: Run, orders: str) -> None:
    done = vigil_query("-g", orders, "--since", "1h", QUERY)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "level  msg",
        "-----  -------------",
        "ERROR  card declined",
    ]


def test_query_shows_the_record_pointer_only_when_asked(vigil_query: Run, orders: str) -> None:
    done = vigil_query("-g", orders, "--since", "1h", "--show-ptr", QUERY)

    assert done.stdout.splitlines()[0].split() == ["level", "msg", "@ptr"]


def test_query_prints_json(vigil_query: Run, orders: str) -> None:
    done = vigil_query("-g", orders, "--since", "1h", "--output", "json", QUERY)

    assert json.loads(done.stdout) == [{"level": "ERROR", "msg": "card declined"}]


def test_query_prints_csv(vigil_query: Run, orders: str) -> None:
    done = vigil_query("-g", orders, "--since", "3h", "--output", "csv", QUERY)

    assert list(csv.reader(io.StringIO(done.stdout))) == [
        ["level", "msg"],
        ["ERROR", "card declined"],
        ["INFO", "old, quiet"],
    ]


def test_since_sets_how_far_back_the_query_looks(vigil_query: Run, orders: str) -> None:
    recent = vigil_query("-g", orders, "--since", "90m", "--output", "json", QUERY)
    wider = vigil_query("-g", orders, "--since", "1d", "--output", "json", QUERY)

    assert len(json.loads(recent.stdout)) == 1
    assert len(json.loads(wider.stdout)) == 2


@pytest.mark.parametrize("form", ["iso", "epoch"])
def test_start_and_end_take_iso_8601_or_epoch_seconds(vigil_query: Run, orders: str, form: str) -> None:
    start, end = now_ms() // 1000 - 3 * 3600, now_ms() // 1000 - 3600
    if form == "iso":
        times = [time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)) for t in (start, end)]
    else:
        times = [str(start), str(end)]

    done = vigil_query("-g", orders, "--start", times[0], "--end", times[1], "--output", "json", QUERY)

    assert json.loads(done.stdout) == [{"level": "INFO", "msg": "old, quiet"}]


def test_limit_caps_the_rows(vigil_query: Run, orders: str) -> None:
    done = vigil_query("-g", orders, "--since", "1d", "--limit", "1", "--output", "json", QUERY)

    assert len(json.loads(done.stdout)) == 1


def test_query_reports_progress_on_stderr(vigil_query: Run, orders: str) -> None:
    done = vigil_query("-g", orders, "--since", "1h", QUERY)

    assert "Complete: 1 records matched" in done.stderr


def test_query_takes_the_endpoint_from_aws_endpoint_url(vigil: VigilServer, vigil_query: Run, orders: str) -> None:
    done = vigil_query(
        "-g", orders, "--since", "1h", QUERY, endpoint=False, env={"AWS_ENDPOINT_URL": vigil.endpoint_url}
    )

    assert "card declined" in done.stdout


def test_query_errors_exit_1_with_the_aws_message(vigil_query: Run) -> None:
    done = vigil_query("-g", "/missing", "--since", "1h", "fields @message")

    assert done.returncode == 1
    assert "Log group '/missing' does not exist." in done.stderr


def test_a_malformed_query_exits_1(vigil_query: Run, orders: str) -> None:
    done = vigil_query("-g", orders, "--since", "1h", "fields @message | | limit")

    assert done.returncode == 1
    assert done.stderr.strip()


def test_an_unreachable_endpoint_exits_1(vigil_query: Run) -> None:
    done = vigil_query("-g", "/app", "--endpoint-url", "http://127.0.0.1:9", "fields @message", endpoint=False)

    assert done.returncode == 1
    assert "127.0.0.1:9" in done.stderr


def test_since_and_start_together_are_a_usage_error(vigil_query: Run) -> None:
    done = vigil_query("-g", "/app", "--since", "1h", "--start", "0", "fields @message")

    assert done.returncode == 2


def test_a_bad_duration_is_a_usage_error(vigil_query: Run) -> None:
    assert vigil_query("-g", "/app", "--since", "soon", "fields @message").returncode == 2


# Eight captures per event and a wide group-by: over a second on the events the test loads.
HEAVY = (
    r"parse @message /(?<a>\S*) (?<b>.*)(?<c>.*)(?<d>.*)(?<e>.*)(?<f>.*)(?<g>.*)(?<h>.*)s/"
    " | stats count(*) by a, b, c, d"
)


def test_ctrl_c_stops_the_query_on_the_server(tmp_path: Path, bare_env: dict[str, str]) -> None:
    with VigilServer("--data-dir", str(tmp_path)) as server:
        logs = server.client("logs")
        logs.create_log_group(logGroupName="/busy")
        logs.create_log_stream(logGroupName="/busy", logStreamName="web")
        base = now_ms() - 600_000
        for start in range(0, 140_000, 7_000):
            events = [
                {"timestamp": base + i, "message": f"request {i} took {i % 503} ms"}
                for i in range(start, start + 7_000)
            ]
            logs.put_log_events(logGroupName="/busy", logStreamName="web", logEvents=events)
        command = [sys.executable, "-m", "vigil", "query", "--endpoint-url", server.endpoint_url, "-g", "/busy", HEAVY]
        process = subprocess.Popen(command, env=bare_env, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not logs.describe_queries(status="Running")["queries"] and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)

        assert [q["status"] for q in logs.describe_queries()["queries"]] == ["Cancelled"]
        assert process.returncode == 130
        assert "stopped" in stderr
