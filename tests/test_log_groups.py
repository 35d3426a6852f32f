"""CloudWatch Logs log groups through boto3: CreateLogGroup, DeleteLogGroup, DescribeLogGroups and
ListLogGroups as the CloudWatch Logs API reference documents them."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.config import Config
from logs_helpers import ACCOUNT, REGION, error_code

from vigil.testing import VigilServer


def described(logs_client: Any, **kwargs: Any) -> list[str]:
    return [g["logGroupName"] for g in logs_client.describe_log_groups(**kwargs)["logGroups"]]


def listed(logs_client: Any, **kwargs: Any) -> list[str]:
    return [g["logGroupName"] for g in logs_client.list_log_groups(**kwargs)["logGroups"]]


def create_groups(logs_client: Any, *names: str) -> None:
    for name in names:
        logs_client.create_log_group(logGroupName=name)


# ---- CreateLogGroup -------------------------------------------------------------------------------


def test_create_log_group_makes_a_group_that_describe_log_groups_reports(logs_client: Any) -> None:
    before = int(time.time() * 1000)
    logs_client.create_log_group(logGroupName="/app/orders")
    after = int(time.time() * 1000)

    (group,) = logs_client.describe_log_groups()["logGroups"]

    assert group["logGroupName"] == "/app/orders"
    assert before <= group["creationTime"] <= after
    assert group["storedBytes"] == 0
    assert group["metricFilterCount"] == 0


def test_describe_log_groups_arn_ends_with_a_wildcard_and_log_group_arn_does_not(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName="/app/orders")

    (group,) = logs_client.describe_log_groups()["logGroups"]

    assert group["arn"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/orders:*"
    assert group["logGroupArn"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/orders"


def test_create_log_group_accepts_a_kms_key_id_and_reports_it(logs_client: Any) -> None:
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    logs_client.create_log_group(logGroupName="secure", kmsKeyId=key)

    (group,) = logs_client.describe_log_groups()["logGroups"]

    assert group["kmsKeyId"] == key


def test_create_log_group_without_a_kms_key_reports_none(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName="plain")

    (group,) = logs_client.describe_log_groups()["logGroups"]

    assert "kmsKeyId" not in group


def test_create_log_group_defaults_to_the_standard_class(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName="plain")

    (group,) = logs_client.describe_log_groups()["logGroups"]

    assert group["logGroupClass"] == "STANDARD"


def test_create_log_group_keeps_the_requested_log_group_class(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName="cold", logGroupClass="INFREQUENT_ACCESS")

    (group,) = logs_client.describe_log_groups()["logGroups"]

    assert group["logGroupClass"] == "INFREQUENT_ACCESS"


def test_create_log_group_refuses_an_unknown_log_group_class(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.create_log_group(logGroupName="x", logGroupClass="GLACIER")) == (
        "InvalidParameterException"
    )
    assert described(logs_client) == []


def test_create_log_group_applies_the_tags_given_with_it(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName="tagged", tags={"team": "payments", "env": "prod"})

    tags = logs_client.list_tags_log_group(logGroupName="tagged")["tags"]

    assert tags == {"team": "payments", "env": "prod"}


def test_create_log_group_refuses_a_name_that_already_exists(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName="/app/orders", tags={"first": "yes"})

    code = error_code(lambda: logs_client.create_log_group(logGroupName="/app/orders"))

    assert code == "ResourceAlreadyExistsException"
    assert logs_client.list_tags_log_group(logGroupName="/app/orders")["tags"] == {"first": "yes"}


def test_create_log_group_accepts_every_character_the_name_pattern_allows(logs_client: Any) -> None:
    name = "Az09._-/#"
    logs_client.create_log_group(logGroupName=name)

    assert described(logs_client) == [name]


@pytest.mark.parametrize("name", ["has space", "colon:name", "star*name", "ümlaut", "x" * 513])
def test_create_log_group_refuses_a_name_outside_the_allowed_pattern(logs_client: Any, name: str) -> None:
    assert error_code(lambda: logs_client.create_log_group(logGroupName=name)) == "InvalidParameterException"
    assert described(logs_client) == []


def test_create_log_group_accepts_a_512_character_name(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName="x" * 512)

    assert described(logs_client) == ["x" * 512]


# ---- DeleteLogGroup -------------------------------------------------------------------------------


def test_delete_log_group_removes_the_group(logs_client: Any) -> None:
    create_groups(logs_client, "keep", "drop")

    logs_client.delete_log_group(logGroupName="drop")

    assert described(logs_client) == ["keep"]


def test_delete_log_group_of_a_missing_group_is_resource_not_found(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.delete_log_group(logGroupName="missing")) == "ResourceNotFoundException"


def test_delete_log_group_removes_its_streams_and_events(logs_client: Any, group: str) -> None:
    now = int(time.time() * 1000)
    logs_client.put_log_events(
        logGroupName=group, logStreamName="web", logEvents=[{"timestamp": now, "message": "order placed"}]
    )

    logs_client.delete_log_group(logGroupName=group)
    logs_client.create_log_group(logGroupName=group)

    assert logs_client.describe_log_streams(logGroupName=group)["logStreams"] == []
    assert logs_client.filter_log_events(logGroupName=group)["events"] == []
    assert logs_client.describe_log_groups()["logGroups"][0]["storedBytes"] == 0


def test_a_deleted_group_cannot_be_written_to(logs_client: Any, group: str) -> None:
    logs_client.delete_log_group(logGroupName=group)
    now = int(time.time() * 1000)

    code = error_code(
        lambda: logs_client.put_log_events(
            logGroupName=group, logStreamName="web", logEvents=[{"timestamp": now, "message": "late"}]
        )
    )

    assert code == "ResourceNotFoundException"


# ---- DescribeLogGroups ----------------------------------------------------------------------------


def test_describe_log_groups_lists_groups_in_name_order(logs_client: Any) -> None:
    create_groups(logs_client, "charlie", "/alpha", "bravo", "Zulu")

    assert described(logs_client) == ["/alpha", "Zulu", "bravo", "charlie"]


def test_describe_log_groups_filters_by_name_prefix(logs_client: Any) -> None:
    create_groups(logs_client, "/aws/lambda/a", "/aws/lambda/b", "/aws/ecs/c", "/app/aws/lambda")

    assert described(logs_client, logGroupNamePrefix="/aws/lambda/") == ["/aws/lambda/a", "/aws/lambda/b"]


def test_describe_log_groups_name_prefix_is_case_sensitive(logs_client: Any) -> None:
    create_groups(logs_client, "Orders", "orders")

    assert described(logs_client, logGroupNamePrefix="Ord") == ["Orders"]


def test_describe_log_groups_name_pattern_is_a_case_sensitive_substring_match(logs_client: Any) -> None:
    # The example of the DescribeLogGroups API reference.
    create_groups(logs_client, "DataLogs", "aws/DataLogs", "GroupDataLogs", "datalogs", "Data/log/s", "Groupdata")

    assert described(logs_client, logGroupNamePattern="DataLogs") == ["DataLogs", "GroupDataLogs", "aws/DataLogs"]


def test_describe_log_groups_with_a_name_pattern_returns_only_arn_creation_time_and_name(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName="DataLogs")
    logs_client.put_retention_policy(logGroupName="DataLogs", retentionInDays=7)

    (group,) = logs_client.describe_log_groups(logGroupNamePattern="Data")["logGroups"]

    assert set(group) == {"arn", "creationTime", "logGroupName"}
    assert group["arn"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:DataLogs:*"


def test_describe_log_groups_refuses_a_prefix_and_a_pattern_together(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName="DataLogs")

    code = error_code(lambda: logs_client.describe_log_groups(logGroupNamePrefix="Data", logGroupNamePattern="Logs"))

    assert code == "InvalidParameterException"


def test_describe_log_groups_selects_groups_by_name_identifiers(logs_client: Any) -> None:
    create_groups(logs_client, "a", "b", "c")

    assert described(logs_client, logGroupIdentifiers=["c", "a", "missing"]) == ["a", "c"]


def test_describe_log_groups_selects_groups_by_arn_identifiers(logs_client: Any) -> None:
    create_groups(logs_client, "a", "b", "c")
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:b"

    assert described(logs_client, logGroupIdentifiers=[arn]) == ["b"]


def test_describe_log_groups_identifiers_from_another_region_select_nothing(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName="a")
    arn = f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:a"

    assert described(logs_client, logGroupIdentifiers=[arn]) == []


def test_describe_log_groups_refuses_identifiers_with_a_prefix(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName="a")

    code = error_code(lambda: logs_client.describe_log_groups(logGroupIdentifiers=["a"], logGroupNamePrefix="a"))

    assert code == "InvalidParameterException"


def test_describe_log_groups_filters_by_log_group_class(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName="hot")
    logs_client.create_log_group(logGroupName="cold", logGroupClass="INFREQUENT_ACCESS")

    assert described(logs_client, logGroupClass="INFREQUENT_ACCESS") == ["cold"]


def test_describe_log_groups_pages_with_limit_and_next_token(logs_client: Any) -> None:
    names = [f"group-{i}" for i in range(7)]
    create_groups(logs_client, *reversed(names))

    first = logs_client.describe_log_groups(limit=3)
    second = logs_client.describe_log_groups(limit=3, nextToken=first["nextToken"])
    third = logs_client.describe_log_groups(limit=3, nextToken=second["nextToken"])

    pages = [[g["logGroupName"] for g in page["logGroups"]] for page in (first, second, third)]
    assert pages == [names[0:3], names[3:6], names[6:7]]
    assert "nextToken" not in third


def test_describe_log_groups_has_no_next_token_when_everything_fits(logs_client: Any) -> None:
    create_groups(logs_client, "a", "b", "c")

    assert "nextToken" not in logs_client.describe_log_groups(limit=3)


def test_describe_log_groups_pages_keep_the_name_prefix(logs_client: Any) -> None:
    create_groups(logs_client, "/a/1", "/a/2", "/a/3", "/b/1")

    first = logs_client.describe_log_groups(logGroupNamePrefix="/a/", limit=2)
    second = logs_client.describe_log_groups(logGroupNamePrefix="/a/", limit=2, nextToken=first["nextToken"])

    assert [g["logGroupName"] for g in second["logGroups"]] == ["/a/3"]
    assert "nextToken" not in second


def test_describe_log_groups_paginator_collects_every_group(logs_client: Any) -> None:
    names = [f"group-{i}" for i in range(7)]
    create_groups(logs_client, *names)

    pages = list(logs_client.get_paginator("describe_log_groups").paginate(PaginationConfig={"PageSize": 3}))

    assert [len(p["logGroups"]) for p in pages] == [3, 3, 1]
    assert [g["logGroupName"] for p in pages for g in p["logGroups"]] == names


def test_describe_log_groups_refuses_a_malformed_next_token(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName="a")

    assert error_code(lambda: logs_client.describe_log_groups(nextToken="not-a-token")) == "InvalidParameterException"


def test_describe_log_groups_refuses_a_limit_above_50(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.describe_log_groups(limit=51)) == "InvalidParameterException"


def test_describe_log_groups_stored_bytes_is_the_utf8_size_of_the_stored_messages(logs_client: Any, group: str) -> None:
    logs_client.create_log_stream(logGroupName=group, logStreamName="worker")
    now = int(time.time() * 1000)
    web = ["plain ascii", "café", "日本語のログ", "emoji 🚀"]
    worker = ["€" * 10]
    logs_client.put_log_events(
        logGroupName=group,
        logStreamName="web",
        logEvents=[{"timestamp": now, "message": m} for m in web],
    )
    logs_client.put_log_events(
        logGroupName=group, logStreamName="worker", logEvents=[{"timestamp": now, "message": m} for m in worker]
    )

    (described_group,) = logs_client.describe_log_groups()["logGroups"]

    assert described_group["storedBytes"] == sum(len(m.encode()) for m in web + worker)


def test_describe_log_groups_stored_bytes_leave_with_a_deleted_stream(logs_client: Any, group: str) -> None:
    logs_client.create_log_stream(logGroupName=group, logStreamName="worker")
    now = int(time.time() * 1000)
    for stream, message in (("web", "kept"), ("worker", "gone with the stream")):
        logs_client.put_log_events(
            logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": now, "message": message}]
        )

    logs_client.delete_log_stream(logGroupName=group, logStreamName="worker")

    assert logs_client.describe_log_groups()["logGroups"][0]["storedBytes"] == len("kept")


# ---- ListLogGroups --------------------------------------------------------------------------------


def test_list_log_groups_reports_name_arn_and_class(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName="/app/orders", logGroupClass="INFREQUENT_ACCESS")

    (group,) = logs_client.list_log_groups()["logGroups"]

    assert group == {
        "logGroupName": "/app/orders",
        "logGroupArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/orders",
        "logGroupClass": "INFREQUENT_ACCESS",
    }


def test_list_log_groups_pattern_without_a_caret_matches_a_substring(logs_client: Any) -> None:
    create_groups(logs_client, "/aws/lambda/api", "/app/lambda-ish", "/aws/ecs/web")

    assert listed(logs_client, logGroupNamePattern="lambda") == ["/app/lambda-ish", "/aws/lambda/api"]


def test_list_log_groups_pattern_with_a_caret_matches_a_prefix(logs_client: Any) -> None:
    create_groups(logs_client, "/aws/lambda/api", "/app/aws/lambda", "/aws/ecs/web")

    assert listed(logs_client, logGroupNamePattern="^/aws/lambda") == ["/aws/lambda/api"]


def test_list_log_groups_pattern_alternatives_match_any_of_them(logs_client: Any) -> None:
    # The example of the ListLogGroups API reference: ^/aws/lambda|discovery
    create_groups(logs_client, "/aws/lambda/api", "/svc/discovery-agent", "/aws/ecs/web", "/x/aws/lambda")

    assert listed(logs_client, logGroupNamePattern="^/aws/lambda|discovery") == [
        "/aws/lambda/api",
        "/svc/discovery-agent",
    ]


def test_list_log_groups_pattern_is_case_sensitive(logs_client: Any) -> None:
    create_groups(logs_client, "Payments", "payments")

    assert listed(logs_client, logGroupNamePattern="Pay") == ["Payments"]


def test_list_log_groups_refuses_a_pattern_shorter_than_three_characters(vigil: VigilServer) -> None:
    unchecked = vigil.client("logs", config=Config(parameter_validation=False))

    assert error_code(lambda: unchecked.list_log_groups(logGroupNamePattern="ab")) == "InvalidParameterException"


def test_list_log_groups_pages_with_limit_and_next_token(logs_client: Any) -> None:
    names = [f"group-{i}" for i in range(7)]
    create_groups(logs_client, *names)

    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        page = logs_client.list_log_groups(limit=3, **({"nextToken": token} if token else {}))
        seen += [g["logGroupName"] for g in page["logGroups"]]
        pages += 1
        token = page.get("nextToken")
        if token is None:
            break

    assert seen == names
    assert pages == 3


def test_list_log_groups_refuses_a_describe_log_groups_token(logs_client: Any) -> None:
    create_groups(logs_client, "a", "b")
    token = logs_client.describe_log_groups(limit=1)["nextToken"]

    assert error_code(lambda: logs_client.list_log_groups(nextToken=token)) == "InvalidParameterException"


# ---- Regions --------------------------------------------------------------------------------------


def test_a_group_created_in_one_region_is_invisible_in_another(vigil: VigilServer, logs_client: Any) -> None:
    europe = vigil.client("logs", region_name="eu-west-1")
    logs_client.create_log_group(logGroupName="/app/orders")

    assert described(europe) == []
    assert listed(europe) == []
    assert error_code(lambda: europe.delete_log_group(logGroupName="/app/orders")) == "ResourceNotFoundException"


def test_the_same_group_name_can_exist_in_two_regions(vigil: VigilServer, logs_client: Any) -> None:
    europe = vigil.client("logs", region_name="eu-west-1")
    logs_client.create_log_group(logGroupName="/app/orders")
    europe.create_log_group(logGroupName="/app/orders")

    (group,) = europe.describe_log_groups()["logGroups"]

    assert group["logGroupArn"] == f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/app/orders"
    assert described(logs_client) == ["/app/orders"]
