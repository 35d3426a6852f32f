"""A whole alerting chain for end-to-end tests: a real SMTP server, HTTP receivers for an SNS http subscription,
Slack and PagerDuty, and a Vigil server wired to them with a short alarm tick, driven by the unmodified aws CLI.
The ``chain`` fixture is registered for every test by conftest.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from http_receiver import HttpReceiver, ReceivedRequest, Reply
from smtp_server import Mailbox, serve, text_of
from sns_helpers import verify_signature

from vigil.testing import CREDENTIALS, VigilServer

AWS_CLI = str(Path(sys.executable).with_name("aws"))
ACCOUNT = "123456789012"  # seed 001's account, so its ARNs work unchanged
TICK_S = 3
ROUTING_KEY = "R0UT1NGKEY0000000000000000000000"


@dataclass
class Chain:
    server: VigilServer
    aws: Callable[..., Any]
    mailbox: Mailbox
    webhook: HttpReceiver
    slack: HttpReceiver
    pagerduty: HttpReceiver


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    mailbox = Mailbox()
    smtp = serve(mailbox)
    with HttpReceiver() as webhook, HttpReceiver() as slack, HttpReceiver() as pagerduty:
        pagerduty.default = Reply(status=202, body=b'{"status":"success","message":"Event processed"}')
        server = VigilServer(
            "--ephemeral",
            "--account-id", ACCOUNT,
            "--alarm-tick", str(TICK_S),
            "--smtp-host", "127.0.0.1",
            "--smtp-port", str(smtp.port),
            "--smtp-security", "none",
            "--smtp-from", "alarms@vigil.test",
            "--pagerduty-events-url", pagerduty.url + "/v2/enqueue",
        )  # fmt: skip
        with server:
            env = {
                **os.environ,
                "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
                "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
                "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
            }

            def aws(*args: str) -> Any:
                command = [AWS_CLI, *args, "--endpoint-url", server.endpoint_url, "--output", "json"]
                done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
                assert done.returncode == 0, done.stderr
                return json.loads(done.stdout) if done.stdout.strip() else None

            yield Chain(server, aws, mailbox, webhook, slack, pagerduty)
    smtp.stop()


def visit(url: str) -> None:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200


def confirm_email(chain: Chain, already: int) -> None:
    """Visit the SubscribeURL of the confirmation email that arrives after ``already`` emails."""
    confirmation = chain.mailbox.wait_for(already + 1)[already]
    visit(re.search(r"https?://\S+Action=ConfirmSubscription\S+", text_of(confirmation))[0])  # type: ignore[index]


def alarm_state(chain: Chain, name: str) -> str:
    [alarm] = chain.aws("cloudwatch", "describe-alarms", "--alarm-names", name, "--region", "us-east-1")["MetricAlarms"]
    return str(alarm["StateValue"])


def wait_for_state(chain: Chain, name: str, state: str, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while alarm_state(chain, name) != state:
        assert time.monotonic() < deadline, f"{name} did not reach {state} within {within_s} s"
        time.sleep(0.2)


def notification(request: ReceivedRequest) -> dict[str, Any]:
    """The alarm JSON of a signed SNS envelope (its signature verified as AWS's guide says)."""
    envelope = request.json()
    assert envelope["Type"] == "Notification" and verify_signature(envelope)
    return json.loads(envelope["Message"])  # type: ignore[no-any-return]
