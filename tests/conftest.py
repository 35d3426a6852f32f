"""Shared fixtures. The server fixtures (``vigil``, ``logs_client`` …) come from ``vigil.testing``,
the pytest plugin Vigil ships to its users."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest

from vigil.testing import CREDENTIALS, VigilServer

# Helper modules with fixtures (HTTP receivers, SNS topics, alarm test servers, the whole alerting chain): here,
# before any test module imports them, so that pytest rewrites their asserts.
pytest_plugins = ["http_receiver", "sns_helpers", "alarms_helpers", "alerting_chain", "metric_filter_helpers"]

AWS_CLI = str(Path(sys.executable).with_name("aws"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Under VIGIL_FORBID_SKIPS=1 (set by .ci/run) a skipped test fails: in CI every service a test
    needs must be there."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("VIGIL_FORBID_SKIPS") == "1" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped, and VIGIL_FORBID_SKIPS=1 forbids skips: {report.longrepr}"


def now_ms() -> int:
    return int(time.time() * 1000)


@pytest.fixture
def group(logs_client: Any) -> str:
    """A fresh log group with one stream, ``web``."""
    name = "/app/orders"
    logs_client.create_log_group(logGroupName=name)
    logs_client.create_log_stream(logGroupName=name, logStreamName="web")
    return name


@pytest.fixture
def aws(vigil: VigilServer, tmp_path: Path) -> Callable[..., Any]:
    """Run the unmodified aws CLI against the server; returns parsed JSON output (or None)."""
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
        "AWS_DEFAULT_REGION": vigil.region,
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
    }

    def run(*args: str, expect_error: bool = False) -> Any:
        command = [AWS_CLI, *args, "--endpoint-url", vigil.endpoint_url, "--output", "json"]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        if expect_error:
            assert done.returncode != 0, done.stdout
            return done.stderr
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None

    return run


@pytest.fixture(scope="session")
def protocol_models(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Path]:
    """A botocore data path whose copy of a service's model names another wire protocol, so the real
    botocore client speaks awsQuery or awsJson to a service whose default is another."""
    root = tmp_path_factory.mktemp("models")

    def write(service: str, protocol: str) -> Path:
        folder = root / protocol
        loader = botocore.loaders.Loader()
        model = loader.load_service_model(service, "service-2")
        model["metadata"]["protocol"] = protocol
        model["metadata"]["protocols"] = [protocol]
        target = folder / service / model["metadata"]["apiVersion"] / "service-2.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(model))
        return folder

    return write


@pytest.fixture
def client_over(vigil: VigilServer, protocol_models: Callable[[str, str], Path]) -> Callable[[str, str], Any]:
    """``client_over("cloudwatch", "query")``: a boto3 client that speaks the named protocol."""

    def make(service: str, protocol: str) -> Any:
        session = botocore.session.get_session()
        session.get_component("data_loader").search_paths.insert(0, str(protocol_models(service, protocol)))
        return boto3.Session(botocore_session=session).client(
            service, endpoint_url=vigil.endpoint_url, region_name=vigil.region, **CREDENTIALS
        )

    return make
