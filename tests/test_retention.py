"""Retention through boto3: PutRetentionPolicy with AWS's allowed day counts, DeleteRetentionPolicy, and
retention enforced on every read (events past it disappear before any sweep deletes them)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from logs_helpers import error_code, now_ms

DAY = 86_400_000
ALLOWED_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]


def retention_of(logs_client: Any, group: str) -> int | None:
    (described,) = logs_client.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    return described.get("retentionInDays")


def put_aged(logs_client: Any, group: str, *ages_in_hours: int) -> None:
    """One event per age, each in its own request (a batch may span 24 h at most), each message naming
    its age."""
    now = now_ms()
    for hours in ages_in_hours:
        logs_client.put_log_events(
            logGroupName=group,
            logStreamName="web",
            logEvents=[{"timestamp": now - hours * 3_600_000, "message": f"{hours}h old"}],
        )


def get_messages(logs_client: Any, group: str, **kwargs: Any) -> list[str]:
    page = logs_client.get_log_events(logGroupName=group, logStreamName="web", startFromHead=True, **kwargs)
    return [e["message"] for e in page["events"]]


def filter_messages(logs_client: Any, group: str, **kwargs: Any) -> list[str]:
    return [e["message"] for e in logs_client.filter_log_events(logGroupName=group, **kwargs)["events"]]


# ---- PutRetentionPolicy / DeleteRetentionPolicy ---------------------------------------------------


def test_a_new_group_has_no_retention(logs_client: Any, group: str) -> None:
    assert retention_of(logs_client, group) is None


def test_put_retention_policy_accepts_each_allowed_day_count(logs_client: Any, group: str) -> None:
    accepted = []
    for days in ALLOWED_DAYS:
        logs_client.put_retention_policy(logGroupName=group, retentionInDays=days)
        accepted.append(retention_of(logs_client, group))

    assert accepted == ALLOWED_DAYS


def test_put_retention_policy_refuses_day_counts_outside_the_allowed_set(logs_client: Any, group: str) -> None:
    logs_client.put_retention_policy(logGroupName=group, retentionInDays=7)
    # Zero, negative, past the largest value, and the day after each allowed value (2, 4, 6, 8, 15, …).
    refused = [0, -1, 3654, *(d + 1 for d in ALLOWED_DAYS if d + 1 not in ALLOWED_DAYS)]

    codes = {}
    for days in refused:
        with pytest.raises(ClientError) as caught:
            logs_client.put_retention_policy(logGroupName=group, retentionInDays=days)
        codes[days] = caught.value.response["Error"]["Code"]

    assert codes == dict.fromkeys(refused, "InvalidParameterException")
    assert retention_of(logs_client, group) == 7


def test_put_retention_policy_replaces_the_previous_policy(logs_client: Any, group: str) -> None:
    logs_client.put_retention_policy(logGroupName=group, retentionInDays=7)

    logs_client.put_retention_policy(logGroupName=group, retentionInDays=30)

    assert retention_of(logs_client, group) == 30


def test_delete_retention_policy_keeps_events_forever_again(logs_client: Any, group: str) -> None:
    logs_client.put_retention_policy(logGroupName=group, retentionInDays=7)

    logs_client.delete_retention_policy(logGroupName=group)

    assert retention_of(logs_client, group) is None


def test_retention_belongs_to_one_group(logs_client: Any, group: str) -> None:
    logs_client.create_log_group(logGroupName="/app/billing")

    logs_client.put_retention_policy(logGroupName="/app/billing", retentionInDays=3)

    assert retention_of(logs_client, group) is None


def test_put_retention_policy_of_a_missing_group_is_resource_not_found(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.put_retention_policy(logGroupName="missing", retentionInDays=7)) == (
        "ResourceNotFoundException"
    )


def test_delete_retention_policy_of_a_missing_group_is_resource_not_found(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.delete_retention_policy(logGroupName="missing")) == (
        "ResourceNotFoundException"
    )


# ---- Retention on read ----------------------------------------------------------------------------


def test_events_older_than_a_new_retention_disappear_from_get_log_events(logs_client: Any, group: str) -> None:
    put_aged(logs_client, group, 40, 25, 23, 1)

    logs_client.put_retention_policy(logGroupName=group, retentionInDays=1)

    assert get_messages(logs_client, group) == ["23h old", "1h old"]


def test_events_older_than_a_new_retention_disappear_from_filter_log_events(logs_client: Any, group: str) -> None:
    put_aged(logs_client, group, 40, 25, 23, 1)

    logs_client.put_retention_policy(logGroupName=group, retentionInDays=1)

    assert filter_messages(logs_client, group) == ["23h old", "1h old"]


def test_retention_hides_events_even_when_the_time_range_asks_for_them(logs_client: Any, group: str) -> None:
    put_aged(logs_client, group, 40, 25, 23)
    logs_client.put_retention_policy(logGroupName=group, retentionInDays=1)
    since = now_ms() - 2 * DAY

    assert get_messages(logs_client, group, startTime=since) == ["23h old"]
    assert filter_messages(logs_client, group, startTime=since) == ["23h old"]


def test_retention_hides_expired_events_from_tail_reads(logs_client: Any, group: str) -> None:
    put_aged(logs_client, group, 30, 26, 2)
    logs_client.put_retention_policy(logGroupName=group, retentionInDays=1)

    page = logs_client.get_log_events(logGroupName=group, logStreamName="web")
    older = logs_client.get_log_events(logGroupName=group, logStreamName="web", nextToken=page["nextBackwardToken"])

    assert [e["message"] for e in page["events"]] == ["2h old"]
    assert older["events"] == []


def test_a_longer_retention_keeps_events_within_it(logs_client: Any, group: str) -> None:
    put_aged(logs_client, group, 40, 25, 23)

    logs_client.put_retention_policy(logGroupName=group, retentionInDays=3)

    assert filter_messages(logs_client, group) == ["40h old", "25h old", "23h old"]
