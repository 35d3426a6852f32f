"""SNS topics through boto3 and the aws CLI: CreateTopic's idempotence and refusals, attributes, deletion,
paging, tags."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from botocore.exceptions import ClientError
from sns_helpers import error_code


def test_create_topic_returns_the_arn_of_the_name_in_the_region_and_account(sns_client: Any) -> None:
    arn = sns_client.create_topic(Name="alerts")["TopicArn"]
    assert arn == f"arn:aws:sns:{sns_client.meta.region_name}:000000000000:alerts"


def test_create_topic_again_with_the_same_attributes_returns_the_same_arn(sns_client: Any) -> None:
    first = sns_client.create_topic(Name="alerts", Attributes={"DisplayName": "Alerts"})["TopicArn"]
    again = sns_client.create_topic(Name="alerts", Attributes={"DisplayName": "Alerts"})["TopicArn"]
    assert again == first
    assert len(sns_client.list_topics()["Topics"]) == 1


def test_create_topic_again_with_other_attributes_is_invalid(sns_client: Any) -> None:
    sns_client.create_topic(Name="alerts", Attributes={"DisplayName": "Alerts"})
    with pytest.raises(ClientError) as error:
        sns_client.create_topic(Name="alerts", Attributes={"DisplayName": "Other"})
    assert error_code(error) == "InvalidParameter"


@pytest.mark.parametrize("name", ["", "has space", "x" * 257, "dots.not.allowed"])
def test_create_topic_refuses_a_malformed_name(sns_client: Any, name: str) -> None:
    with pytest.raises(ClientError) as error:
        sns_client.create_topic(Name=name)
    assert error_code(error) == "InvalidParameter"


def test_fifo_topics_are_refused(sns_client: Any) -> None:
    with pytest.raises(ClientError) as error:
        sns_client.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true"})
    assert error_code(error) == "InvalidParameter"


def test_get_topic_attributes_reports_aws_attribute_set(sns_client: Any) -> None:
    arn = sns_client.create_topic(Name="alerts", Attributes={"DisplayName": "Pager"})["TopicArn"]
    attributes = sns_client.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["TopicArn"] == arn
    assert attributes["Owner"] == arn.split(":")[4]
    assert attributes["DisplayName"] == "Pager"
    assert (attributes["SubscriptionsConfirmed"], attributes["SubscriptionsPending"]) == ("0", "0")
    assert attributes["SubscriptionsDeleted"] == "0"
    assert orjson.loads(attributes["Policy"])["Statement"][0]["Resource"] == arn
    retry = orjson.loads(attributes["EffectiveDeliveryPolicy"])["http"]["defaultHealthyRetryPolicy"]
    assert (retry["numRetries"], retry["minDelayTarget"], retry["maxDelayTarget"]) == (3, 20, 20)


def test_subscription_counts_follow_subscribe_and_unsubscribe(sns_client: Any) -> None:
    arn = sns_client.create_topic(Name="alerts")["TopicArn"]
    slack = sns_client.subscribe(TopicArn=arn, Protocol="slack", Endpoint="https://hooks.example/1")
    sns_client.subscribe(TopicArn=arn, Protocol="email", Endpoint="ops@example.com")
    sns_client.unsubscribe(SubscriptionArn=slack["SubscriptionArn"])
    attributes = sns_client.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert (attributes["SubscriptionsConfirmed"], attributes["SubscriptionsPending"]) == ("0", "1")
    assert attributes["SubscriptionsDeleted"] == "1"


def test_set_topic_attributes_changes_display_name_and_delivery_policy(sns_client: Any) -> None:
    arn = sns_client.create_topic(Name="alerts")["TopicArn"]
    policy = {"http": {"defaultHealthyRetryPolicy": {"numRetries": 5, "minDelayTarget": 2, "maxDelayTarget": 8}}}
    sns_client.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Ops")
    sns_client.set_topic_attributes(
        TopicArn=arn, AttributeName="DeliveryPolicy", AttributeValue=orjson.dumps(policy).decode()
    )
    attributes = sns_client.get_topic_attributes(TopicArn=arn)["Attributes"]
    effective = orjson.loads(attributes["EffectiveDeliveryPolicy"])["http"]["defaultHealthyRetryPolicy"]
    assert attributes["DisplayName"] == "Ops"
    assert (effective["numRetries"], effective["minDelayTarget"], effective["maxDelayTarget"]) == (5, 2, 8)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NoSuchAttribute", "x"),
        ("SignatureVersion", "3"),
        ("DeliveryPolicy", '{"http": {"defaultHealthyRetryPolicy": {"numRetries": 101}}}'),
        ("DeliveryPolicy", '{"http": {"defaultHealthyRetryPolicy": {"minDelayTarget": 30, "maxDelayTarget": 10}}}'),
        ("DeliveryPolicy", '{"http": {"defaultHealthyRetryPolicy": {"backoffFunction": "cubic"}}}'),
        ("Policy", "not json"),
    ],
)
def test_set_topic_attributes_refuses_what_aws_refuses(sns_client: Any, name: str, value: str) -> None:
    arn = sns_client.create_topic(Name="alerts")["TopicArn"]
    with pytest.raises(ClientError) as error:
        sns_client.set_topic_attributes(TopicArn=arn, AttributeName=name, AttributeValue=value)
    assert error_code(error) == "InvalidParameter"


def test_signature_version_two_is_reported_once_set(sns_client: Any) -> None:
    arn = sns_client.create_topic(Name="alerts", Attributes={"SignatureVersion": "2"})["TopicArn"]
    assert sns_client.get_topic_attributes(TopicArn=arn)["Attributes"]["SignatureVersion"] == "2"


def test_a_missing_topic_is_not_found(sns_client: Any) -> None:
    arn = sns_client.create_topic(Name="alerts")["TopicArn"]
    with pytest.raises(ClientError) as error:
        sns_client.get_topic_attributes(TopicArn=arn + "-gone")
    assert error_code(error) == "NotFound"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_a_topic_of_another_account_is_not_authorized(sns_client: Any) -> None:
    with pytest.raises(ClientError) as error:
        sns_client.get_topic_attributes(TopicArn=f"arn:aws:sns:{sns_client.meta.region_name}:123456789012:theirs")
    assert error_code(error) == "AuthorizationError"


def test_delete_topic_removes_it_and_is_idempotent(sns_client: Any) -> None:
    arn = sns_client.create_topic(Name="alerts")["TopicArn"]
    sns_client.subscribe(TopicArn=arn, Protocol="slack", Endpoint="https://hooks.example/1")
    sns_client.delete_topic(TopicArn=arn)
    sns_client.delete_topic(TopicArn=arn)
    assert sns_client.list_topics()["Topics"] == []
    assert sns_client.list_subscriptions()["Subscriptions"] == []


def test_list_topics_pages_by_one_hundred(sns_client: Any) -> None:
    names = [f"topic-{i:03d}" for i in range(105)]
    for name in names:
        sns_client.create_topic(Name=name)
    first = sns_client.list_topics()
    second = sns_client.list_topics(NextToken=first["NextToken"])
    assert len(first["Topics"]) == 100
    assert "NextToken" not in second
    listed = [t["TopicArn"].rsplit(":", 1)[1] for t in first["Topics"] + second["Topics"]]
    assert sorted(listed) == names


def test_list_topics_refuses_a_token_of_another_listing(sns_client: Any) -> None:
    arn = sns_client.create_topic(Name="alerts")["TopicArn"]
    for i in range(101):
        sns_client.subscribe(TopicArn=arn, Protocol="slack", Endpoint=f"https://hooks.example/{i}")
    token = sns_client.list_subscriptions()["NextToken"]
    with pytest.raises(ClientError) as error:
        sns_client.list_topics(NextToken=token)
    assert error_code(error) == "InvalidParameter"


def test_tags_are_added_listed_and_removed(sns_client: Any) -> None:
    arn = sns_client.create_topic(Name="alerts", Tags=[{"Key": "team", "Value": "ops"}])["TopicArn"]
    sns_client.tag_resource(ResourceArn=arn, Tags=[{"Key": "severity", "Value": "P1"}])
    sns_client.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert sns_client.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "severity", "Value": "P1"}]


def test_tagging_a_missing_topic_is_resource_not_found(sns_client: Any) -> None:
    arn = sns_client.create_topic(Name="alerts")["TopicArn"]
    with pytest.raises(ClientError) as error:
        sns_client.tag_resource(ResourceArn=arn + "-gone", Tags=[{"Key": "k", "Value": "v"}])
    assert error_code(error) == "ResourceNotFound"


def test_more_than_fifty_tags_are_refused(sns_client: Any) -> None:
    arn = sns_client.create_topic(Name="alerts")["TopicArn"]
    with pytest.raises(ClientError) as error:
        sns_client.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)])
    assert error_code(error) == "TagLimitExceeded"


def test_the_aws_cli_creates_lists_and_describes_topics(aws: Callable[..., Any]) -> None:
    arn = aws("sns", "create-topic", "--name", "cli-alerts", "--attributes", "DisplayName=CLI")["TopicArn"]
    listed = aws("sns", "list-topics")["Topics"]
    attributes = aws("sns", "get-topic-attributes", "--topic-arn", arn)["Attributes"]
    assert listed == [{"TopicArn": arn}]
    assert attributes["DisplayName"] == "CLI"
