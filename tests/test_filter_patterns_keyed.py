"""JSON patterns on the keys ingest stores in columns of their own (`level`, `request_id`, `trace_id`;
store/event_fields.py) find exactly what reading each message would find, and page through it in order."""

from __future__ import annotations

from typing import Any

import pytest
from logs_helpers import now_ms
from pattern_helpers import Search, searcher

LEVELS = [
    '{"level":"ERROR","n":1}',
    ' {"level":"ERROR","n":2}',
    '{"level":"ERROR","n":3}\n',
    '{"level":"\\u0045RROR","n":4}',
    '{"level":"ERROR","level":"INFO","n":5}',
    '{"level":"INFO","level":"ERROR","n":6}',
    '{"level":"INFO","n":7}',
    '{"level":5,"n":8}',
    '{"ctx":{"level":"ERROR"},"n":9}',
    'ERROR {"level":"ERROR","n":10}',
    "level ERROR",
]


@pytest.fixture
def search(logs_client: Any, group: str) -> Search:
    return searcher(logs_client, group)


def test_an_equality_on_a_stored_key_finds_what_the_messages_say(search: Search) -> None:
    found = search('{ $.level = "ERROR" }', *LEVELS)

    assert found == [LEVELS[0], LEVELS[1], LEVELS[2], LEVELS[3], LEVELS[4]]


def test_a_stored_key_and_another_term_narrow_together(search: Search) -> None:
    found = search('{ $.level = "ERROR" && $.n > 2 }', *LEVELS)

    assert found == [LEVELS[2], LEVELS[3], LEVELS[4]]


def test_an_or_of_stored_keys_is_not_narrowed_away(search: Search) -> None:
    found = search('{ $.level = "INFO" || $.request_id = "r-1" }', *LEVELS, '{"request_id":"r-1"}')

    assert found == [LEVELS[5], LEVELS[6], '{"request_id":"r-1"}']


def test_a_needle_on_a_stored_key_pages_in_time_order(logs_client: Any, group: str) -> None:
    logs_client.create_log_stream(logGroupName=group, logStreamName="many")
    start = now_ms() - 60_000
    events = [
        {
            "timestamp": start + i,
            "message": f'{{"request_id":"r-{i % 4}","i":{i}}}' if i % 3 else f' {{"request_id":"r-{i % 4}","i":{i}}}',
        }
        for i in range(60)
    ]
    logs_client.put_log_events(logGroupName=group, logStreamName="many", logEvents=events)

    pages, token = [], None
    while True:
        extra = {"nextToken": token} if token else {}
        answer = logs_client.filter_log_events(
            logGroupName=group, filterPattern='{ $.request_id = "r-1" }', limit=4, **extra
        )
        pages.append([e["message"] for e in answer["events"]])
        token = answer.get("nextToken")
        if not token:
            break

    found = [message for page in pages for message in page]
    assert found == [e["message"] for e in events if e["message"].strip().startswith('{"request_id":"r-1"')]
    assert all(len(page) <= 4 for page in pages)
