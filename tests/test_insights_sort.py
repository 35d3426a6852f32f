"""Row order: the default order, sort with AWS's natural sort, limit and dedup (docs/insights.md,
decisions 5 and 9)."""

from __future__ import annotations

from typing import Any

from insights_helpers import column, hour_start, put, put_at, rows, run


def test_rows_come_newest_first_by_default(logs_client: Any, group: str) -> None:
    put(logs_client, group, "one", "two", "three")
    assert column(logs_client, "fields @message", "@message") == ["three", "two", "one"]


def test_events_with_the_same_timestamp_come_newest_stored_first(logs_client: Any, group: str) -> None:
    start = hour_start()
    put_at(logs_client, group, [(start, "first stored"), (start, "second stored")])
    assert column(logs_client, "fields @message", "@message") == ["second stored", "first stored"]


def test_sort_is_ascending_by_default(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"n": 2}, {"n": 3}, {"n": 1})
    assert column(logs_client, "fields n | sort n", "n") == ["1", "2", "3"]


def test_sort_desc(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"n": 2}, {"n": 3}, {"n": 1})
    assert column(logs_client, "fields n | sort n desc", "n") == ["3", "2", "1"]


def test_json_numbers_sort_by_value(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"n": 100}, {"n": 9}, {"n": -5}, {"n": 10.5})
    assert column(logs_client, "fields n | sort n asc", "n") == ["-5", "9", "10.5", "100"]


def test_sort_by_several_keys(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"a": 1, "b": 1}, {"a": 2, "b": 2}, {"a": 1, "b": 3})
    assert rows(logs_client, "fields a, b | sort a asc, b desc") == [
        {"a": "1", "b": "3"},
        {"a": "1", "b": "1"},
        {"a": "2", "b": "2"},
    ]


def test_missing_values_sort_last_ascending(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"n": 2}, {"x": 0}, {"n": 1})
    assert column(logs_client, "fields n | sort n asc", "n") == ["1", "2", None]


def test_missing_values_sort_last_descending(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"n": 2}, {"x": 0}, {"n": 1})
    assert column(logs_client, "fields n | sort n desc", "n") == ["2", "1", None]


def test_ties_keep_the_newest_first_order(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"k": "a", "i": 1}, {"k": "a", "i": 2}, {"k": "b", "i": 3})
    assert column(logs_client, "fields i | sort k asc", "i") == ["2", "1", "3"]


def test_the_documented_natural_sort_order(logs_client: Any, group: str) -> None:
    expected = [
        "!:", "#", "*%04", "0#", "5A", "111A", "2345_", "@", "@_", "A", "A9876fghj", "a12345hfh",
        "0", "01", "1", "2", "3",
    ]  # fmt: skip
    put(logs_client, group, *({"v": v} for v in reversed(expected)))
    assert column(logs_client, "fields v | sort v asc", "v") == expected


def test_descending_natural_sort_is_the_exact_reverse(logs_client: Any, group: str) -> None:
    values = ["b2", "b10", "10", "9", "a"]
    put(logs_client, group, *({"v": v} for v in values))
    assert column(logs_client, "fields v | sort v desc", "v") == ["10", "9", "b10", "b2", "a"]


def test_sort_by_an_alias(logs_client: Any, group: str) -> None:
    put(logs_client, group, "ccc", "a", "bb")
    assert column(logs_client, "fields strlen(@message) as n | sort n", "n") == ["1", "2", "3"]


def test_limit_keeps_the_first_rows(logs_client: Any, group: str) -> None:
    put(logs_client, group, "one", "two", "three")
    assert column(logs_client, "fields @message | limit 2", "@message") == ["three", "two"]


def test_limit_after_sort_keeps_the_first_rows_of_that_order(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"n": 5}, {"n": 1}, {"n": 3})
    assert column(logs_client, "fields n | sort n asc | limit 2", "n") == ["1", "3"]


def test_limit_any_returns_that_many_rows(logs_client: Any, group: str) -> None:
    put(logs_client, group, "a", "b", "c")
    assert len(rows(logs_client, "fields @message | limit any 2")) == 2


def test_start_query_limit_caps_the_rows(logs_client: Any, group: str) -> None:
    put(logs_client, group, *[str(i) for i in range(10)])
    assert len(run(logs_client, "fields @message | limit 8", limit=3)["results"]) == 3


def test_a_bigger_limit_than_there_are_rows_returns_them_all(logs_client: Any, group: str) -> None:
    put(logs_client, group, "a", "b")
    assert len(rows(logs_client, "fields @message | limit 100")) == 2


def test_filter_after_limit_sees_only_the_kept_rows(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"n": 1}, {"n": 2}, {"n": 3})
    assert column(logs_client, "fields n | limit 2 | filter n < 3", "n") == ["2"]


def test_dedup_keeps_the_newest_event_of_each_value(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"s": "a", "i": 1}, {"s": "b", "i": 2}, {"s": "a", "i": 3})
    assert rows(logs_client, "fields s, i | dedup s") == [{"s": "a", "i": "3"}, {"s": "b", "i": "2"}]


def test_dedup_keeps_the_first_row_in_the_sort_order(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"s": "a", "n": 5}, {"s": "a", "n": 1}, {"s": "b", "n": 7})
    assert rows(logs_client, "fields s, n | sort n asc | dedup s") == [{"s": "a", "n": "1"}, {"s": "b", "n": "7"}]


def test_dedup_over_several_fields(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"a": 1, "b": 1}, {"a": 1, "b": 2}, {"a": 1, "b": 1})
    assert len(rows(logs_client, "fields a, b | dedup a, b")) == 2


def test_dedup_never_treats_a_missing_value_as_a_duplicate(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"x": 1}, {"x": 2}, {"s": "a"}, {"s": "a"})
    assert len(rows(logs_client, "fields s, x | dedup s")) == 3


def test_dedup_then_limit(logs_client: Any, group: str) -> None:
    put(logs_client, group, *({"s": s} for s in "aabbcc"))
    assert column(logs_client, "fields s | dedup s | limit 2", "s") == ["c", "b"]
