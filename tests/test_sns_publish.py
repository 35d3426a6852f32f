"""Publish and PublishBatch: AWS's validation and limits, batch results, and filter policies applied at publish
(through real HTTP deliveries)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson
import pytest
from botocore.exceptions import ClientError
from sns_helpers import confirm_http, error_code, notifications

if TYPE_CHECKING:
    from http_receiver import HttpReceiver


def test_publish_returns_a_message_id(sns_client: Any, topic: str) -> None:
    assert len(sns_client.publish(TopicArn=topic, Message="hello")["MessageId"]) == 36


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"Message": ""}, "InvalidParameter"),
        ({"Message": "x" * 262_145}, "InvalidParameter"),
        ({"Message": "x", "Subject": "line\nbreak"}, "InvalidParameter"),
        ({"Message": "x", "Subject": "s" * 101}, "InvalidParameter"),
        ({"Message": "not json", "MessageStructure": "json"}, "InvalidParameter"),
        ({"Message": '{"http": "no default"}', "MessageStructure": "json"}, "InvalidParameter"),
        ({"Message": "x", "MessageGroupId": "g"}, "InvalidParameter"),
        (
            {"Message": "x", "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "ten"}}},
            "ParameterValueInvalid",
        ),
        (
            {"Message": "x", "MessageAttributes": {"n": {"DataType": "Decimal", "StringValue": "1"}}},
            "ParameterValueInvalid",
        ),
        (
            {"Message": "x", "MessageAttributes": {"AWS.x": {"DataType": "String", "StringValue": "1"}}},
            "ParameterValueInvalid",
        ),
        (
            {
                "Message": "x",
                "MessageAttributes": {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)},
            },
            "ParameterValueInvalid",
        ),
    ],
)
def test_publish_refuses_what_aws_refuses(sns_client: Any, topic: str, options: dict[str, Any], code: str) -> None:
    with pytest.raises(ClientError) as error:
        sns_client.publish(TopicArn=topic, **options)
    assert error_code(error) == code


def test_a_message_of_exactly_256_kb_with_its_attributes_is_accepted(sns_client: Any, topic: str) -> None:
    attributes = {"k": {"DataType": "String", "StringValue": "vv"}}
    overhead = len("k") + len("String") + len("vv")
    sns_client.publish(TopicArn=topic, Message="x" * (262_144 - overhead), MessageAttributes=attributes)
    with pytest.raises(ClientError):
        sns_client.publish(TopicArn=topic, Message="x" * (262_145 - overhead), MessageAttributes=attributes)


def test_publish_to_a_missing_topic_is_not_found(sns_client: Any, topic: str) -> None:
    with pytest.raises(ClientError) as error:
        sns_client.publish(TopicArn=topic + "-gone", Message="x")
    assert error_code(error) == "NotFound"


def test_publish_batch_reports_each_entry(sns_client: Any, topic: str) -> None:
    answer = sns_client.publish_batch(
        TopicArn=topic,
        PublishBatchRequestEntries=[
            {"Id": "ok-1", "Message": "first"},
            {"Id": "bad", "Message": "x", "Subject": "bad\nsubject"},
            {"Id": "ok-2", "Message": "second"},
        ],
    )
    assert [s["Id"] for s in answer["Successful"]] == ["ok-1", "ok-2"]
    assert [(f["Id"], f["Code"], f["SenderFault"]) for f in answer["Failed"]] == [("bad", "InvalidParameter", True)]


@pytest.mark.parametrize(
    ("entries", "code"),
    [
        ([], "EmptyBatchRequest"),
        ([{"Id": f"e{i}", "Message": "m"} for i in range(11)], "TooManyEntriesInBatchRequest"),
        ([{"Id": "same", "Message": "a"}, {"Id": "same", "Message": "b"}], "BatchEntryIdsNotDistinct"),
        ([{"Id": "has space", "Message": "a"}], "InvalidBatchEntryId"),
        ([{"Id": "a", "Message": "x" * 200_000}, {"Id": "b", "Message": "y" * 70_000}], "BatchRequestTooLong"),
    ],
)
def test_publish_batch_refuses_what_aws_refuses(
    sns_client: Any, topic: str, entries: list[dict[str, str]], code: str
) -> None:
    with pytest.raises(ClientError) as error:
        sns_client.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)
    assert error_code(error) == code


def test_publish_batch_delivers_every_entry(sns_client: Any, topic: str, http_receiver: HttpReceiver) -> None:
    confirm_http(sns_client, topic, http_receiver)
    entries = [{"Id": f"e{i}", "Message": f"message {i}"} for i in range(10)]
    sns_client.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)
    received = {r.json()["Message"] for r in notifications(http_receiver, 10)}
    assert received == {e["Message"] for e in entries}


def test_a_pending_subscription_receives_no_notification(
    sns_client: Any, topic: str, http_receiver: HttpReceiver
) -> None:
    sns_client.subscribe(TopicArn=topic, Protocol="http", Endpoint=http_receiver.url + "/pending")
    http_receiver.wait_for(1)
    confirm_http(sns_client, topic, http_receiver, "/confirmed")
    sns_client.publish(TopicArn=topic, Message="only the confirmed")
    sns_client.publish(TopicArn=topic, Message="sentinel")
    assert {r.path for r in notifications(http_receiver, 2)} == {"/confirmed"}


def test_a_filter_policy_on_attributes_selects_messages(
    sns_client: Any, topic: str, http_receiver: HttpReceiver
) -> None:
    policy = {"severity": ["P1", {"prefix": "crit"}], "score": [{"numeric": [">=", 90]}]}
    confirm_http(sns_client, topic, http_receiver, "/filtered", FilterPolicy=orjson.dumps(policy).decode())
    confirm_http(sns_client, topic, http_receiver, "/all")
    cases = [
        ("P1", "95", True),
        ("critical", "90", True),
        ("P2", "99", False),
        ("P1", "89.5", False),
    ]
    for severity, score, _ in cases:
        sns_client.publish(
            TopicArn=topic,
            Message=f"{severity}/{score}",
            MessageAttributes={
                "severity": {"DataType": "String", "StringValue": severity},
                "score": {"DataType": "Number", "StringValue": score},
            },
        )
    notifications(http_receiver, len(cases), "/all")
    expected = {f"{s}/{n}" for s, n, wanted in cases if wanted}
    received = {r.json()["Message"] for r in notifications(http_receiver, len(expected), "/filtered")}
    assert received == expected


def test_a_filter_policy_on_the_body_matches_nested_keys(
    sns_client: Any, topic: str, http_receiver: HttpReceiver
) -> None:
    policy = {"alarm": {"state": ["ALARM"], "region": [{"anything-but": "eu-west-1"}]}}
    confirm_http(
        sns_client,
        topic,
        http_receiver,
        "/filtered",
        FilterPolicy=orjson.dumps(policy).decode(),
        FilterPolicyScope="MessageBody",
    )
    confirm_http(sns_client, topic, http_receiver, "/all")
    bodies = [
        {"alarm": {"state": "ALARM", "region": "us-east-1"}},
        {"alarm": {"state": "OK", "region": "us-east-1"}},
        {"alarm": {"state": "ALARM", "region": "eu-west-1"}},
        {"state": "ALARM"},
    ]
    for body in bodies:
        sns_client.publish(TopicArn=topic, Message=orjson.dumps(body).decode())
    notifications(http_receiver, len(bodies), "/all")
    received = [orjson.loads(r.json()["Message"]) for r in notifications(http_receiver, 1, "/filtered")]
    assert received == [bodies[0]]


def test_the_aws_cli_publishes(aws: Callable[..., Any]) -> None:
    arn = aws("sns", "create-topic", "--name", "cli")["TopicArn"]
    answer = aws("sns", "publish", "--topic-arn", arn, "--message", "from the CLI", "--subject", "Hi")
    assert len(answer["MessageId"]) == 36
