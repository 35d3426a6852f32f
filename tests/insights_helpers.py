"""Helpers for the Logs Insights tests: put events, run a query through StartQuery and GetQueryResults,
and read the rows back."""

from __future__ import annotations

import json
import time
from typing import Any

from botocore.exceptions import ClientError
from logs_helpers import now_ms

FINISHED = {"Complete", "Failed", "Cancelled", "Timeout"}
MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def hour_start() -> int:
    """The start of an hour that began between 2 and 3 hours ago: room for events at known offsets."""
    return (now_ms() - 2 * HOUR) // HOUR * HOUR


def put(
    logs: Any,
    group: str,
    *messages: str | dict[str, Any],
    start: int | None = None,
    step: int = 1000,
    stream: str = "web",
) -> list[int]:
    """Put ``messages`` (dicts as JSON) one ``step`` apart from ``start``; returns their timestamps."""
    first = hour_start() if start is None else start
    stamps = [first + i * step for i in range(len(messages))]
    events = [
        {"timestamp": t, "message": m if isinstance(m, str) else json.dumps(m)}
        for t, m in zip(stamps, messages, strict=True)
    ]
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
    return stamps


def put_at(logs: Any, group: str, events: list[tuple[int, str | dict[str, Any]]], stream: str = "web") -> None:
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": t, "message": m if isinstance(m, str) else json.dumps(m)} for t, m in events],
    )


def run(logs: Any, query: str, group: str | list[str] | None = "/app/orders", **options: Any) -> dict[str, Any]:
    """StartQuery over the last day, then GetQueryResults until the query finishes; the final reply."""
    now = now_ms() // 1000
    request: dict[str, Any] = {"startTime": now - 86_400, "endTime": now + 60, "queryString": query, **options}
    if isinstance(group, str):
        request["logGroupName"] = group
    elif group is not None:
        request["logGroupNames"] = group
    query_id = logs.start_query(**request)["queryId"]
    deadline = time.monotonic() + 60
    while True:
        reply = logs.get_query_results(queryId=query_id)
        if reply["status"] in FINISHED or time.monotonic() > deadline:
            return dict(reply)
        time.sleep(0.02)


def rows(logs: Any, query: str, group: str | list[str] | None = "/app/orders", **options: Any) -> list[dict[str, str]]:
    """The rows of a completed query as dicts, without @ptr."""
    reply = run(logs, query, group, **options)
    assert reply["status"] == "Complete", reply
    return [{f["field"]: f["value"] for f in row if f["field"] != "@ptr"} for row in reply["results"]]


def column(logs: Any, query: str, name: str, group: str | None = "/app/orders") -> list[Any]:
    """One field of every row (None where the row lacks it)."""
    return [row.get(name) for row in rows(logs, query, group)]


def value(logs: Any, query: str, name: str, group: str = "/app/orders") -> str | None:
    """One field of the only row."""
    found = rows(logs, query, group)
    assert len(found) == 1, found
    return found[0].get(name)


def malformed(logs: Any, query: str, group: str = "/app/orders") -> str:
    """The message of the MalformedQueryException StartQuery refuses ``query`` with."""
    now = now_ms() // 1000
    try:
        logs.start_query(logGroupName=group, startTime=now - 3600, endTime=now, queryString=query)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "MalformedQueryException", error.response
        return str(error.response["Error"]["Message"])
    raise AssertionError(f"StartQuery accepted {query!r}")


def evaluate(logs: Any, group: str, expression: str, message: str | dict[str, Any] = "{}") -> str | None:
    """``expression`` computed for one event holding ``message``: its value as a result shows it."""
    put(logs, group, message)
    return value(logs, f"fields {expression} as v", "v", group)
