"""filter and its operators: comparisons across types, missing values, like / =~ / in, boolean logic,
arithmetic and precedence (docs/insights.md, decisions 2-4)."""

from __future__ import annotations

from typing import Any

import pytest
from insights_helpers import column, evaluate, put, rows


def kept(logs: Any, group: str, condition: str, *events: dict[str, Any] | str) -> list[str]:
    """The events (by position) ``filter condition`` keeps."""
    put(logs, group, *(e if isinstance(e, str) else {"i": str(n), **e} for n, e in enumerate(events)))
    return sorted(column(logs, f"filter {condition} | fields i", "i"))


def test_a_json_number_compares_numerically_with_a_number(logs_client: Any, group: str) -> None:
    assert kept(logs_client, group, "status >= 500", {"status": 503}, {"status": 404}, {"status": 1000}) == ["0", "2"]


def test_a_parsed_string_compares_numerically_with_a_number(logs_client: Any, group: str) -> None:
    put(logs_client, group, "Status Code: 404;", "Status Code: 503;", "Status Code: 1000;")
    query = 'parse @message "Status Code: *;" as statusCode | filter statusCode >= 400 and statusCode <= 499'
    assert column(logs_client, query + " | fields statusCode", "statusCode") == ["404"]


def test_a_word_against_a_number_is_false(logs_client: Any, group: str) -> None:
    assert kept(logs_client, group, "v < 10 or v >= 10", {"v": "abc"}, {"v": 3}) == ["1"]


def test_a_json_number_equals_a_string_of_the_same_number(logs_client: Any, group: str) -> None:
    assert kept(logs_client, group, 'status = "200"', {"status": 200}, {"status": 200.0}, {"status": 201}) == ["0", "1"]


def test_a_json_number_against_a_numeric_string_compares_numerically(logs_client: Any, group: str) -> None:
    assert kept(logs_client, group, 'status < "3"', {"status": 200}, {"status": 2}) == ["1"]


def test_two_strings_compare_as_strings(logs_client: Any, group: str) -> None:
    assert kept(logs_client, group, 'code < "3"', {"code": "200"}, {"code": "40"}) == ["0"]


def test_strings_order_lexicographically(logs_client: Any, group: str) -> None:
    assert kept(logs_client, group, 'name > "m"', {"name": "zed"}, {"name": "alpha"}) == ["0"]


def test_a_json_number_against_a_word_is_false_even_for_not_equal(logs_client: Any, group: str) -> None:
    assert kept(logs_client, group, 'v != "abc"', {"v": 5}, {"v": "xyz"}) == ["1"]


def test_two_fields_compare_numerically_when_one_is_a_number(logs_client: Any, group: str) -> None:
    assert kept(logs_client, group, "a < b", {"a": 9, "b": 10}, {"a": "9", "b": "10"}) == ["0"]


@pytest.mark.parametrize(
    "condition",
    ["x = 1", "x != 1", "x < 1", 'x like "a"', 'x not like "a"', "x =~ /a/", "x in [1]", "x not in [1]"],
)
def test_every_comparison_with_a_missing_field_is_false(logs_client: Any, group: str, condition: str) -> None:
    assert kept(logs_client, group, condition, {"y": 1}) == []


def test_not_of_a_comparison_with_a_missing_field_is_true(logs_client: Any, group: str) -> None:
    assert kept(logs_client, group, "not (x = 1)", {"y": 1}) == ["0"]


def test_like_with_a_string_is_a_case_sensitive_substring_test(logs_client: Any, group: str) -> None:
    events = ("an Exception here", "an exception here", "Exceptional")
    put(logs_client, group, *events)
    assert sorted(column(logs_client, 'filter @message like "Exception"', "@message")) == [
        "Exceptional",
        "an Exception here",
    ]


def test_like_with_a_regex_searches_anywhere(logs_client: Any, group: str) -> None:
    put(logs_client, group, "GET /api/orders 200", "POST /api/users 500")
    assert column(logs_client, "filter @message like /orders \\d+/", "@message") == ["GET /api/orders 200"]


def test_the_match_operator_is_a_regex_search(logs_client: Any, group: str) -> None:
    assert kept(logs_client, group, "path =~ /^\\/api/", {"path": "/api/x"}, {"path": "/web/api"}) == ["0"]


