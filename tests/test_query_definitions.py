"""Saved Logs Insights queries: PutQueryDefinition, DescribeQueryDefinitions and DeleteQueryDefinition,
through boto3 and the aws CLI, and their survival across a restart."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from logs_helpers import error_code, now_ms

from vigil.testing import VigilServer

Aws = Callable[..., Any]


def names(logs: Any, **kwargs: Any) -> list[str]:
    return [d["name"] for d in logs.describe_query_definitions(**kwargs)["queryDefinitions"]]


def test_put_query_definition_creates_a_definition_with_a_new_id(logs_client: Any) -> None:
    before = now_ms()
    definition_id = logs_client.put_query_definition(
        name="errors", queryString="fields @message | filter level = 'ERROR'", logGroupNames=["/app/orders"]
    )["queryDefinitionId"]

    (found,) = logs_client.describe_query_definitions()["queryDefinitions"]

    assert str(uuid.UUID(definition_id)) == definition_id
    assert found["queryDefinitionId"] == definition_id
    assert found["name"] == "errors"
    assert found["queryString"] == "fields @message | filter level = 'ERROR'"
    assert found["logGroupNames"] == ["/app/orders"]
    assert found["queryLanguage"] == "CWLI"
    assert before <= found["lastModified"] <= now_ms()


def test_each_put_without_an_id_creates_another_definition(logs_client: Any) -> None:
    first = logs_client.put_query_definition(name="same", queryString="fields a")["queryDefinitionId"]
    second = logs_client.put_query_definition(name="same", queryString="fields a")["queryDefinitionId"]

    assert first != second
    assert names(logs_client) == ["same", "same"]


def test_put_with_an_id_replaces_every_field_of_that_definition(logs_client: Any) -> None:
    definition_id = logs_client.put_query_definition(name="old", queryString="fields a", logGroupNames=["/app/orders"])[
        "queryDefinitionId"
    ]

    again = logs_client.put_query_definition(queryDefinitionId=definition_id, name="new", queryString="fields b")

    (found,) = logs_client.describe_query_definitions()["queryDefinitions"]
    assert again["queryDefinitionId"] == definition_id
    assert (found["name"], found["queryString"]) == ("new", "fields b")
    assert found["logGroupNames"] == []  # left out of the update, so emptied, as AWS documents


def test_put_with_an_unknown_id_is_resource_not_found(logs_client: Any) -> None:
    call = lambda: logs_client.put_query_definition(  # noqa: E731
        queryDefinitionId=str(uuid.uuid4()), name="x", queryString="fields a"
    )

    assert error_code(call) == "ResourceNotFoundException"


def test_query_strings_are_saved_without_being_parsed(logs_client: Any) -> None:
    logs_client.put_query_definition(name="templated", queryString="filter status = {{status}} | |")

    assert logs_client.describe_query_definitions()["queryDefinitions"][0]["queryString"] == (
        "filter status = {{status}} | |"
    )


def test_query_parameters_are_saved(logs_client: Any) -> None:
    parameters = [{"name": "status", "defaultValue": "500", "description": "HTTP status"}]
    logs_client.put_query_definition(name="by-status", queryString="filter status = {{status}}", parameters=parameters)

    assert logs_client.describe_query_definitions()["queryDefinitions"][0]["parameters"] == parameters


def test_a_repeated_client_token_does_not_create_a_second_definition(logs_client: Any) -> None:
    token = str(uuid.uuid4())
    first = logs_client.put_query_definition(name="once", queryString="fields a", clientToken=token)
    second = logs_client.put_query_definition(name="once", queryString="fields a", clientToken=token)

    assert first["queryDefinitionId"] == second["queryDefinitionId"]
    assert names(logs_client) == ["once"]


def test_describe_query_definitions_sorts_by_name(logs_client: Any) -> None:
    for name in ("zeta", "alpha", "mid"):
        logs_client.put_query_definition(name=name, queryString="fields a")

    assert names(logs_client) == ["alpha", "mid", "zeta"]


def test_describe_query_definitions_filters_by_name_prefix(logs_client: Any) -> None:
    for name in ("orders/errors", "orders/latency", "payments/errors"):
        logs_client.put_query_definition(name=name, queryString="fields a")

    assert names(logs_client, queryDefinitionNamePrefix="orders/") == ["orders/errors", "orders/latency"]


def test_describe_query_definitions_filters_by_query_language(logs_client: Any) -> None:
    logs_client.put_query_definition(name="insights", queryString="fields a")
    logs_client.put_query_definition(name="ppl", queryString="source = logs | head 5", queryLanguage="PPL")

    assert names(logs_client, queryLanguage="PPL") == ["ppl"]
    assert names(logs_client, queryLanguage="CWLI") == ["insights"]


def test_describe_query_definitions_pages_with_max_results(logs_client: Any) -> None:
    for name in ("a", "b", "c"):
        logs_client.put_query_definition(name=name, queryString="fields a")

    first = logs_client.describe_query_definitions(maxResults=2)
    second = logs_client.describe_query_definitions(maxResults=2, nextToken=first["nextToken"])

    assert [d["name"] for d in first["queryDefinitions"] + second["queryDefinitions"]] == ["a", "b", "c"]
    assert "nextToken" not in second


def test_describe_query_definitions_refuses_a_forged_token(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.describe_query_definitions(nextToken="forged")) == (
        "InvalidParameterException"
    )


def test_definitions_belong_to_one_region(vigil: VigilServer, logs_client: Any) -> None:
    logs_client.put_query_definition(name="here", queryString="fields a")

    assert names(vigil.client("logs", region_name="eu-west-1")) == []


def test_delete_query_definition_removes_it(logs_client: Any) -> None:
    definition_id = logs_client.put_query_definition(name="gone", queryString="fields a")["queryDefinitionId"]

    assert logs_client.delete_query_definition(queryDefinitionId=definition_id)["success"] is True
    assert names(logs_client) == []


def test_deleting_an_unknown_definition_is_resource_not_found(logs_client: Any) -> None:
    call = lambda: logs_client.delete_query_definition(queryDefinitionId=str(uuid.uuid4()))  # noqa: E731

    assert error_code(call) == "ResourceNotFoundException"


def test_query_definitions_survive_a_restart(tmp_path: Path) -> None:
    with VigilServer("--data-dir", str(tmp_path)) as server:
        definition_id = server.client("logs").put_query_definition(name="kept", queryString="fields a")[
            "queryDefinitionId"
        ]
    with VigilServer("--data-dir", str(tmp_path)) as server:
        (found,) = server.client("logs").describe_query_definitions()["queryDefinitions"]

    assert (found["queryDefinitionId"], found["name"]) == (definition_id, "kept")


def test_cli_put_query_definition_then_describe(aws: Aws) -> None:
    created = aws(
        "logs", "put-query-definition", "--name", "cli", "--query-string", "fields @message",
        "--log-group-names", "/app/orders",
    )  # fmt: skip

    listed = aws("logs", "describe-query-definitions")["queryDefinitions"]

    assert [(d["queryDefinitionId"], d["name"], d["logGroupNames"]) for d in listed] == [
        (created["queryDefinitionId"], "cli", ["/app/orders"])
    ]
