"""``vigil serve``: its options, environment variables, banner, demo data and shutdown."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import orjson

from vigil.testing import VigilServer

SERVE_OPTIONS = [
    "--host",
    "--port",
    "--data-dir",
    "--ephemeral",
    "--demo",
    "--account-id",
    "--region",
    "--access-keys",
    "--access-keys-file",
    "--allow-reset",
    "--memory-limit",
    "--retention-interval",
    "--metric-rollup-interval",
    "--max-event-bytes",
    "--max-concurrent-queries",
    "--query-timeout",
    "--smtp-host",
    "--smtp-port",
    "--smtp-security",
    "--smtp-username",
    "--smtp-password",
    "--smtp-from",
    "--pagerduty-events-url",
    "--log-level",
]


def _vigil(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vigil", *args], capture_output=True, text=True, timeout=60)


def _post(url: str) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, method="POST", data=b"")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, orjson.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, orjson.loads(error.read())


def test_help_lists_the_serve_command() -> None:
    assert re.search(r"^\s+serve\s", _vigil("--help").stdout, re.M)


def test_serve_help_explains_every_option_with_its_environment_variable() -> None:
    text = _vigil("serve", "--help").stdout
    for option in SERVE_OPTIONS:
        assert option in text
        assert "VIGIL_" + option.removeprefix("--").replace("-", "_").upper() in text


def test_the_banner_shows_the_endpoint_and_ready_to_paste_examples(tmp_path: Path) -> None:
    with VigilServer("--data-dir", str(tmp_path)) as server:
        banner = "".join(server.output)
    assert f'endpoint_url="{server.endpoint_url}"' in banner
    assert f"aws logs describe-log-groups \\\n        --endpoint-url {server.endpoint_url}" in banner


def test_settings_come_from_vigil_environment_variables(tmp_path: Path) -> None:
    env = {"VIGIL_ACCOUNT_ID": "123456789012", "VIGIL_DATA_DIR": str(tmp_path)}
    with VigilServer(env=env) as server:
        logs = server.client("logs")
        logs.create_log_group(logGroupName="env-check")
        arn = logs.describe_log_groups()["logGroups"][0]["logGroupArn"]
    assert arn == "arn:aws:logs:us-east-1:123456789012:log-group:env-check"
    assert (tmp_path / "vigil.duckdb").exists()


def test_sigterm_stops_the_server_with_exit_status_zero(tmp_path: Path) -> None:
    server = VigilServer("--data-dir", str(tmp_path)).start()
    assert server.process is not None
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(30) == 0


def test_sigint_stops_the_server_with_exit_status_zero(tmp_path: Path) -> None:
    server = VigilServer("--data-dir", str(tmp_path)).start()
    assert server.process is not None
    server.process.send_signal(signal.SIGINT)
    assert server.process.wait(30) == 0


def test_data_survives_a_restart_on_the_same_data_directory(tmp_path: Path) -> None:
    with VigilServer("--data-dir", str(tmp_path)) as server:
        server.client("logs").create_log_group(logGroupName="kept")
    with VigilServer("--data-dir", str(tmp_path)) as server:
        groups = server.client("logs").describe_log_groups()["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["kept"]


def test_an_ephemeral_server_removes_its_data_directory_at_exit() -> None:
    server = VigilServer("--ephemeral").start()
    data_dir = Path(re.search(r"data: \(ephemeral\) (\S+)", "".join(server.output)).group(1))  # type: ignore[union-attr]
    assert data_dir.exists()
    assert server.stop() == 0
    assert not data_dir.exists()


def test_demo_loads_application_lambda_and_access_logs_once(tmp_path: Path) -> None:
    with VigilServer("--data-dir", str(tmp_path), "--demo") as server:
        logs = server.client("logs")
        first = {g["logGroupName"]: g["storedBytes"] for g in logs.describe_log_groups()["logGroups"]}
        lambda_lines = logs.filter_log_events(logGroupName="/aws/lambda/process-queue", filterPattern="REPORT")
    with VigilServer("--data-dir", str(tmp_path), "--demo") as server:
        again = {g["logGroupName"]: g["storedBytes"] for g in server.client("logs").describe_log_groups()["logGroups"]}
    assert set(first) == {"/aws/lambda/process-queue", "/ecs/orders-api", "/var/log/nginx/access"}
    assert all(size > 0 for size in first.values())
    assert lambda_lines["events"] and all("Duration:" in e["message"] for e in lambda_lines["events"])
    assert again == first


def test_reset_is_refused_on_a_persistent_data_directory(tmp_path: Path) -> None:
    with VigilServer("--data-dir", str(tmp_path)) as server:
        server.client("logs").create_log_group(logGroupName="precious")
        status, body = _post(f"{server.endpoint_url}/_vigil/reset")
        remaining = server.client("logs").describe_log_groups()["logGroups"]
    assert status == 403
    assert "--allow-reset" in str(body["message"])
    assert len(remaining) == 1


def test_reset_wipes_everything_when_explicitly_allowed(tmp_path: Path) -> None:
    with VigilServer("--data-dir", str(tmp_path), "--allow-reset") as server:
        server.client("logs").create_log_group(logGroupName="scratch")
        status, _ = _post(f"{server.endpoint_url}/_vigil/reset")
        remaining = server.client("logs").describe_log_groups()["logGroups"]
    assert status == 200
    assert remaining == []


def test_health_reports_version_and_schema_version(vigil: VigilServer) -> None:
    with urllib.request.urlopen(f"{vigil.endpoint_url}/_vigil/health", timeout=10) as response:
        body = orjson.loads(response.read())
    assert body["status"] == "ok"
    assert body["schemaVersion"] >= 1


def test_a_port_in_use_is_reported_without_a_traceback(vigil: VigilServer) -> None:
    port = vigil.endpoint_url.rsplit(":", 1)[1]
    done = _vigil("serve", "--ephemeral", "--port", port)
    assert done.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr
