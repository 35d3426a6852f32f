"""Seed 001's alerting chain, end to end: its SNS topic, subscriptions and five alarms made by the unmodified aws
CLI as the seed writes them (plus OK actions, for the recovery to notify; Slack and PagerDuty through Vigil's
own protocols, where the seed uses a forwarding Lambda and PagerDuty's email integration). Lambda logs that
breach the Lambda errors alarm reach, within two evaluation ticks, a real SMTP server, a local HTTP receiver (a
signed SNS envelope that verifies), and Slack and PagerDuty receivers; the recovery sends OK and PagerDuty's
resolve."""

from __future__ import annotations

import json
import time

from alerting_chain import (
    ACCOUNT,
    ROUTING_KEY,
    TICK_S,
    Chain,
    alarm_state,
    confirm_email,
    notification,
    visit,
    wait_for_state,
)
from smtp_server import text_of

TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:scheduling-agent-alarms"
FUNCTION = "scheduling-agent-handler"

SEED_ALARMS = [
    # (name, description, namespace, metric, statistic, evaluation periods, threshold) from seed 001.
    ("scheduling-agent-high-error-rate", "Alert when error rate exceeds threshold", "AWS/Bedrock", "Errors",
     "Sum", "2", "10"),
    ("scheduling-agent-high-latency", "Alert when latency exceeds 5 seconds", "AWS/Bedrock", "InvocationLatency",
     "Average", "2", "5000"),
    ("scheduling-agent-lambda-errors", "Alert when Lambda functions have errors", "AWS/Lambda", "Errors", "Sum",
     "1", "5"),
    ("scheduling-agent-lambda-throttles", "Alert when Lambda functions are throttled", "AWS/Lambda", "Throttles",
     "Sum", "1", "1"),
    ("scheduling-agent-db-connections-high", "Alert when database connections are high", "AWS/RDS",
     "DatabaseConnections", "Average", "2", "80"),
]  # fmt: skip


def set_up_seed_alerting(chain: Chain) -> None:
    """Seed 001's "SNS Topic Setup" and "Creating Alarms", through the aws CLI."""
    aws = chain.aws
    created = aws("sns", "create-topic", "--name", "scheduling-agent-alarms", "--region", "us-east-1")
    assert created["TopicArn"] == TOPIC_ARN
    subscribe = ["sns", "subscribe", "--topic-arn", TOPIC_ARN, "--region", "us-east-1", "--protocol"]
    aws(*subscribe, "email", "--notification-endpoint", "ops@example.com")
    confirm_email(chain, already=0)
    aws(*subscribe, "http", "--notification-endpoint", chain.webhook.url + "/sns")
    visit(chain.webhook.wait_for(1)[0].json()["SubscribeURL"])
    aws(*subscribe, "slack", "--notification-endpoint", chain.slack.url + "/services/T000/B000/XXXX")
    aws(*subscribe, "pagerduty", "--notification-endpoint", ROUTING_KEY)
    subscriptions = aws("sns", "list-subscriptions-by-topic", "--topic-arn", TOPIC_ARN, "--region", "us-east-1")
    assert "PendingConfirmation" not in {s["SubscriptionArn"] for s in subscriptions["Subscriptions"]}
    for name, description, namespace, metric, statistic, periods, threshold in SEED_ALARMS:
        aws(
            "cloudwatch", "put-metric-alarm",
            "--alarm-name", name,
            "--alarm-description", description,
            "--namespace", namespace,
            "--metric-name", metric,
            "--statistic", statistic,
            "--period", "300",
            "--evaluation-periods", periods,
            "--threshold", threshold,
            "--comparison-operator", "GreaterThanThreshold",
            "--alarm-actions", TOPIC_ARN,
            # Not in the seed: without OK actions, AWS (and Vigil) tell nobody of the recovery.
            "--ok-actions", TOPIC_ARN,
            "--region", "us-east-1",
        )  # fmt: skip


def report_lines(chain: Chain, at_ms: int, count: int, status: str | None) -> None:
    """``count`` Lambda REPORT lines in the function's log group (``Status: timeout`` makes each an error)."""
    logs = chain.server.client("logs")
    group = f"/aws/lambda/{FUNCTION}"
    if not logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="2026/11/26/[$LATEST]0")
    suffix = f"\tStatus: {status}" if status else ""
    events = [
        {
            "timestamp": at_ms + i,
            "message": f"REPORT RequestId: 00000000-0000-0000-0000-{i:012d}\tDuration: 3000.00 ms\t"
            f"Billed Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB{suffix}",
        }
        for i in range(count)
    ]
    logs.put_log_events(logGroupName=group, logStreamName="2026/11/26/[$LATEST]0", logEvents=events)


def test_seed_001_alarm_reaches_email_sns_http_slack_and_pagerduty_and_recovers(chain: Chain) -> None:
    set_up_seed_alerting(chain)
    emails_before = len(chain.mailbox.envelopes)
    now_ms = int(time.time() * 1000)

    # Six timed-out invocations six minutes ago: the Lambda errors alarm's Sum over 300 s is 6 (> 5).
    report_lines(chain, now_ms - 360_000, 6, "timeout")
    wait_for_state(chain, "scheduling-agent-lambda-errors", "ALARM", within_s=2 * TICK_S + 1)

    [alarm_email] = chain.mailbox.wait_for(emails_before + 1)[emails_before:]
    [http_alarm] = chain.webhook.wait_for(2)[1:]
    [slack_alarm] = chain.slack.wait_for(1)
    [page] = chain.pagerduty.wait_for(1)
    assert alarm_email["Subject"] == 'ALARM: "scheduling-agent-lambda-errors" in US East (N. Virginia)'
    assert "has entered the ALARM state" in text_of(alarm_email)
    message = notification(http_alarm)
    assert (message["AlarmName"], message["OldStateValue"], message["NewStateValue"]) == (
        "scheduling-agent-lambda-errors",
        "INSUFFICIENT_DATA",
        "ALARM",
    )
    assert message["Trigger"]["Namespace"] == "AWS/Lambda" and message["AWSAccountId"] == ACCOUNT
    assert "scheduling-agent-lambda-errors" in json.dumps(slack_alarm.json())
    trigger = page.json()
    assert (trigger["routing_key"], trigger["event_action"]) == (ROUTING_KEY, "trigger")

    # An invocation that did not fail, now: the newest datapoint reads 0 errors, and the alarm recovers.
    report_lines(chain, int(time.time() * 1000), 1, None)
    wait_for_state(chain, "scheduling-agent-lambda-errors", "OK", within_s=2 * TICK_S + 1)

    [ok_email] = chain.mailbox.wait_for(emails_before + 2)[emails_before + 1 :]
    [http_ok] = chain.webhook.wait_for(3)[2:]
    [page_resolve] = chain.pagerduty.wait_for(2)[1:]
    assert ok_email["Subject"] == 'OK: "scheduling-agent-lambda-errors" in US East (N. Virginia)'
    assert notification(http_ok)["NewStateValue"] == "OK"
    resolve = page_resolve.json()
    assert (resolve["event_action"], resolve["dedup_key"]) == ("resolve", trigger["dedup_key"])
    assert len(chain.slack.wait_for(2)) == 2

    # The other seed alarms have no data: they stay INSUFFICIENT_DATA and notify nobody.
    assert alarm_state(chain, "scheduling-agent-db-connections-high") == "INSUFFICIENT_DATA"
