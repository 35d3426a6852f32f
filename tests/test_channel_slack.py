"""The Slack channel posting to a real local HTTP receiver standing in for an incoming webhook: the alarm and
message formats (Block Kit in a coloured attachment), Slack's limits, and which answers are retryable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from channel_helpers import ALARM_ARN, LINKS, TOPIC_ARN, alarm_document, delivery

from vigil.engine.notifications.channels.base import DeliveryFailed
from vigil.engine.notifications.channels.http_post import RateLimited
from vigil.engine.notifications.channels.slack import SlackChannel

if TYPE_CHECKING:
    from http_receiver import HttpReceiver

WEBHOOK_PATH = "/services/T000/B000/XXXXXXXX"


def post(receiver: HttpReceiver, message: str | dict[str, Any] = "Orders are failing", **fields: Any) -> Any:
    SlackChannel(LINKS, timeout=2).send(delivery("slack", receiver.url + WEBHOOK_PATH, message, **fields))
    (request,) = receiver.wait_for(1)
    assert (request.method, request.path) == ("POST", WEBHOOK_PATH)
    assert request.headers["content-type"] == "application/json"
    return request.json()


def mrkdwn_texts(blocks: list[dict[str, Any]]) -> list[str]:
    texts = [block["text"]["text"] for block in blocks if "text" in block]
    texts += [item["text"] for block in blocks for item in block.get("fields", []) + block.get("elements", [])]
    return texts


def assert_within_slack_limits(body: dict[str, Any]) -> None:
    """api.slack.com/reference/block-kit/blocks: 50 blocks; 3,000 characters a section text, 2,000 a field,
    10 fields a section, 150 a header."""
    groups = [body.get("blocks", [])] + [attachment.get("blocks", []) for attachment in body.get("attachments", [])]
    for blocks in groups:
        assert len(blocks) <= 50
        for block in blocks:
            assert block["type"] in {"section", "header", "context"}
            if block["type"] == "header":
                assert block["text"]["type"] == "plain_text" and len(block["text"]["text"]) <= 150
            if "text" in block and block["type"] == "section":
                assert len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(len(item["text"]) <= 2000 for item in block.get("fields", []))


def test_an_alarm_is_a_coloured_attachment_with_its_reason_and_details(http_receiver: HttpReceiver) -> None:
    document = alarm_document()
    body = post(http_receiver, document)
    (attachment,) = body["attachments"]
    texts = "\n".join(mrkdwn_texts(attachment["blocks"]))
    trigger = document["Trigger"]
    subject = f'ALARM: "{document["AlarmName"]}" in {document["Region"]}'
    assert body["text"] == subject
    assert attachment["color"] == "danger"
    assert subject in texts
    assert document["NewStateReason"].replace(">", "&gt;") in texts
    assert document["AlarmDescription"] in texts
    assert "*State change*\nOK → ALARM" in texts
    assert f"{trigger['Namespace']} {trigger['MetricName']} [LoadBalancer = " in texts
    assert f"{trigger['ComparisonOperator']} 5.0 for at least 2 of the last 3 period(s) of 60 seconds" in texts
    assert f"*Region*\n{document['Region']}" in texts
    assert "*Time*\nTuesday 01 April, 2025 19:30:51 UTC" in texts
    assert ALARM_ARN in texts
    assert_within_slack_limits(body)


@pytest.mark.parametrize(
    ("new", "old", "colour"),
    [("ALARM", "OK", "danger"), ("OK", "ALARM", "good"), ("INSUFFICIENT_DATA", "OK", "warning")],
)
def test_the_attachment_colour_is_the_new_state(http_receiver: HttpReceiver, new: str, old: str, colour: str) -> None:
    body = post(http_receiver, alarm_document(new=new, old=old))
    assert body["attachments"][0]["color"] == colour
    assert f"{old} → {new}" in "\n".join(mrkdwn_texts(body["attachments"][0]["blocks"]))


def test_a_message_is_its_subject_as_header_and_its_text(http_receiver: HttpReceiver) -> None:
    body = post(http_receiver, "Deploy 4711 rolled back", subject="Orders deploy")
    header, section = body["blocks"][:2]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": "Orders deploy"}}
    assert section["text"]["text"] == "Deploy 4711 rolled back"
    assert body["text"] == "Orders deploy"
    assert "alerts-p1" in body["blocks"][-1]["elements"][0]["text"]


def test_message_text_is_escaped_so_it_cannot_mention_everyone(http_receiver: HttpReceiver) -> None:
    body = post(http_receiver, "<!channel> R&D <https://evil.example|click>")
    assert body["blocks"][0]["text"]["text"] == "&lt;!channel&gt; R&amp;D &lt;https://evil.example|click&gt;"


def test_a_long_message_is_split_into_sections_within_slack_limits(http_receiver: HttpReceiver) -> None:
    message = "".join(f"line {n:05d}\n" for n in range(1000))  # 11,000 characters
    body = post(http_receiver, message)
    sections = [block["text"]["text"] for block in body["blocks"] if block["type"] == "section"]
    assert "".join(sections) == message
    assert_within_slack_limits(body)


def test_a_huge_message_is_cut_at_slack_block_limit(http_receiver: HttpReceiver) -> None:
    body = post(http_receiver, "x" * 200_000, subject="big")
    assert len(body["blocks"]) == 50
    assert body["blocks"][-2]["text"]["text"].endswith("…")
    assert_within_slack_limits(body)


def test_a_subscription_confirmation_links_the_subscribe_url(http_receiver: HttpReceiver) -> None:
    body = post(http_receiver, "", kind="SubscriptionConfirmation", token="2336412f37fb687f")
    assert TOPIC_ARN in body["text"]
    assert f"<{LINKS.subscribe_url(TOPIC_ARN, '2336412f37fb687f')}|Confirm subscription>" in body["text"]


def test_a_429_is_retryable_after_what_retry_after_asks(http_receiver: HttpReceiver) -> None:
    http_receiver.reply_next(status=429, body="rate_limited", headers={"Retry-After": "30"})
    with pytest.raises(RateLimited) as failure:
        SlackChannel(LINKS).send(delivery("slack", http_receiver.url + WEBHOOK_PATH))
    assert failure.value.retryable
    assert failure.value.retry_after == 30


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (503, True), (400, False), (403, False), (404, False)])
def test_5xx_are_retryable_and_other_4xx_are_not(http_receiver: HttpReceiver, status: int, retryable: bool) -> None:
    http_receiver.reply_next(status=status, body="no_service")
    with pytest.raises(DeliveryFailed) as failure:
        SlackChannel(LINKS).send(delivery("slack", http_receiver.url + WEBHOOK_PATH))
    assert failure.value.retryable is retryable
    assert f"HTTP {status}" in failure.value.reason and "no_service" in failure.value.reason


def test_a_reason_never_shows_the_secret_webhook_path(http_receiver: HttpReceiver) -> None:
    http_receiver.reply_next(status=404, body="no_service")
    with pytest.raises(DeliveryFailed) as failure:
        SlackChannel(LINKS).send(delivery("slack", http_receiver.url + WEBHOOK_PATH))
    assert "XXXXXXXX" not in failure.value.reason


def test_a_webhook_that_is_down_is_retryable(http_receiver: HttpReceiver) -> None:
    http_receiver.close()  # its port now refuses connections
    with pytest.raises(DeliveryFailed) as failure:
        SlackChannel(LINKS).send(delivery("slack", http_receiver.url + WEBHOOK_PATH))
    assert failure.value.retryable


def test_a_webhook_that_does_not_answer_in_time_is_retryable(http_receiver: HttpReceiver) -> None:
    http_receiver.reply_next(delay=1.0)
    with pytest.raises(DeliveryFailed) as failure:
        SlackChannel(LINKS, timeout=0.2).send(delivery("slack", http_receiver.url + WEBHOOK_PATH))
    assert failure.value.retryable


def test_a_redirect_is_not_followed_and_not_retryable(http_receiver: HttpReceiver) -> None:
    http_receiver.reply_next(status=301, headers={"Location": http_receiver.url + "/moved"})
    with pytest.raises(DeliveryFailed) as failure:
        SlackChannel(LINKS).send(delivery("slack", http_receiver.url + WEBHOOK_PATH))
    assert not failure.value.retryable
    assert len(http_receiver.requests) == 1


def test_an_endpoint_that_is_no_url_is_not_retryable() -> None:
    with pytest.raises(DeliveryFailed) as failure:
        SlackChannel(LINKS).send(delivery("slack", "#alerts"))
    assert not failure.value.retryable
