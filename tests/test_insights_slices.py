"""Event queries run slice by slice, newest first, so a running query can show rows: the answer and its
statistics are the same as one pass over the whole window would give."""

from __future__ import annotations

from typing import Any

from insights_helpers import MINUTE, put, run


def test_rows_come_newest_first_across_slices(logs_client: Any, group: str) -> None:
    put(logs_client, group, *(f"event {i}" for i in range(40)), step=3 * MINUTE)

    reply = run(logs_client, "fields @message", limit=25)

    assert [row[0]["value"] for row in reply["results"]] == [f"event {i}" for i in range(39, 14, -1)]


def test_statistics_count_the_whole_window_when_the_cap_stops_early(logs_client: Any, group: str) -> None:
    put(logs_client, group, *(f"{'hit' if i % 2 else 'miss'} {i}" for i in range(40)), step=3 * MINUTE)

    reply = run(logs_client, 'fields @message | filter @message like "hit"', limit=5)

    assert [row[0]["value"] for row in reply["results"]] == ["hit 39", "hit 37", "hit 35", "hit 33", "hit 31"]
    assert reply["statistics"]["recordsMatched"] == 20
    assert reply["statistics"]["recordsScanned"] == 40


def test_a_limit_in_the_query_caps_rows_across_slices(logs_client: Any, group: str) -> None:
    put(logs_client, group, *(f"event {i}" for i in range(40)), step=3 * MINUTE)

    reply = run(logs_client, "fields @message | limit 7")

    assert [row[0]["value"] for row in reply["results"]] == [f"event {i}" for i in range(39, 32, -1)]
    assert reply["statistics"]["recordsScanned"] == 40


def test_matches_only_at_the_oldest_end_are_all_found(logs_client: Any, group: str) -> None:
    # The newest slices hold no match, so the slices grow until the window's start.
    put(logs_client, group, *(f"{'hit' if i < 3 else 'miss'} {i}" for i in range(200)), step=MINUTE // 2)

    reply = run(logs_client, 'fields @message | filter @message like "hit" | sort @timestamp desc | limit 10')

    assert [row[0]["value"] for row in reply["results"]] == ["hit 2", "hit 1", "hit 0"]
    assert reply["statistics"]["recordsMatched"] == 3
    assert reply["statistics"]["recordsScanned"] == 200


def test_sparse_matches_fill_the_cap_in_time_order(logs_client: Any, group: str) -> None:
    put(logs_client, group, *(f"{'hit' if i % 17 == 0 else 'miss'} {i}" for i in range(340)), step=MINUTE // 4)

    reply = run(logs_client, 'fields @message | filter @message like "hit" | limit 12')

    assert [row[0]["value"] for row in reply["results"]] == [f"hit {i}" for i in range(323, 119, -17)]
    assert reply["statistics"]["recordsMatched"] == 20
