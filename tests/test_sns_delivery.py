"""SNS deliveries over real HTTP: the signed envelope (verified as AWS's guide says), raw delivery, retries by
the delivery policy, dead letters, and a restart with deliveries pending. The server scales retry delays by
0.01, so AWS's default 20 s between retries is 0.2 s here."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import pytest
from sns_helpers import confirm_http, notifications, verify_signature

from vigil.testing import VigilServer

if TYPE_CHECKING:
    from http_receiver import HttpReceiver

SCALE = "0.01"


@pytest.fixture(scope="module")
def server() -> Iterator[VigilServer]:
    with VigilServer("--ephemeral", "--sns-retry-delay-scale", SCALE, "--log-level", "info") as running:
        yield running


@pytest.fixture
def sns(server: VigilServer) -> Any:
    server.reset()
    return server.client("sns")


@pytest.fixture
def topic(sns: Any) -> str:
    return str(sns.create_topic(Name="alerts")["TopicArn"])


def dead_letters(server: VigilServer, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 15
    while True:
        with urllib.request.urlopen(f"{server.endpoint_url}/_vigil/sns/dead-letters", timeout=10) as response:
            letters = json.loads(response.read())["deadLetters"]
        if len(letters) >= count or time.monotonic() > deadline:
            return list(letters)
        time.sleep(0.05)


def test_a_notification_carries_sns_envelope_and_headers(sns: Any, topic: str, http_receiver: HttpReceiver) -> None:
    arn = confirm_http(sns, topic, http_receiver)
    message_id = sns.publish(
        TopicArn=topic,
        Message="CPU above 90%",
        Subject="ALARM",
        MessageAttributes={"severity": {"DataType": "String", "StringValue": "P1"}},
    )["MessageId"]
    request = notifications(http_receiver, 1)[0]
    envelope = request.json()
    assert request.headers["x-amz-sns-message-id"] == message_id
    assert request.headers["x-amz-sns-subscription-arn"] == arn
    assert request.headers["content-type"] == "text/plain; charset=UTF-8"
    assert (envelope["Type"], envelope["MessageId"], envelope["TopicArn"]) == ("Notification", message_id, topic)
    assert (envelope["Subject"], envelope["Message"]) == ("ALARM", "CPU above 90%")
    assert envelope["MessageAttributes"] == {"severity": {"Type": "String", "Value": "P1"}}
    assert arn in envelope["UnsubscribeURL"]


@pytest.mark.parametrize("version", ["1", "2"])
def test_notifications_verify_with_the_signing_certificate(
    sns: Any, topic: str, http_receiver: HttpReceiver, version: str
) -> None:
    sns.set_topic_attributes(TopicArn=topic, AttributeName="SignatureVersion", AttributeValue=version)
    confirm_http(sns, topic, http_receiver)
    sns.publish(TopicArn=topic, Message='line one\nline "two" ü', Subject="With subject")
    sns.publish(TopicArn=topic, Message="no subject")
    envelopes = [r.json() for r in notifications(http_receiver, 2)]
    assert {e["SignatureVersion"] for e in envelopes} == {version}
    assert all(verify_signature(e) for e in envelopes)


def test_a_tampered_notification_does_not_verify(sns: Any, topic: str, http_receiver: HttpReceiver) -> None:
    confirm_http(sns, topic, http_receiver)
    sns.publish(TopicArn=topic, Message="original")
    envelope = notifications(http_receiver, 1)[0].json()
    assert not verify_signature({**envelope, "Message": "forged"})


def test_subscription_confirmations_verify(sns: Any, topic: str, http_receiver: HttpReceiver) -> None:
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=http_receiver.url)
    assert verify_signature(http_receiver.wait_for(1)[0].json())


def test_raw_message_delivery_posts_the_bare_message(sns: Any, topic: str, http_receiver: HttpReceiver) -> None:
    confirm_http(sns, topic, http_receiver, RawMessageDelivery="true")
    sns.publish(TopicArn=topic, Message='{"alarm": "HighCPU"}')
    request = notifications(http_receiver, 1)[0]
    assert request.body == b'{"alarm": "HighCPU"}'
    assert request.headers["x-amz-sns-rawdelivery"] == "true"


def test_message_structure_json_sends_the_http_entry(sns: Any, topic: str, http_receiver: HttpReceiver) -> None:
    confirm_http(sns, topic, http_receiver)
    structured = {"default": "for everyone", "http": "for http", "email": "for email"}
    sns.publish(TopicArn=topic, Message=orjson.dumps(structured).decode(), MessageStructure="json")
    assert notifications(http_receiver, 1)[0].json()["Message"] == "for http"


def test_a_receiver_failing_twice_gets_the_message_on_the_third_try(
    sns: Any, topic: str, http_receiver: HttpReceiver
) -> None:
    confirm_http(sns, topic, http_receiver)
    http_receiver.reply_next(2, status=503)
    message_id = sns.publish(TopicArn=topic, Message="eventually")["MessageId"]
    attempts = notifications(http_receiver, 3)
    assert [r.json()["MessageId"] for r in attempts] == [message_id] * 3
    assert attempts[2].json()["Message"] == "eventually"


def test_the_subscription_delivery_policy_sets_the_number_of_retries(
    server: VigilServer, sns: Any, topic: str, http_receiver: HttpReceiver
) -> None:
    policy = {"healthyRetryPolicy": {"numRetries": 1, "minDelayTarget": 1, "maxDelayTarget": 1}}
    arn = confirm_http(sns, topic, http_receiver, DeliveryPolicy=orjson.dumps(policy).decode())
    http_receiver.reply_next(10, status=500)
    message_id = sns.publish(TopicArn=topic, Message="lost cause")["MessageId"]
    letters = dead_letters(server, 1)
    attempts = notifications(http_receiver, 2)
    assert [(d["messageId"], d["subscriptionArn"], d["attempts"]) for d in letters] == [(message_id, arn, 2)]
    assert "HTTP 500" in letters[0]["lastError"]
    assert len(attempts) == 2


def test_an_unreachable_endpoint_ends_as_a_dead_letter_after_aws_default_retries(
    server: VigilServer, sns: Any, topic: str
) -> None:
    from http_receiver import HttpReceiver

    with HttpReceiver() as receiver:
        confirm_http(sns, topic, receiver)
    message_id = sns.publish(TopicArn=topic, Message="nobody home")["MessageId"]
    letters = dead_letters(server, 1)
    assert [(d["messageId"], d["attempts"], d["message"]) for d in letters] == [(message_id, 4, "nobody home")]
    assert any(message_id in line and "dead letter" in line for line in server.output)


def test_a_restart_with_deliveries_pending_loses_none(tmp_path: Path) -> None:
    from http_receiver import HttpReceiver, Reply

    data_dir = str(tmp_path / "data")
    slow = {"healthyRetryPolicy": {"numRetries": 50, "minDelayTarget": 20, "maxDelayTarget": 20}}
    with HttpReceiver() as receiver:
        first = VigilServer("--data-dir", data_dir, "--sns-retry-delay-scale", "0.05").start()
        try:
            sns = first.client("sns")
            topic = sns.create_topic(Name="durable")["TopicArn"]
            confirm_http(sns, topic, receiver, DeliveryPolicy=orjson.dumps(slow).decode())
            receiver.default = Reply(status=500)
            ids = [sns.publish(TopicArn=topic, Message=f"m{i}")["MessageId"] for i in range(5)]
        finally:
            first.kill()  # SIGKILL: nothing is flushed or shut down
        receiver.default = Reply()
        failed_before_the_kill = len(receiver.requests)

        def delivered_after_restart() -> list[Any]:
            return [
                r
                for r in receiver.requests[failed_before_the_kill:]
                if r.headers.get("x-amz-sns-message-type") == "Notification"
            ]

        with VigilServer("--data-dir", data_dir, "--sns-retry-delay-scale", "0.05"):
            deadline = time.monotonic() + 20
            while not set(ids) <= {r.json()["MessageId"] for r in delivered_after_restart()}:
                assert time.monotonic() < deadline, "pending deliveries did not arrive after the restart"
                time.sleep(0.05)
            delivered = delivered_after_restart()
    assert {r.json()["Message"] for r in delivered} == {f"m{i}" for i in range(5)}
