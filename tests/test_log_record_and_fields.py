"""GetLogRecord (every field of the event an @ptr names) and GetLogGroupFields (which fields a group's
recent events have, and how often)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from logs_helpers import ACCOUNT, REGION, error_code, now_ms

from vigil.testing import VigilServer

DONE = {"Complete", "Failed", "Cancelled", "Timeout"}


def put(logs: Any, group: str, *messages: str, at: int | None = None) -> None:
    timestamp = at if at is not None else now_ms() - 60_000
    logs.put_log_events(
        logGroupName=group, logStreamName="web", logEvents=[{"timestamp": timestamp, "message": m} for m in messages]
    )


def pointers(logs: Any, group: str) -> list[str]:
    """The @ptr of every event of ``group`` in the last hour, newest first."""
    now = now_ms() // 1000
    query_id = logs.start_query(logGroupName=group, startTime=now - 3600, endTime=now, queryString="fields @ptr")[
        "queryId"
    ]
    deadline = time.monotonic() + 60
    while (reply := logs.get_query_results(queryId=query_id))["status"] not in DONE:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return [next(f["value"] for f in row if f["field"] == "@ptr") for row in reply["results"]]


def record(logs: Any, group: str) -> dict[str, str]:
    (pointer,) = pointers(logs, group)
    return dict(logs.get_log_record(logRecordPointer=pointer)["logRecord"])


def fields(logs: Any, group: str, **kwargs: Any) -> dict[str, int]:
    reply = logs.get_log_group_fields(logGroupName=group, **kwargs)["logGroupFields"]
    return {f["name"]: f["percent"] for f in reply}


# ---- GetLogRecord ---------------------------------------------------------------------------------


def test_get_log_record_gives_the_system_fields_of_the_event_a_pointer_names(logs_client: Any, group: str) -> None:
    at = now_ms() - 60_000
    put(logs_client, group, "plain text line", at=at)

    found = record(logs_client, group)

    assert found["@message"] == "plain text line"
    assert found["@timestamp"] == str(at)
    assert found["@logStream"] == "web"
    assert found["@log"] == f"{ACCOUNT}:{group}"
    assert abs(int(found["@ingestionTime"]) - now_ms()) < 60_000
    assert set(found) == {"@message", "@timestamp", "@logStream", "@log", "@ingestionTime"}


def test_get_log_record_flattens_json_fields_with_dotted_paths(logs_client: Any, group: str) -> None:
    put(logs_client, group, '{"user": {"id": 7, "name": "ana"}, "items": [{"sku": "a1"}, 2.50]}')

    found = record(logs_client, group)

    assert found["user.id"] == "7"
    assert found["user.name"] == "ana"
    assert found["items.0.sku"] == "a1"
    assert found["items.1"] == "2.50"  # numbers keep their JSON spelling


def test_get_log_record_reads_json_fields_from_the_first_json_fragment(logs_client: Any, group: str) -> None:
    put(logs_client, group, '2024-05-01T10:00:00Z INFO {"order": {"id": "o-1"}} done')

    assert record(logs_client, group)["order.id"] == "o-1"


def test_get_log_record_writes_booleans_as_words_and_leaves_out_nulls(logs_client: Any, group: str) -> None:
    put(logs_client, group, '{"ok": true, "retry": false, "error": null, "tags": [], "meta": {}}')

    found = record(logs_client, group)

    assert (found["ok"], found["retry"]) == ("true", "false")
    assert not {"error", "tags", "meta"} & set(found)


def test_get_log_record_prefixes_discovered_at_names_with_another_at(logs_client: Any, group: str) -> None:
    put(logs_client, group, '{"@example.com": "x"}')

    assert record(logs_client, group)["@@example.com"] == "x"


def test_get_log_record_accepts_unmask_as_there_is_no_masking(logs_client: Any, group: str) -> None:
    put(logs_client, group, "card 4111")
    (pointer,) = pointers(logs_client, group)

    assert logs_client.get_log_record(logRecordPointer=pointer, unmask=True)["logRecord"]["@message"] == "card 4111"


def test_get_log_record_with_a_malformed_pointer_is_invalid(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.get_log_record(logRecordPointer="not-a-pointer")) == (
        "InvalidParameterException"
    )


def test_get_log_record_of_a_deleted_event_is_resource_not_found(logs_client: Any, group: str) -> None:
    put(logs_client, group, "soon gone")
    (pointer,) = pointers(logs_client, group)
    logs_client.delete_log_stream(logGroupName=group, logStreamName="web")

    assert error_code(lambda: logs_client.get_log_record(logRecordPointer=pointer)) == "ResourceNotFoundException"


def test_get_log_record_does_not_reach_into_another_region(vigil: VigilServer, logs_client: Any, group: str) -> None:
    put(logs_client, group, "here")
    (pointer,) = pointers(logs_client, group)
    elsewhere = vigil.client("logs", region_name="eu-west-1")

    assert error_code(lambda: elsewhere.get_log_record(logRecordPointer=pointer)) == "ResourceNotFoundException"


# ---- GetLogGroupFields ----------------------------------------------------------------------------


def test_get_log_group_fields_lists_system_fields_for_every_event(logs_client: Any, group: str) -> None:
    put(logs_client, group, "plain", at=now_ms() - 60_000)

    assert fields(logs_client, group) == {
        "@timestamp": 100, "@message": 100, "@logStream": 100, "@log": 100, "@ingestionTime": 100,
    }  # fmt: skip


def test_get_log_group_fields_gives_the_share_of_events_with_each_json_field(logs_client: Any, group: str) -> None:
    put(logs_client, group, '{"level": "INFO", "user": {"id": 1}}', '{"level": "WARN"}', '{"level": "ERROR"}', "x")

    found = fields(logs_client, group)

    assert found["level"] == 75
    assert found["user.id"] == 25


def test_get_log_group_fields_lists_the_most_common_fields_first(logs_client: Any, group: str) -> None:
    put(logs_client, group, '{"a": 1, "b": 2}', '{"a": 1}')

    reply = logs_client.get_log_group_fields(logGroupName=group)["logGroupFields"]

    percents = [f["percent"] for f in reply]
    assert percents == sorted(percents, reverse=True)
    assert reply[-1] == {"name": "b", "percent": 50}


def test_get_log_group_fields_reads_the_last_fifteen_minutes_by_default(logs_client: Any, group: str) -> None:
    put(logs_client, group, '{"old": 1}', at=now_ms() - 20 * 60_000)
    put(logs_client, group, '{"new": 1}', at=now_ms() - 60_000)

    found = fields(logs_client, group)

    assert "new" in found and "old" not in found


def test_get_log_group_fields_reads_eight_minutes_either_side_of_a_time(logs_client: Any, group: str) -> None:
    centre = now_ms() - 3_600_000
    put(logs_client, group, '{"early": 1}', at=centre - 9 * 60_000)
    put(logs_client, group, '{"inside": 1}', at=centre - 7 * 60_000)
    put(logs_client, group, '{"late": 1}', at=centre + 9 * 60_000)

    found = fields(logs_client, group, time=centre // 1000)

    assert "inside" in found
    assert not {"early", "late"} & set(found)


def test_get_log_group_fields_of_a_group_without_recent_events_is_empty(logs_client: Any, group: str) -> None:
    assert logs_client.get_log_group_fields(logGroupName=group)["logGroupFields"] == []


def test_get_log_group_fields_accepts_a_group_arn(logs_client: Any, group: str) -> None:
    put(logs_client, group, '{"level": "INFO"}')
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"

    found = logs_client.get_log_group_fields(logGroupIdentifier=arn)["logGroupFields"]

    assert {"name": "level", "percent": 100} in found


def test_get_log_group_fields_skips_discovery_for_infrequent_access_groups(logs_client: Any) -> None:
    logs_client.create_log_group(logGroupName="/cold", logGroupClass="INFREQUENT_ACCESS")
    logs_client.create_log_stream(logGroupName="/cold", logStreamName="web")
    put(logs_client, "/cold", '{"level": "INFO"}')

    assert "level" not in fields(logs_client, "/cold")


@pytest.mark.parametrize(
    "names",
    [{}, {"logGroupName": "/app/orders", "logGroupIdentifier": "/app/orders"}],
    ids=["neither", "both"],
)
def test_get_log_group_fields_needs_exactly_one_group_parameter(
    logs_client: Any, group: str, names: dict[str, str]
) -> None:
    assert error_code(lambda: logs_client.get_log_group_fields(**names)) == "InvalidParameterException"


def test_get_log_group_fields_of_a_missing_group_is_resource_not_found(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.get_log_group_fields(logGroupName="/missing")) == (
        "ResourceNotFoundException"
    )
