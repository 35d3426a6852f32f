"""Vigil as a stand-in for CloudWatch in your own tests: a pytest plugin.

Installed with Vigil, it gives every test suite these fixtures:

- ``vigil_server`` (session): an ephemeral ``vigil serve`` on a free port of 127.0.0.1, stopped at the end.
- ``vigil_endpoint`` (session): its endpoint URL.
- ``vigil``: the server, after wiping all its state, for one test.
- ``logs_client``, ``cloudwatch_client``, ``sns_client``: boto3 clients for it (needs boto3).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
_BANNER = re.compile(r"listening on (http://\S+)")


class VigilServer:
    """A ``vigil serve`` process started for tests."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, region: str = "us-east-1", port: int = 0) -> None:
        self.args = args
        self.port = port
        self.region = region
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[str] | None = None
        self.endpoint_url = ""
        self.output: list[str] = []

    def start(self, timeout: float = 60.0) -> VigilServer:
        command = [sys.executable, "-m", "vigil", "serve", "--host", "127.0.0.1", "--port", str(self.port), *self.args]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.env,
            start_new_session=True,
        )
        found = threading.Event()

        def pump() -> None:
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                self.output.append(line)
                match = _BANNER.search(line)
                if match and not found.is_set():
                    self.endpoint_url = match.group(1)
                    found.set()

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not found.wait(0.05):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("vigil serve did not start:\n" + "".join(self.output))
        return self

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.endpoint_url}/_vigil/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def inject_fault(
        self,
        operation: str,
        code: str,
        *,
        count: int = 1,
        status: int = 400,
        service: str = "logs",
        message: str = "Injected by the test.",
    ) -> None:
        """Make the next ``count`` calls of ``operation`` fail with the AWS error ``code`` (``count=0`` disarms)."""
        body = {"service": service, "operation": operation, "code": code, "status": status, "count": count}
        body["message"] = message
        request = urllib.request.Request(
            f"{self.endpoint_url}/_vigil/faults",
            method="POST",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def client(self, service: str, **kwargs: Any) -> Any:
        import boto3

        options = {"endpoint_url": self.endpoint_url, "region_name": self.region, **CREDENTIALS, **kwargs}
        return boto3.client(service, **options)

    def stop(self, timeout: float = 30.0) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> VigilServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="session")
def vigil_server() -> Iterator[VigilServer]:
    with VigilServer("--ephemeral") as server:
        yield server


@pytest.fixture(scope="session")
def vigil_endpoint(vigil_server: VigilServer) -> str:
    return vigil_server.endpoint_url


@pytest.fixture
def vigil(vigil_server: VigilServer) -> VigilServer:
    vigil_server.reset()
    return vigil_server


@pytest.fixture
def logs_client(vigil: VigilServer) -> Any:
    return vigil.client("logs")


@pytest.fixture
def cloudwatch_client(vigil: VigilServer) -> Any:
    return vigil.client("cloudwatch")


@pytest.fixture
def sns_client(vigil: VigilServer) -> Any:
    return vigil.client("sns")
