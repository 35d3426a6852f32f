"""The README's quick start works as a newcomer runs it: a fresh copy of the project, a fresh HOME,
only python3 and pip."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3

from vigil.testing import CREDENTIALS

ROOT = Path(__file__).resolve().parent.parent


def quick_start() -> list[str]:
    text = (ROOT / "README.md").read_text()
    heading = re.search(r"^#+ .*quick ?start.*$", text, re.I | re.M)
    assert heading is not None
    block = re.search(r"^```[^\n]*\n(.*?)^```", text[heading.end() :], re.S | re.M)
    assert block is not None
    return [line.strip() for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def test_the_quick_start_is_exactly_two_commands() -> None:
    assert len(quick_start()) == 2


def test_ci_runs_the_quick_start_test_command() -> None:
    assert quick_start()[1] in (ROOT / ".ci" / "run").read_text()


def test_the_first_command_serves_demo_data_from_a_fresh_copy(tmp_path: Path) -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    copy = tmp_path / "vigil"
    for name in tracked.splitlines():
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    (tmp_path / "home").mkdir()
    env = {
        "HOME": str(tmp_path / "home"),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "VIGIL_PORT": "0",  # the default port may be taken on a developer's machine
        **{k: v for k, v in os.environ.items() if k.startswith("PIP_")},
    }
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            ["bash", "-c", quick_start()[0]],
            cwd=copy,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = None
        deadline = time.monotonic() + 300
        while url is None and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.5)
            found = re.search(r"listening on (http://\S+)", log.read_text())
            url = found.group(1) if found else None
        assert url is not None, log.read_text()[-3000:]
        logs = boto3.client("logs", endpoint_url=url, region_name="us-east-1", **CREDENTIALS)
        names = {g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]}
        assert names == {"/aws/lambda/process-queue", "/ecs/orders-api", "/var/log/nginx/access"}
    finally:
        with contextlib.suppress(ProcessLookupError):  # the server may have died on its own
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)


def sdk_example() -> str:
    text = (ROOT / "README.md").read_text()
    heading = re.search(r"^## Log from your application$", text, re.M)
    assert heading is not None
    block = re.search(r"^```python\n(.*?)^```", text[heading.end() :], re.S | re.M)
    assert block is not None
    return block.group(1)


def test_the_sdk_example_ships_its_records_to_the_server(vigil: Any, tmp_path: Path) -> None:
    script = sdk_example().replace("http://127.0.0.1:4588", vigil.endpoint_url)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "captured: ZeroDivisionError('division by zero')" in result.stdout
    logs = boto3.client("logs", endpoint_url=vigil.endpoint_url, region_name="us-east-1", **CREDENTIALS)
    events = logs.filter_log_events(logGroupName="/aws/my-app/production")["events"]
    records = [json.loads(event["message"]) for event in events]
    assert [(r["level"], r["message"]) for r in records] == [
        ("INFO", "Application started"),
        ("ERROR", "An error occurred"),
        ("INFO", "Processing request"),
        ("ERROR", "billing failed"),
    ]
    assert records[1]["error_code"] == "E001"
    assert (records[2]["user_id"], records[2]["request_id"]) == ("user123", "req456")
    assert records[3]["exception"]["type"] == "ZeroDivisionError"
    assert (records[3]["component"], records[3]["order_id"]) == ("billing", 42)
