"""Log group tags through boto3: TagResource, UntagResource and ListTagsForResource on the log group ARN,
and the legacy TagLogGroup, UntagLogGroup and ListTagsLogGroup by name."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from logs_helpers import ACCOUNT, REGION, error_code

GROUP = "/app/orders"
ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}"


def tags_of(logs_client: Any, arn: str = ARN) -> dict[str, str]:
    return dict(logs_client.list_tags_for_resource(resourceArn=arn)["tags"])


def many_tags(count: int, prefix: str = "key") -> dict[str, str]:
    return {f"{prefix}-{i}": f"value-{i}" for i in range(count)}


# ---- TagResource, UntagResource, ListTagsForResource ----------------------------------------------


def test_list_tags_for_resource_of_an_untagged_group_is_empty(logs_client: Any, group: str) -> None:
    assert tags_of(logs_client) == {}


def test_list_tags_for_resource_reports_the_tags_given_at_creation(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName=GROUP, tags={"team": "payments"})

    assert tags_of(logs_client) == {"team": "payments"}


def test_tag_resource_adds_tags_to_the_group(logs_client: Any, group: str) -> None:
    logs_client.tag_resource(resourceArn=ARN, tags={"team": "payments", "env": "prod"})

    assert tags_of(logs_client) == {"team": "payments", "env": "prod"}


def test_tag_resource_keeps_existing_tags_and_replaces_values_of_repeated_keys(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName=GROUP, tags={"team": "payments", "env": "staging"})

    logs_client.tag_resource(resourceArn=ARN, tags={"env": "prod", "owner": "ana"})

    assert tags_of(logs_client) == {"team": "payments", "env": "prod", "owner": "ana"}


def test_tag_resource_accepts_an_empty_tag_value(logs_client: Any, group: str) -> None:
    logs_client.tag_resource(resourceArn=ARN, tags={"flag": ""})

    assert tags_of(logs_client) == {"flag": ""}


def test_untag_resource_removes_only_the_named_keys(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName=GROUP, tags={"team": "payments", "env": "prod", "owner": "ana"})

    logs_client.untag_resource(resourceArn=ARN, tagKeys=["env", "owner", "not-there"])

    assert tags_of(logs_client) == {"team": "payments"}


def test_tags_belong_to_one_group(logs_client: Any, group: str) -> None:
    logs_client.create_log_group(logGroupName="/app/billing")

    logs_client.tag_resource(resourceArn=ARN, tags={"team": "payments"})

    assert tags_of(logs_client, f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/billing") == {}


def test_tag_resource_of_a_missing_group_is_resource_not_found(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.tag_resource(resourceArn=ARN, tags={"a": "b"})) == (
        "ResourceNotFoundException"
    )


def test_untag_resource_of_a_missing_group_is_resource_not_found(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.untag_resource(resourceArn=ARN, tagKeys=["a"])) == (
        "ResourceNotFoundException"
    )


def test_list_tags_for_resource_of_a_missing_group_is_resource_not_found(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.list_tags_for_resource(resourceArn=ARN)) == "ResourceNotFoundException"


def test_list_tags_for_resource_of_a_group_in_another_region_is_resource_not_found(
    logs_client: Any, group: str
) -> None:
    arn = f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:{GROUP}"

    assert error_code(lambda: logs_client.list_tags_for_resource(resourceArn=arn)) == "ResourceNotFoundException"


def test_tag_resource_refuses_an_arn_that_is_not_a_log_group(logs_client: Any, group: str) -> None:
    arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"

    assert error_code(lambda: logs_client.tag_resource(resourceArn=arn, tags={"a": "b"})) == (
        "InvalidParameterException"
    )


def test_a_recreated_group_starts_without_tags(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName=GROUP, tags={"team": "payments"})
    logs_client.delete_log_group(logGroupName=GROUP)

    logs_client.create_log_group(logGroupName=GROUP)

    assert tags_of(logs_client) == {}


# ---- The 50-tag limit -----------------------------------------------------------------------------


def test_a_group_can_hold_50_tags(logs_client: Any, group: str) -> None:
    logs_client.tag_resource(resourceArn=ARN, tags=many_tags(30, "first"))
    logs_client.tag_resource(resourceArn=ARN, tags=many_tags(20, "second"))

    assert len(tags_of(logs_client)) == 50


def test_tag_resource_taking_a_group_past_50_tags_is_too_many_tags(logs_client: Any, group: str) -> None:
    logs_client.tag_resource(resourceArn=ARN, tags=many_tags(30, "first"))

    code = error_code(lambda: logs_client.tag_resource(resourceArn=ARN, tags=many_tags(21, "second")))

    assert code == "TooManyTagsException"
    assert tags_of(logs_client) == many_tags(30, "first")


def test_retagging_existing_keys_of_a_full_group_is_not_too_many(logs_client: Any, group: str) -> None:
    logs_client.tag_resource(resourceArn=ARN, tags=many_tags(50))

    logs_client.tag_resource(resourceArn=ARN, tags={"key-0": "changed"})

    assert tags_of(logs_client)["key-0"] == "changed"
    assert len(tags_of(logs_client)) == 50


def test_create_log_group_with_more_than_50_tags_is_refused(logs_client: Any) -> None:
    # The Tags map of the CreateLogGroup request holds at most 50 entries (a model constraint).
    code = error_code(lambda: logs_client.create_log_group(logGroupName=GROUP, tags=many_tags(51)))

    assert code == "InvalidParameterException"
    assert logs_client.describe_log_groups()["logGroups"] == []


# ---- Legacy TagLogGroup, UntagLogGroup, ListTagsLogGroup ------------------------------------------


def test_tag_log_group_adds_tags_that_list_tags_log_group_reports(logs_client: Any, group: str) -> None:
    logs_client.tag_log_group(logGroupName=GROUP, tags={"team": "payments"})
    logs_client.tag_log_group(logGroupName=GROUP, tags={"env": "prod"})

    assert logs_client.list_tags_log_group(logGroupName=GROUP)["tags"] == {"team": "payments", "env": "prod"}


def test_untag_log_group_removes_the_named_keys(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName=GROUP, tags={"team": "payments", "env": "prod"})

    logs_client.untag_log_group(logGroupName=GROUP, tags=["env"])

    assert logs_client.list_tags_log_group(logGroupName=GROUP)["tags"] == {"team": "payments"}


def test_legacy_and_resource_tag_operations_share_one_set_of_tags(logs_client: Any, group: str) -> None:
    logs_client.tag_log_group(logGroupName=GROUP, tags={"legacy": "yes"})
    logs_client.tag_resource(resourceArn=ARN, tags={"modern": "yes"})

    assert tags_of(logs_client) == {"legacy": "yes", "modern": "yes"}
    assert logs_client.list_tags_log_group(logGroupName=GROUP)["tags"] == {"legacy": "yes", "modern": "yes"}


def test_tag_log_group_cannot_take_a_group_past_50_tags(logs_client: Any, group: str) -> None:
    logs_client.tag_log_group(logGroupName=GROUP, tags=many_tags(50))

    with pytest.raises(ClientError):
        logs_client.tag_log_group(logGroupName=GROUP, tags={"one-more": "x"})

    assert logs_client.list_tags_log_group(logGroupName=GROUP)["tags"] == many_tags(50)


def test_list_tags_log_group_of_a_missing_group_is_resource_not_found(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.list_tags_log_group(logGroupName="missing")) == "ResourceNotFoundException"


def test_tag_log_group_of_a_missing_group_is_resource_not_found(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.tag_log_group(logGroupName="missing", tags={"a": "b"})) == (
        "ResourceNotFoundException"
    )


def test_untag_log_group_of_a_missing_group_is_resource_not_found(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.untag_log_group(logGroupName="missing", tags=["a"])) == (
        "ResourceNotFoundException"
    )
