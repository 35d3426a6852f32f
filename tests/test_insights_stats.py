"""stats: aggregate functions, grouping, bin(), naming, arithmetic over aggregates and two stats in a row
(docs/insights.md, decisions 6 and 8)."""

from __future__ import annotations

from typing import Any

import pytest
from insights_helpers import DAY, HOUR, MINUTE, column, hour_start, put, put_at, rows, value
from logs_helpers import now_ms


def stat(logs: Any, group: str, aggregate: str, *events: dict[str, Any]) -> str | None:
    put(logs, group, *events)
    return value(logs, f"stats {aggregate} as v", "v", group)


NUMBERS = [{"n": n} for n in (4, 1, 10, 7, 2, 9, 3, 8, 6, 5)]


@pytest.mark.parametrize(
    ("aggregate", "expected"),
    [
        ("count(*)", "10"),
        ("count()", "10"),
        ("sum(n)", "55"),
        ("avg(n)", "5.5"),
        ("min(n)", "1"),
        ("max(n)", "10"),
        ("pct(n, 50)", "5"),
        ("pct(n, 25)", "3"),
        ("pct(n, 99)", "10"),
        ("pct(n, 0)", "1"),
        ("stddev(n)", "3.0276503540974917"),
        ("count_distinct(n)", "10"),
    ],
)
def test_aggregate_over_ten_numbers(logs_client: Any, group: str, aggregate: str, expected: str) -> None:
    assert stat(logs_client, group, aggregate, *NUMBERS) == expected


def test_count_of_a_field_counts_events_that_have_it(logs_client: Any, group: str) -> None:
    assert stat(logs_client, group, "count(a)", {"a": 1}, {"b": 1}, {"a": "x"}) == "2"


def test_count_of_a_field_skips_json_null(logs_client: Any, group: str) -> None:
    assert stat(logs_client, group, "count(a)", {"a": 1}, {"a": None}) == "1"


def test_numeric_aggregates_skip_events_without_the_field(logs_client: Any, group: str) -> None:
    assert stat(logs_client, group, "avg(n)", {"n": 2}, {"m": 100}, {"n": 4}) == "3"


def test_numeric_aggregates_skip_words(logs_client: Any, group: str) -> None:
    assert stat(logs_client, group, "sum(n)", {"n": 2}, {"n": "many"}, {"n": "3"}) == "5"


def test_count_distinct_counts_each_value_once(logs_client: Any, group: str) -> None:
    assert stat(logs_client, group, "count_distinct(s)", {"s": "a"}, {"s": "b"}, {"s": "a"}) == "2"


def test_earliest_and_latest_take_the_oldest_and_newest_value(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"v": "first"}, {"v": "middle"}, {"v": "last"})
    assert rows(logs_client, "stats earliest(v) as e, latest(v) as l") == [{"e": "first", "l": "last"}]


def test_earliest_and_latest_skip_events_without_the_field(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"x": 1}, {"v": "second"}, {"v": "third"}, {"x": 2})
    assert rows(logs_client, "stats earliest(v) as e, latest(v) as l") == [{"e": "second", "l": "third"}]


def test_sorts_first_and_last_use_natural_order(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"v": "item10"}, {"v": "item9"}, {"v": "apple"})
    assert rows(logs_client, "stats sortsFirst(v) as f, sortsLast(v) as l") == [{"f": "apple", "l": "item10"}]


def test_min_and_max_of_timestamp_are_timestamps(logs_client: Any, group: str) -> None:
    start = hour_start()
    put_at(logs_client, group, [(start + 1000, "a"), (start + 5000, "b")])
    found = rows(logs_client, "stats min(@timestamp) as first, max(@timestamp) as last")
    assert found[0]["first"].endswith(":00:01.000") and found[0]["last"].endswith(":00:05.000")


def test_stats_by_a_field_gives_one_row_per_value(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"l": "b"}, {"l": "a"}, {"l": "b"})
    assert rows(logs_client, "stats count(*) as c by l") == [{"l": "a", "c": "1"}, {"l": "b", "c": "2"}]


def test_stats_by_several_keys(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "x"})
    assert rows(logs_client, "stats count(*) as c by a, b") == [
        {"a": "1", "b": "x", "c": "2"},
        {"a": "1", "b": "y", "c": "1"},
    ]


def test_a_by_key_can_have_an_alias(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"l": "a"})
    assert rows(logs_client, "stats count(*) as c by l as level") == [{"level": "a", "c": "1"}]


def test_columns_without_alias_are_named_by_their_text(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"n": 2})
    assert rows(logs_client, "stats sum(n), count(*) by bin(1h)")[0].keys() == {"bin(1h)", "sum(n)", "count(*)"}


def test_events_without_the_key_form_a_group_without_it(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"l": "a"}, {"x": 1}, {"x": 2})
    assert rows(logs_client, "stats count(*) as c by l") == [{"l": "a", "c": "1"}, {"c": "2"}]


def test_groups_come_ordered_by_their_keys(logs_client: Any, group: str) -> None:
    put(logs_client, group, *({"k": k} for k in ("item10", "beta", "item9", "alpha")))
    assert column(logs_client, "stats count(*) by k", "k") == ["alpha", "beta", "item9", "item10"]


def test_stats_over_no_events_returns_no_rows(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"a": 1})
    assert rows(logs_client, "filter a = 2 | stats count(*)") == []


def test_bin_rounds_down_and_skips_empty_buckets(logs_client: Any, group: str) -> None:
    start = hour_start()
    put_at(logs_client, group, [(start + 2 * MINUTE, "a"), (start + 3 * MINUTE, "b"), (start + 17 * MINUTE, "c")])
    found = rows(logs_client, "stats count(*) as c by bin(5m) as t")
    assert [(r["t"][-9:], r["c"]) for r in found] == [("00:00.000", "2"), ("15:00.000", "1")]


def test_bin_of_300_seconds_is_five_minutes(logs_client: Any, group: str) -> None:
    start = hour_start()
    put_at(logs_client, group, [(start + 4 * MINUTE, "a"), (start + 6 * MINUTE, "b")])
    assert len(rows(logs_client, "stats count(*) by bin(300s)")) == 2


def test_bin_periods_align_to_the_epoch(logs_client: Any, group: str) -> None:
    start = hour_start()
    put_at(logs_client, group, [(start + 8 * MINUTE, "a")])
    found = value(logs_client, "stats count(*) by bin(7m) as t", "t")
    minutes_since_epoch = (start + 8 * MINUTE) // MINUTE
    assert found is not None and int(found[14:16]) == (minutes_since_epoch - minutes_since_epoch % 7) % 60


def test_weeks_start_on_monday(logs_client: Any, group: str) -> None:
    put(logs_client, group, "x")
    bucket = value(logs_client, "stats count(*) by bin(1w) as t", "t")
    import datetime

    assert bucket is not None and datetime.date.fromisoformat(bucket[:10]).weekday() == 0
    assert bucket.endswith("00:00:00.000")


def test_months_are_calendar_months(logs_client: Any, group: str) -> None:
    put(logs_client, group, "x")
    bucket = value(logs_client, "stats count(*) by bin(1mo) as t", "t")
    assert bucket is not None and bucket[8:] == "01 00:00:00.000"


def test_years_are_calendar_years(logs_client: Any, group: str) -> None:
    put(logs_client, group, "x")
    bucket = value(logs_client, "stats count(*) by bin(1y) as t", "t")
    assert bucket is not None and bucket[4:] == "-01-01 00:00:00.000"


def test_bins_come_in_time_order(logs_client: Any, group: str) -> None:
    now = now_ms()
    put_at(logs_client, group, [(now - DAY + i * HOUR, str(i)) for i in range(0, 20, 5)])
    buckets = column(logs_client, "stats count(*) by bin(1h) as t", "t")
    assert buckets == sorted(buckets)
    assert len(buckets) == 4


def test_arithmetic_over_aggregates(logs_client: Any, group: str) -> None:
    assert stat(logs_client, group, "sum(n) / count(*)", {"n": 3}, {"n": 5}) == "4"


def test_sum_over_a_computed_field_in_megabytes(logs_client: Any, group: str) -> None:
    for _ in range(2):
        put(logs_client, group, *["x" * 128 * 1024] * 4)
    query = "fields strlen(@message) as n | stats sum(n) / 1024 / 1024 as mb"
    assert value(logs_client, query, "mb") == "1"


