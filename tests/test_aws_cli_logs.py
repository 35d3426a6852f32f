"""The unmodified aws CLI against the server for CloudWatch Logs: each command parses the server's answer
and prints what AWS would make it print (boto3 sets up and checks where the CLI is not under test)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from logs_helpers import ACCOUNT, REGION, now_ms

GROUP = "/app/orders"
ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}"

Aws = Callable[..., Any]


def test_cli_create_log_group_makes_a_group_with_its_tags(aws: Aws, logs_client: Any) -> None:
    output = aws("logs", "create-log-group", "--log-group-name", GROUP, "--tags", "team=payments")

    assert output is None
    assert [g["logGroupName"] for g in logs_client.describe_log_groups()["logGroups"]] == [GROUP]
    assert logs_client.list_tags_log_group(logGroupName=GROUP)["tags"] == {"team": "payments"}


def test_cli_put_log_events_stores_the_events(aws: Aws, logs_client: Any, group: str) -> None:
    now = now_ms()
    events = [{"timestamp": now - 1, "message": "first line"}, {"timestamp": now, "message": "second line"}]

    output = aws(
        "logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "web",
        "--log-events", json.dumps(events),
    )  # fmt: skip

    assert "rejectedLogEventsInfo" not in output
    stored = logs_client.get_log_events(logGroupName=group, logStreamName="web", startFromHead=True)["events"]
    assert [(e["timestamp"], e["message"]) for e in stored] == [(now - 1, "first line"), (now, "second line")]


def test_cli_put_log_events_reports_rejected_events(aws: Aws, group: str) -> None:
    now = now_ms()
    shorthand = f"timestamp={now},message=ok timestamp={now + 3 * 3_600_000},message=future"

    output = aws(
        "logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "web",
        "--log-events", *shorthand.split(" "),
    )  # fmt: skip

    assert output["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 1}


def test_cli_get_log_events_prints_the_events_and_tokens(aws: Aws, logs_client: Any, group: str) -> None:
    now = now_ms()
    logs_client.put_log_events(
        logGroupName=group,
        logStreamName="web",
        logEvents=[{"timestamp": now - 1, "message": "older"}, {"timestamp": now, "message": "newer"}],
    )

    output = aws("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "web", "--start-from-head")

    assert [e["message"] for e in output["events"]] == ["older", "newer"]
    assert output["nextForwardToken"].startswith("f/")
    assert output["nextBackwardToken"].startswith("b/")


def test_cli_filter_log_events_finds_matching_events_across_pages(aws: Aws, logs_client: Any, group: str) -> None:
    now = now_ms()
    logs_client.put_log_events(
        logGroupName=group,
        logStreamName="web",
        logEvents=[{"timestamp": now - 10 + i, "message": f"{'ERROR' if i % 2 else 'INFO'} {i}"} for i in range(10)],
    )

    # --page-size makes the CLI follow nextToken across five pages and merge them.
    output = aws(
        "logs", "filter-log-events", "--log-group-name", group, "--filter-pattern", "ERROR", "--page-size", "1",
    )  # fmt: skip

    assert [e["message"] for e in output["events"]] == ["ERROR 1", "ERROR 3", "ERROR 5", "ERROR 7", "ERROR 9"]
    assert {e["logStreamName"] for e in output["events"]} == {"web"}


def test_cli_describe_log_streams_orders_by_last_event_time(aws: Aws, logs_client: Any, group: str) -> None:
    logs_client.create_log_stream(logGroupName=group, logStreamName="worker")
    now = now_ms()
    for stream, timestamp in (("worker", now - 2000), ("web", now - 1000)):
        logs_client.put_log_events(
            logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": timestamp, "message": stream}]
        )

    output = aws(
        "logs", "describe-log-streams", "--log-group-name", group, "--order-by", "LastEventTime", "--descending",
    )  # fmt: skip

    assert [s["logStreamName"] for s in output["logStreams"]] == ["web", "worker"]
    assert output["logStreams"][0]["lastEventTimestamp"] == now - 1000


def test_cli_put_retention_policy_sets_the_retention(aws: Aws, logs_client: Any, group: str) -> None:
    aws("logs", "put-retention-policy", "--log-group-name", group, "--retention-in-days", "14")

    assert logs_client.describe_log_groups()["logGroups"][0]["retentionInDays"] == 14


def test_cli_tag_resource_and_list_tags_for_resource(aws: Aws, group: str) -> None:
    aws("logs", "tag-resource", "--resource-arn", ARN, "--tags", "team=payments,env=prod")

    output = aws("logs", "list-tags-for-resource", "--resource-arn", ARN)

    assert output == {"tags": {"team": "payments", "env": "prod"}}


def test_cli_shows_the_aws_error_code_on_failure(aws: Aws, group: str) -> None:
    stderr = aws("logs", "create-log-group", "--log-group-name", group, expect_error=True)

    assert "An error occurred (ResourceAlreadyExistsException) when calling the CreateLogGroup operation" in stderr


def test_cli_shows_invalid_parameter_for_a_disallowed_retention(aws: Aws, group: str) -> None:
    stderr = aws(
        "logs", "put-retention-policy", "--log-group-name", group, "--retention-in-days", "2", expect_error=True
    )

    assert "(InvalidParameterException)" in stderr
