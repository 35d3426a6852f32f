"""SNS subscriptions: the confirmation handshake over real HTTP, ConfirmSubscription, Unsubscribe and the
UnsubscribeURL, attributes, paging."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson
import pytest
from botocore.exceptions import ClientError
from sns_helpers import confirm_http, error_code

if TYPE_CHECKING:
    from http_receiver import HttpReceiver


def test_an_http_subscription_starts_pending_and_is_sent_a_confirmation(
    sns_client: Any, topic: str, http_receiver: HttpReceiver
) -> None:
    answer = sns_client.subscribe(TopicArn=topic, Protocol="http", Endpoint=http_receiver.url + "/sns")
    request = http_receiver.wait_for(1)[0]
    envelope = request.json()
    assert answer["SubscriptionArn"] == "pending confirmation"
    assert request.method == "POST" and request.path == "/sns"
    assert request.headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    assert request.headers["x-amz-sns-topic-arn"] == topic
    assert (envelope["Type"], envelope["TopicArn"]) == ("SubscriptionConfirmation", topic)
    assert envelope["Token"] in envelope["SubscribeURL"]
    listed = sns_client.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [s["SubscriptionArn"] for s in listed] == ["PendingConfirmation"]


def test_visiting_the_subscribe_url_confirms(sns_client: Any, topic: str, http_receiver: HttpReceiver) -> None:
    arn = confirm_http(sns_client, topic, http_receiver)
    attributes = sns_client.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert arn.startswith(topic + ":")
    assert attributes["PendingConfirmation"] == "false"
    assert attributes["ConfirmationWasAuthenticated"] == "false"
    assert sns_client.list_subscriptions()["Subscriptions"][0]["SubscriptionArn"] == arn


def test_confirm_subscription_with_the_token_confirms_authenticated(
    sns_client: Any, topic: str, http_receiver: HttpReceiver
) -> None:
    sns_client.subscribe(TopicArn=topic, Protocol="http", Endpoint=http_receiver.url)
    token = http_receiver.wait_for(1)[0].json()["Token"]
    arn = sns_client.confirm_subscription(TopicArn=topic, Token=token, AuthenticateOnUnsubscribe="true")[
        "SubscriptionArn"
    ]
    attributes = sns_client.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attributes["ConfirmationWasAuthenticated"] == "true"


def test_a_wrong_token_is_invalid(sns_client: Any, topic: str, http_receiver: HttpReceiver) -> None:
    sns_client.subscribe(TopicArn=topic, Protocol="http", Endpoint=http_receiver.url)
    http_receiver.wait_for(1)
    with pytest.raises(ClientError) as error:
        sns_client.confirm_subscription(TopicArn=topic, Token="0" * 64)
    assert error_code(error) == "InvalidParameter"


def test_return_subscription_arn_gives_the_arn_of_a_pending_subscription(sns_client: Any, topic: str) -> None:
    arn = sns_client.subscribe(
        TopicArn=topic, Protocol="email", Endpoint="ops@example.com", ReturnSubscriptionArn=True
    )["SubscriptionArn"]
    attributes = sns_client.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attributes["PendingConfirmation"] == "true"
    assert (attributes["Protocol"], attributes["Endpoint"]) == ("email", "ops@example.com")


@pytest.mark.parametrize(("protocol", "endpoint"), [("slack", "https://hooks.example/T1"), ("pagerduty", "R0UTINGKEY")])
def test_slack_and_pagerduty_subscriptions_are_confirmed_at_once(
    sns_client: Any, topic: str, protocol: str, endpoint: str
) -> None:
    arn = sns_client.subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint)["SubscriptionArn"]
    assert arn.startswith(topic + ":")
    assert sns_client.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]["PendingConfirmation"] == "false"


def test_subscribing_the_same_endpoint_again_returns_the_same_subscription(sns_client: Any, topic: str) -> None:
    first = sns_client.subscribe(TopicArn=topic, Protocol="slack", Endpoint="https://hooks.example/T1")
    again = sns_client.subscribe(TopicArn=topic, Protocol="slack", Endpoint="https://hooks.example/T1")
    assert again["SubscriptionArn"] == first["SubscriptionArn"]


@pytest.mark.parametrize(
    ("protocol", "endpoint", "code"),
    [
        ("carrier-pigeon", "coop", "InvalidParameter"),
        ("sqs", "arn:aws:sqs:us-east-1:000000000000:q", "InvalidParameter"),
        ("http", "https://example.com/", "InvalidParameter"),
        ("https", "http://example.com/", "InvalidParameter"),
        ("email", "not-an-address", "InvalidParameter"),
    ],
)
def test_subscribe_refuses_bad_protocols_and_endpoints(
    sns_client: Any, topic: str, protocol: str, endpoint: str, code: str
) -> None:
    with pytest.raises(ClientError) as error:
        sns_client.subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint)
    assert error_code(error) == code


def test_subscribe_to_a_missing_topic_is_not_found(sns_client: Any, topic: str) -> None:
    with pytest.raises(ClientError) as error:
        sns_client.subscribe(TopicArn=topic + "-gone", Protocol="slack", Endpoint="https://hooks.example/T1")
    assert error_code(error) == "NotFound"


def test_raw_message_delivery_is_refused_for_email(sns_client: Any, topic: str) -> None:
    with pytest.raises(ClientError) as error:
        sns_client.subscribe(
            TopicArn=topic, Protocol="email", Endpoint="a@example.com", Attributes={"RawMessageDelivery": "true"}
        )
    assert error_code(error) == "InvalidParameter"


def test_subscription_attributes_are_set_and_read(sns_client: Any, topic: str, http_receiver: HttpReceiver) -> None:
    arn = confirm_http(sns_client, topic, http_receiver)
    policy = {"healthyRetryPolicy": {"numRetries": 6, "minDelayTarget": 1, "maxDelayTarget": 9}}
    filter_policy = {"severity": ["P1", "P2"]}
    for name, value in [
        ("RawMessageDelivery", "true"),
        ("DeliveryPolicy", orjson.dumps(policy).decode()),
        ("FilterPolicy", orjson.dumps(filter_policy).decode()),
        ("RedrivePolicy", '{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq"}'),
    ]:
        sns_client.set_subscription_attributes(SubscriptionArn=arn, AttributeName=name, AttributeValue=value)
    attributes = sns_client.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    effective = orjson.loads(attributes["EffectiveDeliveryPolicy"])["healthyRetryPolicy"]
    assert attributes["RawMessageDelivery"] == "true"
    assert orjson.loads(attributes["FilterPolicy"]) == filter_policy
    assert attributes["FilterPolicyScope"] == "MessageAttributes"
    assert (effective["numRetries"], effective["minDelayTarget"], effective["maxDelayTarget"]) == (6, 1, 9)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FilterPolicy", '{"a": {"b": ["c"]}}'),  # nested keys need the MessageBody scope
        ("FilterPolicy", '{"a": ["b"], "c": ["d"], "e": ["f"], "g": ["h"], "i": ["j"], "k": ["l"]}'),
        ("FilterPolicy", '{"a": [{"numeric": [">", "ten"]}]}'),
        ("FilterPolicy", '{"a": [{"wildcard-ish": "x"}]}'),
        ("FilterPolicyScope", "Everything"),
        ("DeliveryPolicy", '{"healthyRetryPolicy": {"numRetries": 100, "minDelayTarget": 60, "maxDelayTarget": 60}}'),
        ("Owner", "someone"),
    ],
)
def test_set_subscription_attributes_refuses_what_aws_refuses(
    sns_client: Any, topic: str, http_receiver: HttpReceiver, name: str, value: str
) -> None:
    arn = confirm_http(sns_client, topic, http_receiver)
    with pytest.raises(ClientError) as error:
        sns_client.set_subscription_attributes(SubscriptionArn=arn, AttributeName=name, AttributeValue=value)
    assert error_code(error) == "InvalidParameter"


def test_a_filter_policy_with_too_many_combinations_is_refused(sns_client: Any, topic: str) -> None:
    arn = sns_client.subscribe(TopicArn=topic, Protocol="slack", Endpoint="https://hooks.example/T1")["SubscriptionArn"]
    policy = {"a": [str(i) for i in range(13)], "b": [str(i) for i in range(12)]}  # 156 combinations
    with pytest.raises(ClientError) as error:
        sns_client.set_subscription_attributes(
            SubscriptionArn=arn, AttributeName="FilterPolicy", AttributeValue=orjson.dumps(policy).decode()
        )
    assert error_code(error) == "InvalidParameter"


def test_unsubscribe_removes_the_subscription(sns_client: Any, topic: str) -> None:
    arn = sns_client.subscribe(TopicArn=topic, Protocol="slack", Endpoint="https://hooks.example/T1")["SubscriptionArn"]
    sns_client.unsubscribe(SubscriptionArn=arn)
    with pytest.raises(ClientError) as error:
        sns_client.get_subscription_attributes(SubscriptionArn=arn)
    assert error_code(error) == "NotFound"


def test_unsubscribing_an_http_subscription_sends_an_unsubscribe_confirmation(
    sns_client: Any, topic: str, http_receiver: HttpReceiver
) -> None:
    arn = confirm_http(sns_client, topic, http_receiver)
    sns_client.unsubscribe(SubscriptionArn=arn)
    request = http_receiver.wait_for(2)[1]
    assert request.json()["Type"] == "UnsubscribeConfirmation"


def test_the_unsubscribe_url_unsubscribes(sns_client: Any, topic: str, http_receiver: HttpReceiver) -> None:
    arn = confirm_http(sns_client, topic, http_receiver)
    sns_client.publish(TopicArn=topic, Message="hi")
    unsubscribe_url = http_receiver.wait_for(2)[1].json()["UnsubscribeURL"]
    with urllib.request.urlopen(unsubscribe_url, timeout=10) as response:
        assert b"UnsubscribeResponse" in response.read()
    assert arn not in [s["SubscriptionArn"] for s in sns_client.list_subscriptions()["Subscriptions"]]


def test_the_unsubscribe_url_is_refused_after_authenticate_on_unsubscribe(
    vigil: Any, sns_client: Any, topic: str, http_receiver: HttpReceiver
) -> None:
    sns_client.subscribe(TopicArn=topic, Protocol="http", Endpoint=http_receiver.url)
    token = http_receiver.wait_for(1)[0].json()["Token"]
    arn = sns_client.confirm_subscription(TopicArn=topic, Token=token, AuthenticateOnUnsubscribe="true")[
        "SubscriptionArn"
    ]
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{vigil.endpoint_url}/?Action=Unsubscribe&SubscriptionArn={arn}", timeout=10)
    assert error.value.code == 403
    assert b"AuthorizationError" in error.value.read()


def test_list_subscriptions_by_topic_pages_by_one_hundred(sns_client: Any, topic: str) -> None:
    other = sns_client.create_topic(Name="other")["TopicArn"]
    sns_client.subscribe(TopicArn=other, Protocol="slack", Endpoint="https://hooks.example/other")
    endpoints = [f"https://hooks.example/{i:03d}" for i in range(130)]
    for endpoint in endpoints:
        sns_client.subscribe(TopicArn=topic, Protocol="slack", Endpoint=endpoint)
    first = sns_client.list_subscriptions_by_topic(TopicArn=topic)
    second = sns_client.list_subscriptions_by_topic(TopicArn=topic, NextToken=first["NextToken"])
    assert len(first["Subscriptions"]) == 100
    assert "NextToken" not in second
    assert [s["Endpoint"] for s in first["Subscriptions"] + second["Subscriptions"]] == endpoints


def test_list_subscriptions_by_topic_of_a_missing_topic_is_not_found(sns_client: Any, topic: str) -> None:
    with pytest.raises(ClientError) as error:
        sns_client.list_subscriptions_by_topic(TopicArn=topic + "-gone")
    assert error_code(error) == "NotFound"


def test_the_aws_cli_subscribes_and_lists(aws: Callable[..., Any]) -> None:
    arn = aws("sns", "create-topic", "--name", "cli")["TopicArn"]
    aws("sns", "subscribe", "--topic-arn", arn, "--protocol", "slack", "--notification-endpoint", "https://h.example/x")
    listed = aws("sns", "list-subscriptions-by-topic", "--topic-arn", arn)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in listed] == [("slack", "https://h.example/x")]