def test_a_regex_can_ignore_case(logs_client: Any, group: str) -> None:
    assert kept(logs_client, group, "m like /(?i)error/", {"m": "ERROR x"}, {"m": "fine"}) == ["0"]


def test_not_like_keeps_what_does_not_match(logs_client: Any, group: str) -> None:
    assert kept(logs_client, group, 'm not like "debug"', {"m": "debug x"}, {"m": "info"}) == ["1"]


def test_in_matches_whole_strings(logs_client: Any, group: str) -> None:
    assert kept(logs_client, group, 'level in ["ERROR", "WARN"]', {"level": "ERROR"}, {"level": "ERRORS"}) == ["0"]


def test_in_compares_numbers_numerically(logs_client: Any, group: str) -> None:
    assert kept(logs_client, group, "code in [200, 404]", {"code": 200.0}, {"code": "404"}, {"code": 500}) == ["0", "1"]


def test_in_may_mix_strings_and_numbers(logs_client: Any, group: str) -> None:
    assert kept(logs_client, group, 'v in ["foo", 1]', {"v": "foo"}, {"v": 1}, {"v": "bar"}) == ["0", "1"]


def test_not_in_keeps_values_outside_the_list(logs_client: Any, group: str) -> None:
    assert kept(logs_client, group, 'v not in ["foo", "bar", 1]', {"v": "foo"}, {"v": 2}, {"v": "baz"}) == ["1", "2"]


def test_and_binds_tighter_than_or(logs_client: Any, group: str) -> None:
    events = ({"a": 1, "b": 0, "c": 0}, {"a": 0, "b": 1, "c": 0}, {"a": 0, "b": 1, "c": 1})
    assert kept(logs_client, group, "a = 1 or b = 1 and c = 1", *events) == ["0", "2"]


def test_not_binds_tighter_than_and(logs_client: Any, group: str) -> None:
    events = ({"a": 1, "b": 1}, {"a": 0, "b": 1}, {"a": 0, "b": 0})
    assert kept(logs_client, group, "not a = 1 and b = 1", *events) == ["1"]


def test_parentheses_group(logs_client: Any, group: str) -> None:
    events = ({"a": 1, "b": 0, "c": 0}, {"a": 0, "b": 1, "c": 1})
    assert kept(logs_client, group, "(a = 1 or b = 1) and c = 1", *events) == ["1"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 + 2 * 3", "7"),
        ("(1 + 2) * 3", "9"),
        ("2 ^ 3", "8"),
        ("10 % 3", "1"),
        ("-2 ^ 2", "-4"),
        ("2 ^ 3 ^ 2", "512"),
        ("7 - 2 - 1", "4"),
        ("12 / 4 / 3", "1"),
        ("2 * 3 ^ 2", "18"),
        ("1 + 2 = 3", "1"),
    ],
)
def test_arithmetic_precedence(logs_client: Any, group: str, expression: str, expected: str) -> None:
    assert evaluate(logs_client, group, expression) == expected


def test_arithmetic_on_fields(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, "bytes / 1024", {"bytes": 2048}) == "2"


def test_arithmetic_with_a_missing_operand_is_missing(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, "a + nothing", {"a": 1}) is None


def test_division_by_zero_is_missing(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, "1 / 0") is None


def test_a_function_result_can_be_the_condition(logs_client: Any, group: str) -> None:
    assert kept(logs_client, group, 'strcontains(m, "x")', {"m": "axe"}, {"m": "bee"}) == ["0"]


def test_ispresent_filters_events_with_the_field(logs_client: Any, group: str) -> None:
    assert kept(logs_client, group, "ispresent(err)", {"err": "e"}, {"ok": 1}, {"err": None}) == ["0"]


def test_filters_in_a_row_all_apply(logs_client: Any, group: str) -> None:
    assert kept(logs_client, group, "a = 1 | filter b = 1", {"a": 1, "b": 1}, {"a": 1, "b": 0}) == ["0"]


def test_filter_on_message_text(logs_client: Any, group: str) -> None:
    put(logs_client, group, "plain line one", "plain line two")
    assert rows(logs_client, 'filter @message = "plain line two" | fields @message') == [{"@message": "plain line two"}]
