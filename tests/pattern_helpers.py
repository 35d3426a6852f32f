"""Helpers shared by the filter-pattern tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from logs_helpers import now_ms

Search = Callable[..., list[str]]


def searcher(logs_client: Any, group: str) -> Search:
    """``search(pattern, *messages)`` stores the messages, in order, in a stream of their own and returns
    the ones FilterLogEvents finds with ``pattern``."""
    streams = itertools.count()

    def search(pattern: str, *messages: str) -> list[str]:
        stream = f"search-{next(streams)}"
        logs_client.create_log_stream(logGroupName=group, logStreamName=stream)
        start = now_ms() - 60_000
        logs_client.put_log_events(
            logGroupName=group,
            logStreamName=stream,
            logEvents=[{"timestamp": start + i, "message": m} for i, m in enumerate(messages)],
        )
        answer = logs_client.filter_log_events(logGroupName=group, logStreamNames=[stream], filterPattern=pattern)
        return [e["message"] for e in answer["events"]]

    return search


def refusal(call: Callable[[], object]) -> tuple[str, str]:
    """The AWS error code and message ``call`` fails with."""
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    return str(error["Code"]), str(error["Message"])
