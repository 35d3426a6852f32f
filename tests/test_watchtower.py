"""watchtower, the most used CloudWatch logging handler, ships to Vigil unchanged."""

from __future__ import annotations

import logging
from typing import Any

import boto3
import pytest
import watchtower

from vigil.testing import CREDENTIALS, VigilServer


def _logger(handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(f"watchtower-test-{id(handler)}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return logger


def test_watchtower_creates_its_group_and_stream_and_ships_records(vigil: VigilServer, logs_client: Any) -> None:
    handler = watchtower.CloudWatchLogHandler(
        log_group_name="/app/watchtower",
        log_stream_name="worker-1",
        boto3_client=vigil.client("logs"),
        log_group_retention_days=7,
        send_interval=1,
    )
    logger = _logger(handler)
    for i in range(25):
        logger.info("order %d shipped", i)
    logger.info({"event": "checkout", "amount": 12.5})
    handler.close()
    events = logs_client.get_log_events(logGroupName="/app/watchtower", logStreamName="worker-1", startFromHead=True)
    messages = [e["message"] for e in events["events"]]
    assert messages[:25] == [f"order {i} shipped" for i in range(25)]
    assert messages[25] == '{"event": "checkout", "amount": 12.5}'
    assert logs_client.describe_log_groups()["logGroups"][0]["retentionInDays"] == 7


def test_a_client_configured_by_the_service_endpoint_variable_reaches_vigil(
    vigil: VigilServer, logs_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", vigil.endpoint_url)
    client = boto3.client("logs", region_name=vigil.region, **CREDENTIALS)
    client.create_log_group(logGroupName="/found/by/env")
    assert [g["logGroupName"] for g in logs_client.describe_log_groups()["logGroups"]] == ["/found/by/env"]
