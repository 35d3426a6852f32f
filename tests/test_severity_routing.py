"""The severity-routing recipe of docs/notifications.md, run as written through the aws CLI: P1 pages (PagerDuty)
and tells the team (Slack, email), P2 tells the team, P3 stays in the alarm's history."""

from __future__ import annotations

import json
import time
from typing import Any

from alerting_chain import ROUTING_KEY, Chain, confirm_email
from http_receiver import ReceivedRequest

ALARM = ["cloudwatch", "put-metric-alarm", "--region", "us-east-1"]
LOAD_BALANCER = ["--dimensions", "Name=LoadBalancer,Value=app/orders/50dc6c495c0c9188"]


def recipe(chain: Chain) -> None:
    aws = chain.aws
    p1 = aws("sns", "create-topic", "--name", "alerts-p1", "--region", "us-east-1")["TopicArn"]
    p2 = aws("sns", "create-topic", "--name", "alerts-p2", "--region", "us-east-1")["TopicArn"]

    def subscribe(topic: str, protocol: str, endpoint: str) -> None:
        aws("sns", "subscribe", "--topic-arn", topic, "--protocol", protocol, "--notification-endpoint", endpoint,
            "--region", "us-east-1")  # fmt: skip

    subscribe(p1, "pagerduty", ROUTING_KEY)
    subscribe(p1, "slack", chain.slack.url + "/p1")
    subscribe(p1, "email", "oncall@example.com")
    confirm_email(chain, already=0)
    subscribe(p2, "slack", chain.slack.url + "/p2")
    subscribe(p2, "email", "team@example.com")
    confirm_email(chain, already=1)
    aws(*ALARM, "--alarm-name", "orders-5xx", "--alarm-description", "5xx responses of the orders API",
        "--namespace", "AWS/ApplicationELB", "--metric-name", "HTTPCode_Target_5XX_Count", *LOAD_BALANCER,
        "--statistic", "Sum", "--period", "60", "--evaluation-periods", "3", "--datapoints-to-alarm", "2",
        "--threshold", "5", "--comparison-operator", "GreaterThanThreshold", "--treat-missing-data", "notBreaching",
        "--alarm-actions", p1, "--ok-actions", p1)  # fmt: skip
    aws(*ALARM, "--alarm-name", "orders-p99-latency",
        "--namespace", "AWS/ApplicationELB", "--metric-name", "TargetResponseTime", *LOAD_BALANCER,
        "--extended-statistic", "p99", "--period", "60", "--evaluation-periods", "5",
        "--threshold", "1.5", "--comparison-operator", "GreaterThanThreshold",
        "--alarm-actions", p2, "--ok-actions", p2)  # fmt: skip
    aws(*ALARM, "--alarm-name", "orders-db-connections",
        "--namespace", "AWS/RDS", "--metric-name", "DatabaseConnections",
        "--dimensions", "Name=DBInstanceIdentifier,Value=orders",
        "--statistic", "Maximum", "--period", "300", "--evaluation-periods", "1",
        "--threshold", "90", "--comparison-operator", "GreaterThanOrEqualToThreshold")  # fmt: skip


def set_state(chain: Chain, name: str, state: str) -> None:
    chain.aws("cloudwatch", "set-alarm-state", "--alarm-name", name, "--state-value", state,
              "--state-reason", "testing the route", "--region", "us-east-1")  # fmt: skip


def mails_to(chain: Chain, address: str, subject_start: str) -> int:
    return sum(
        1
        for envelope, message in zip(chain.mailbox.envelopes, chain.mailbox.messages(), strict=True)
        if address in envelope.rcpt_tos and str(message["Subject"]).startswith(subject_start)
    )


def posted(requests: list[ReceivedRequest], path: str, alarm: str) -> int:
    return sum(1 for r in requests if r.path == path and alarm in r.body.decode())


def wait_until(check: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the deliveries did not arrive"
        time.sleep(0.05)


def test_p1_pages_and_tells_the_team_and_its_recovery_resolves_the_page(chain: Chain) -> None:
    recipe(chain)

    set_state(chain, "orders-5xx", "ALARM")
    wait_until(
        lambda: mails_to(chain, "oncall@example.com", "ALARM") and posted(chain.slack.requests, "/p1", "orders-5xx")
    )
    # The next tick may set it back to OK before the command below does (no data, not breaching): either way, OK.
    set_state(chain, "orders-5xx", "OK")

    # (The alarm's first evaluation, OK for want of data, may have sent a resolve before anything was triggered.)
    def after_trigger() -> list[dict[str, Any]]:
        actions = [request.json() for request in chain.pagerduty.requests]
        first = next((i for i, e in enumerate(actions) if e["event_action"] == "trigger"), len(actions))
        return actions[first:]

    wait_until(lambda: [e["event_action"] for e in after_trigger()][:2] == ["trigger", "resolve"])
    trigger, resolve = after_trigger()[:2]
    assert resolve["dedup_key"] == trigger["dedup_key"]
    assert mails_to(chain, "team@example.com", "ALARM") == 0 and posted(chain.slack.requests, "/p2", "orders") == 0


def test_p2_tells_the_team_and_pages_nobody(chain: Chain) -> None:
    recipe(chain)

    set_state(chain, "orders-p99-latency", "ALARM")
    wait_until(
        lambda: mails_to(chain, "team@example.com", "ALARM") and posted(chain.slack.requests, "/p2", "orders-p99")
    )

    # (The P1 alarm's first evaluation, OK for want of data, may send PagerDuty a resolve: never a trigger.)
    pages = [request.json()["event_action"] for request in chain.pagerduty.requests]
    assert "trigger" not in pages and mails_to(chain, "oncall@example.com", "ALARM") == 0


def test_p3_is_recorded_in_history_and_delivered_nowhere(chain: Chain) -> None:
    recipe(chain)

    set_state(chain, "orders-db-connections", "ALARM")
    history = chain.aws("cloudwatch", "describe-alarm-history", "--alarm-name", "orders-db-connections",
                        "--history-item-type", "StateUpdate", "--region", "us-east-1")  # fmt: skip
    time.sleep(1.0)  # time enough for a delivery that should not happen to arrive

    updates = [json.loads(item["HistoryData"])["newState"]["stateValue"] for item in history["AlarmHistoryItems"]]
    assert "ALARM" in updates
    everything = [r.body.decode() for r in chain.slack.requests + chain.pagerduty.requests + chain.webhook.requests]
    assert not any("orders-db-connections" in body for body in everything)
    assert not any("orders-db-connections" in str(m["Subject"]) for m in chain.mailbox.messages())
