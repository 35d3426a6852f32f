"""The PagerDuty channel posting Events API v2 events to a real local HTTP receiver standing in for
events.pagerduty.com: the event schema, trigger/resolve pairing on one dedup key per alarm, severities, and
which answers are retryable."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import pytest
from channel_helpers import ALARM_ARN, TOPIC_ARN, alarm_document, delivery

from vigil.engine.notifications.channels.base import DeliveryFailed
from vigil.engine.notifications.channels.http_post import RateLimited
from vigil.engine.notifications.channels.pagerduty import PagerDutyChannel

if TYPE_CHECKING:
    from http_receiver import HttpReceiver

ROUTING_KEY = "R0123456789abcdef0123456789abcde"
EVENTS_PATH = "/v2/enqueue"
ACCEPTED = {"status": "success", "message": "Event processed", "dedup_key": "x"}


def assert_valid_event(event: dict[str, Any]) -> None:
    """PagerDuty's Events API v2 schema (developer.pagerduty.com, "Send an Alert Event"): routing_key and
    event_action required; dedup_key at most 255 characters; a trigger's payload needs summary (at most 1,024
    characters), source and a severity of critical, error, warning or info; the rest typed as documented;
    at most 512 KB in all."""
    assert isinstance(event["routing_key"], str) and event["routing_key"]
    assert event["event_action"] in {"trigger", "acknowledge", "resolve"}
    assert isinstance(event.get("dedup_key", ""), str) and len(event.get("dedup_key", "")) <= 255
    assert len(json.dumps(event).encode()) <= 512 * 1024
    if event["event_action"] != "trigger":
        assert event["dedup_key"]
        return
    payload = event["payload"]
    assert isinstance(payload["summary"], str) and 1 <= len(payload["summary"]) <= 1024
    assert isinstance(payload["source"], str) and payload["source"]
    assert payload["severity"] in {"critical", "error", "warning", "info"}
    if "timestamp" in payload:
        dt.datetime.fromisoformat(payload["timestamp"].replace("+0000", "+00:00"))
    for name in ("component", "group", "class"):
        assert isinstance(payload.get(name, ""), str)
    assert isinstance(payload.get("custom_details", {}), dict)
    for link in event.get("links", []):
        assert isinstance(link["href"], str)


def send(receiver: HttpReceiver, message: str | dict[str, Any] = "Orders are failing", **fields: Any) -> Any:
    receiver.reply_next(status=202, body=ACCEPTED)
    channel = PagerDutyChannel(receiver.url + EVENTS_PATH, timeout=2)
    channel.send(delivery("pagerduty", ROUTING_KEY, message, **fields))
    request = receiver.requests[-1]
    assert (request.method, request.path, request.headers["content-type"]) == ("POST", EVENTS_PATH, "application/json")
    event = request.json()
    assert_valid_event(event)
    return event


def test_an_alarm_triggers_with_its_arn_as_dedup_key(http_receiver: HttpReceiver) -> None:
    document = alarm_document()
    event = send(http_receiver, document)
    payload = event["payload"]
    assert (event["routing_key"], event["event_action"], event["dedup_key"]) == (ROUTING_KEY, "trigger", ALARM_ARN)
    assert payload["summary"] == f'ALARM: "{document["AlarmName"]}" in {document["Region"]}'
    assert payload["severity"] == "critical"
    assert payload["timestamp"] == document["StateChangeTime"]
    assert payload["source"] == "LoadBalancer=app/orders/50dc6c495c0c9188"
    assert (payload["component"], payload["group"]) == (document["Trigger"]["MetricName"], "AWS/ApplicationELB")
    assert payload["custom_details"] == document


def test_ok_resolves_the_alert_the_alarm_triggered(http_receiver: HttpReceiver) -> None:
    trigger = send(http_receiver, alarm_document(new="ALARM", old="OK"))
    resolve = send(http_receiver, alarm_document(new="OK", old="ALARM"))
    assert resolve == {"routing_key": ROUTING_KEY, "event_action": "resolve", "dedup_key": trigger["dedup_key"]}


def test_insufficient_data_triggers_a_warning_on_the_same_alert(http_receiver: HttpReceiver) -> None:
    event = send(http_receiver, alarm_document(new="INSUFFICIENT_DATA", old="OK"))
    assert (event["event_action"], event["dedup_key"], event["payload"]["severity"]) == (
        "trigger",
        ALARM_ARN,
        "warning",
    )


@pytest.mark.parametrize("severity", ["critical", "error", "warning", "info"])
def test_the_severity_attribute_sets_the_severity(http_receiver: HttpReceiver, severity: str) -> None:
    attributes = {"severity": {"DataType": "String", "StringValue": severity.upper()}}
    event = send(http_receiver, alarm_document(), attributes=attributes)
    assert event["payload"]["severity"] == severity


def test_a_severity_attribute_outside_pagerduty_enum_is_ignored(http_receiver: HttpReceiver) -> None:
    attributes = {"severity": {"DataType": "String", "StringValue": "P1"}}
    assert send(http_receiver, alarm_document(), attributes=attributes)["payload"]["severity"] == "critical"


def test_a_very_long_alarm_arn_still_makes_one_short_dedup_key(http_receiver: HttpReceiver) -> None:
    name = "a" * 255
    arn = f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}"
    trigger = send(http_receiver, alarm_document(AlarmName=name, AlarmArn=arn))
    resolve = send(http_receiver, alarm_document(new="OK", old="ALARM", AlarmName=name, AlarmArn=arn))
    assert trigger["dedup_key"] == resolve["dedup_key"]
    assert len(trigger["dedup_key"]) <= 255


def test_a_message_triggers_an_alert_of_its_own(http_receiver: HttpReceiver) -> None:
    event = send(http_receiver, "Nightly export failed\nsee the job log", subject="Export failed", message_id="m-1")
    payload = event["payload"]
    assert (event["event_action"], event["dedup_key"]) == ("trigger", "m-1")
    assert (payload["summary"], payload["source"], payload["severity"]) == ("Export failed", "alerts-p1", "critical")
    assert payload["custom_details"]["Message"] == "Nightly export failed\nsee the job log"
    assert payload["custom_details"]["TopicArn"] == TOPIC_ARN


def test_a_message_without_subject_is_summarised_by_its_first_line(http_receiver: HttpReceiver) -> None:
    event = send(http_receiver, "Nightly export failed\nsee the job log")
    assert event["payload"]["summary"] == "Nightly export failed"


def test_a_long_summary_is_cut_to_1024_characters(http_receiver: HttpReceiver) -> None:
    event = send(http_receiver, "x", subject="s" * 5000)
    assert len(event["payload"]["summary"]) == 1024


def test_subscription_handshakes_are_not_sent(http_receiver: HttpReceiver) -> None:
    channel = PagerDutyChannel(http_receiver.url + EVENTS_PATH)
    channel.send(delivery("pagerduty", ROUTING_KEY, "", kind="SubscriptionConfirmation", token="t"))
    assert http_receiver.requests == []


def test_a_429_is_retryable_after_what_retry_after_asks(http_receiver: HttpReceiver) -> None:
    http_receiver.reply_next(status=429, body={"status": "throttle event"}, headers={"Retry-After": "120"})
    with pytest.raises(RateLimited) as failure:
        PagerDutyChannel(http_receiver.url + EVENTS_PATH).send(delivery("pagerduty", ROUTING_KEY))
    assert failure.value.retryable
    assert failure.value.retry_after == 120


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (502, True), (503, True), (400, False), (404, False)])
def test_5xx_are_retryable_and_400_is_not(http_receiver: HttpReceiver, status: int, retryable: bool) -> None:
    http_receiver.reply_next(status=status, body={"status": "invalid event", "errors": ["'payload' is missing"]})
    with pytest.raises(DeliveryFailed) as failure:
        PagerDutyChannel(http_receiver.url + EVENTS_PATH).send(delivery("pagerduty", ROUTING_KEY))
    assert failure.value.retryable is retryable
    assert f"HTTP {status}" in failure.value.reason
    assert ROUTING_KEY not in failure.value.reason


def test_an_unreachable_events_url_is_retryable(http_receiver: HttpReceiver) -> None:
    http_receiver.close()
    with pytest.raises(DeliveryFailed) as failure:
        PagerDutyChannel(http_receiver.url + EVENTS_PATH).send(delivery("pagerduty", ROUTING_KEY))
    assert failure.value.retryable


@pytest.mark.parametrize("endpoint", ["", "two words"])
def test_an_endpoint_that_is_no_routing_key_is_not_retryable(http_receiver: HttpReceiver, endpoint: str) -> None:
    with pytest.raises(DeliveryFailed) as failure:
        PagerDutyChannel(http_receiver.url + EVENTS_PATH).send(delivery("pagerduty", endpoint))
    assert not failure.value.retryable
    assert http_receiver.requests == []
