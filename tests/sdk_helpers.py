"""Helpers for the SDK's shipping tests: a handler aimed at a test server, and reading back what arrived."""

from __future__ import annotations

import itertools
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vigil.sdk.logger import get_logger
from vigil.sdk.shipping.config import CloudWatchConfig
from vigil.sdk.shipping.handler import CloudWatchHandler
from vigil.testing import CREDENTIALS


def shipping_config(endpoint_url: str, spool_dir: Path, **options: Any) -> CloudWatchConfig:
    settings: dict[str, Any] = {
        "log_group": "/sdk/tests",
        "log_stream": "worker-1",
        "endpoint_url": endpoint_url,
        "region": "us-east-1",
        "flush_interval": 0.2,
        "retry_delay": 0.1,
        "max_retry_delay": 0.5,
        "spool_dir": spool_dir,
        **CREDENTIALS,
    }
    settings.update(options)
    return CloudWatchConfig(**settings)


def shipping_handler(endpoint_url: str, spool_dir: Path, **options: Any) -> CloudWatchHandler:
    return CloudWatchHandler(shipping_config(endpoint_url, spool_dir, **options))


def stored_events(logs_client: Any, group: str = "/sdk/tests", stream: str = "worker-1") -> list[dict[str, Any]]:
    """Every event of the stream, oldest first, following nextForwardToken until it repeats."""
    events: list[dict[str, Any]] = []
    token = None
    while True:
        page = logs_client.get_log_events(
            logGroupName=group, logStreamName=stream, startFromHead=True, **({"nextToken": token} if token else {})
        )
        events += page["events"]
        if page["nextForwardToken"] == token:
            return events
        token = page["nextForwardToken"]


def stored_messages(logs_client: Any, group: str = "/sdk/tests", stream: str = "worker-1") -> list[dict[str, Any]]:
    """Every event of the stream, oldest first, its message parsed as JSON."""
    return [json.loads(event["message"]) for event in stored_events(logs_client, group, stream)]


def wait_for_messages(logs_client: Any, count: int, timeout: float = 60.0, **where: str) -> list[dict[str, Any]]:
    """The stream's messages once at least ``count`` have arrived (or whatever is there at the deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            messages = stored_messages(logs_client, **where)
        except logs_client.exceptions.ResourceNotFoundException:
            messages = []
        if len(messages) >= count or time.monotonic() > deadline:
            return messages
        time.sleep(0.25)


class Capture(logging.Handler):
    """Keeps every record it is given, for tests that look at records or at the events built from them."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_logger_names = itertools.count()


def capturing_logger(prefix: str, capture: Capture) -> Iterator[logging.Logger]:
    """A fresh Vigil logger at DEBUG whose records go only to ``capture``; its handlers go when the test ends."""
    made = get_logger(f"{prefix}.captured.{next(_logger_names)}")
    made.setLevel(logging.DEBUG)
    made.propagate = False
    made.addHandler(capture)
    yield made
    for handler in list(made.handlers):
        made.removeHandler(handler)