def test_a_second_stats_aggregates_the_first(logs_client: Any, group: str) -> None:
    start = hour_start()
    put_at(logs_client, group, [(start + m * MINUTE, "x") for m in (0, 1, 2, 6, 11, 12)])
    query = "stats count(*) as c by bin(5m) | stats max(c) as peak, min(c) as low, avg(c) as mean"
    assert rows(logs_client, query) == [{"peak": "3", "low": "1", "mean": "2"}]


def test_a_second_stats_may_group_by_a_carried_time(logs_client: Any, group: str) -> None:
    start = hour_start()
    put_at(logs_client, group, [(start + m * MINUTE, "x") for m in (0, 6, 11)])
    query = "stats count(*) as c by bin(5m) as t | stats sum(c) as total by dateceil(t, 10m) as ten"
    assert column(logs_client, query, "total") == ["1", "2"]


def test_a_bare_count_refers_to_the_count_column(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"s": "a"}, {"s": "b"}, {"s": "b"})
    assert column(logs_client, "stats count(*) by s | sort count desc", "s") == ["b", "a"]


def test_limit_keeps_the_top_groups(logs_client: Any, group: str) -> None:
    put(logs_client, group, *({"s": s} for s in "abbcccdddd"))
    assert column(logs_client, "stats count(*) as c by s | sort c desc | limit 2", "s") == ["d", "c"]


def test_stats_after_filters_and_fields(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"l": "E", "n": 2}, {"l": "I", "n": 5}, {"l": "E", "n": 4})
    assert value(logs_client, 'filter l = "E" | fields n * 10 as t | stats sum(t) as s', "s") == "60"


@pytest.mark.parametrize(
    ("period", "floor"),
    [
        ("250ms", lambda t: t.replace(microsecond=t.microsecond // 250_000 * 250_000)),
        ("10s", lambda t: t.replace(second=t.second // 10 * 10, microsecond=0)),
        ("1m", lambda t: t.replace(second=0, microsecond=0)),
        ("2h", lambda t: t.replace(hour=t.hour // 2 * 2, minute=0, second=0, microsecond=0)),
        ("1d", lambda t: t.replace(hour=0, minute=0, second=0, microsecond=0)),
        ("1q", lambda t: t.replace(month=(t.month - 1) // 3 * 3 + 1, day=1, hour=0, minute=0, second=0, microsecond=0)),
    ],
)
def test_bin_for_each_unit(logs_client: Any, group: str, period: str, floor: Any) -> None:
    import datetime

    stamp = hour_start() + 7 * MINUTE + 12_345
    put_at(logs_client, group, [(stamp, "x")])
    moment = datetime.datetime.fromtimestamp(stamp / 1000, tz=datetime.UTC)
    expected = floor(moment).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    assert value(logs_client, f"stats count(*) by bin({period}) as t", "t") == expected


def test_stats_by_a_bin_and_a_field(logs_client: Any, group: str) -> None:
    start = hour_start()
    put_at(logs_client, group, [(start, {"l": "b"}), (start + 1, {"l": "a"}), (start + 6 * MINUTE, {"l": "a"})])
    found = rows(logs_client, "stats count(*) as c by bin(5m) as t, l")
    assert [(r["t"][-9:], r["l"], r["c"]) for r in found] == [
        ("00:00.000", "a", "1"),
        ("00:00.000", "b", "1"),
        ("05:00.000", "a", "1"),
    ]


def test_stats_by_a_condition_puts_missing_values_with_false(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"l": "E"}, {"l": "I"}, {"x": 1})
    assert rows(logs_client, 'stats count(*) as c by l = "E" as is_error') == [
        {"is_error": "0", "c": "2"},
        {"is_error": "1", "c": "1"},
    ]


def test_a_json_null_key_groups_with_the_missing_ones(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"l": None}, {"x": 1}, {"l": "a"})
    assert rows(logs_client, "stats count(*) as c by l") == [{"l": "a", "c": "1"}, {"c": "2"}]


def test_a_stats_column_can_be_named_by_its_expression(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"s": "a"}, {"s": "b"}, {"s": "b"})
    assert column(logs_client, "stats count(*) by s | sort count(*) desc", "s") == ["b", "a"]
