"""The server answers each AWS service it speaks."""

from typing import Any


def test_a_created_log_group_is_described(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName="smoke")
    names = [g["logGroupName"] for g in logs_client.describe_log_groups()["logGroups"]]
    assert names == ["smoke"]


def test_cloudwatch_list_metrics_with_the_default_client_is_empty(cloudwatch_client: Any) -> None:
    assert cloudwatch_client.list_metrics()["Metrics"] == []


def test_cloudwatch_list_metrics_over_cbor_is_empty(client_over: Any) -> None:
    assert client_over("cloudwatch", "smithy-rpc-v2-cbor").list_metrics()["Metrics"] == []


def test_cloudwatch_list_metrics_over_query_is_empty(client_over: Any) -> None:
    assert client_over("cloudwatch", "query").list_metrics()["Metrics"] == []


def test_cloudwatch_list_metrics_over_json_is_empty(client_over: Any) -> None:
    assert client_over("cloudwatch", "json").list_metrics()["Metrics"] == []


def test_sns_list_topics_is_empty(sns_client: Any) -> None:
    assert sns_client.list_topics()["Topics"] == []


def test_aws_cli_creates_and_describes_a_log_group(aws: Any) -> None:
    aws("logs", "create-log-group", "--log-group-name", "cli-group")
    assert [g["logGroupName"] for g in aws("logs", "describe-log-groups")["logGroups"]] == ["cli-group"]


def test_each_protocol_is_answered_in_its_own_format(client_over: Any) -> None:
    content_types = {
        "cbor": client_over("cloudwatch", "smithy-rpc-v2-cbor").list_metrics(),
        "query": client_over("cloudwatch", "query").list_metrics(),
        "json": client_over("cloudwatch", "json").list_metrics(),
    }
    assert {k: v["ResponseMetadata"]["HTTPHeaders"]["content-type"] for k, v in content_types.items()} == {
        "cbor": "application/cbor",
        "query": "text/xml",
        "json": "application/x-amz-json-1.0",
    }
