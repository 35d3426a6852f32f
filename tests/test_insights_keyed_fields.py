"""Filters on the keys ingest stores in columns of their own (`level`, `request_id`, `trace_id`;
store/event_fields.py) keep exactly the events that reading the message would keep, and count them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from insights_helpers import put, run

from vigil.store.database import Database
from vigil.store.event_fields import KEYED_FIELDS, insert_events

ERROR_LEVELS = [
    '{"level":"ERROR","i":"object"}',
    '{"level":"\\u0045RROR","i":"escaped"}',
    ' {"level":"ERROR","i":"leading space"}',
    '{"level":"ERROR","i":"trailing newline"}\n',
    'INFO request failed {"level":"ERROR","i":"embedded"}',
    '[{"level":"ERROR","i":"in an array"}]',
    '{"level":"ERROR","level":"INFO","i":"first of two"}',
]
OTHER_LEVELS = [
    '{"level":"INFO","level":"ERROR","i":"second of two"}',
    '{"ctx":{"level":"ERROR"},"i":"nested"}',
    '{"level":"error","i":"lower case"}',
    '{"level":{"name":"ERROR"},"i":"object value"}',
    "ERROR plain text, no JSON",
    '{"lvl":"ERROR","i":"another key"}',
]


def kept(logs: Any, group: str, query: str) -> tuple[list[str], float]:
    reply = run(logs, query, group)
    assert reply["status"] == "Complete", reply
    found = sorted(cell["value"] for row in reply["results"] for cell in row if cell["field"] == "i")
    return found, reply["statistics"]["recordsMatched"]


def labels(messages: list[str]) -> list[str]:
    return sorted(m.split('"i":"')[1].split('"')[0] for m in messages if '"i":"' in m)


def test_an_equality_on_a_keyed_field_keeps_what_the_message_says(logs_client: Any, group: str) -> None:
    put(logs_client, group, *ERROR_LEVELS, *OTHER_LEVELS)

    found, matched = kept(logs_client, group, 'filter level = "ERROR" | fields i')

    assert found == labels(ERROR_LEVELS)
    assert matched == len(ERROR_LEVELS)


def test_a_capped_query_on_a_keyed_field_counts_every_match(logs_client: Any, group: str) -> None:
    put(logs_client, group, *ERROR_LEVELS, *OTHER_LEVELS)

    reply = run(logs_client, 'filter level = "ERROR" | sort @timestamp desc | limit 1', group)

    assert len(reply["results"]) == 1
    assert reply["statistics"]["recordsMatched"] == len(ERROR_LEVELS)


def test_a_like_on_a_keyed_field_keeps_what_the_message_says(logs_client: Any, group: str) -> None:
    put(logs_client, group, *ERROR_LEVELS, *OTHER_LEVELS)

    found, _ = kept(logs_client, group, 'filter level like "RRO" | fields i')

    assert found == labels(ERROR_LEVELS)


def test_a_keyed_and_an_unkeyed_filter_narrow_together(logs_client: Any, group: str) -> None:
    put(
        logs_client,
        group,
        '{"level":"ERROR","path":"/a","i":"both"}',
        '{"level":"ERROR","path":"/b","i":"level only"}',
        '{"level":"INFO","path":"/a","i":"path only"}',
        'boot {"level":"ERROR","path":"/a","i":"embedded both"}',
    )

    found, matched = kept(logs_client, group, 'filter level = "ERROR" and path = "/a" | fields i')

    assert found == ["both", "embedded both"]
    assert matched == 2


def test_a_needle_on_a_keyed_field_counts_every_match_past_the_limit(logs_client: Any, group: str) -> None:
    messages = [f'{{"request_id":"req-{n % 3}","i":"{n}"}}' for n in range(30)]
    put(logs_client, group, *messages)

    reply = run(logs_client, 'fields i | filter request_id = "req-1" | sort @timestamp desc | limit 2', group)

    assert [row[0]["value"] for row in reply["results"]] == ["28", "25"]
    assert reply["statistics"]["recordsMatched"] == 10


def test_a_trace_id_filter_reads_its_keyed_field(logs_client: Any, group: str) -> None:
    put(
        logs_client,
        group,
        '{"trace_id":"1-abc","i":"a"}',
        '{"trace_id":"1-abd","i":"b"}',
        'x {"trace_id":"1-abc","i":"c"}',
    )

    found, _ = kept(logs_client, group, 'filter trace_id = "1-abc" | fields i')

    assert found == ["a", "c"]


@pytest.mark.parametrize("message", [*ERROR_LEVELS, *OTHER_LEVELS, '{"request_id":7}', "{not json"])
def test_the_migration_fills_earlier_events_as_ingest_does(tmp_path: Path, message: str) -> None:
    columns = ", ".join(["json_fragment", *KEYED_FIELDS.values()])
    database = Database(tmp_path)
    con = database.connection
    con.execute("INSERT INTO log_groups VALUES (1, 'a', 'r', 'g', 0, NULL, NULL, 'STANDARD', false, '{}')")
    con.execute("INSERT INTO log_streams (id, group_id, name, creation_time) VALUES (1, 1, 's', 0)")
    con.execute(
        "CREATE TEMP TABLE incoming_events AS SELECT 1::BIGINT AS group_id, 1::BIGINT AS stream_id, "
        "1::BIGINT AS event_id, 0::BIGINT AS timestamp, 0::BIGINT AS ingestion_time, ?::VARCHAR AS message",
        [message],
    )
    con.execute(insert_events("incoming_events"))
    at_ingest = con.execute(f"SELECT {columns} FROM log_events").fetchall()
    # As a database from before migration 011 had it: the columns gone, the migration not applied.
    for column in columns.split(", "):
        con.execute(f"ALTER TABLE log_events DROP COLUMN {column}")
    con.execute("DELETE FROM schema_migrations WHERE version = 11")
    database.close()

    migrated = Database(tmp_path)
    assert migrated.connection.execute(f"SELECT {columns} FROM log_events").fetchall() == at_ingest
    migrated.close()


def test_a_keyed_filter_returns_the_whole_messages(logs_client: Any, group: str) -> None:
    put(logs_client, group, *ERROR_LEVELS, *OTHER_LEVELS)

    reply = run(logs_client, 'filter level = "ERROR" | display @message', group)

    messages = sorted(cell["value"] for row in reply["results"] for cell in row if cell["field"] == "@message")
    assert messages == sorted(ERROR_LEVELS)


def test_a_query_reading_only_keyed_fields_counts_them_by_value(logs_client: Any, group: str) -> None:
    put(logs_client, group, *ERROR_LEVELS, *OTHER_LEVELS, '{"level":"WARN"}', 'x {"level":"WARN"}')

    reply = run(logs_client, 'filter level like "R" | stats count(*) as n by level', group)
    assert reply["status"] == "Complete", reply

    counts = {
        fields["level"]: fields["n"] for fields in ({c["field"]: c["value"] for c in row} for row in reply["results"])
    }
    assert counts == {"ERROR": str(len(ERROR_LEVELS)), "WARN": "2"}


def test_a_keyed_filter_matches_unicode_however_it_was_escaped(logs_client: Any, group: str) -> None:
    put(logs_client, group, '{"request_id":"req-é","i":"raw"}', '{"request_id":"req-\\u00e9","i":"escaped"}')

    found, _ = kept(logs_client, group, 'filter request_id = "req-é" | fields i')

    assert found == ["escaped", "raw"]
