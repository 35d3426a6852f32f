"""JSON filter patterns through FilterLogEvents: selectors, values, operators, compound patterns, and the
documented choices for types, missing properties and messages that are not JSON objects."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pattern_helpers import Search, searcher


@pytest.fixture
def search(logs_client: Any, group: str) -> Search:
    return searcher(logs_client, group)


def docs(*documents: dict[str, Any]) -> list[str]:
    return [json.dumps(d) for d in documents]


# ---- the documented examples ----------------------------------------------------------------------


def test_a_string_property_equals_a_quoted_value(search: Search) -> None:
    events = docs({"eventType": "UpdateTrail"}, {"eventType": "CreateTrail"}, {"other": "UpdateTrail"})

    assert search('{ $.eventType = "UpdateTrail" }', *events) == events[:1]


def test_either_side_of_an_or_may_match(search: Search) -> None:
    events = docs({"errorCode": "AccessDenied"}, {"user": {"id": 5}}, {"user": {"id": 6}, "errorCode": "Other"})

    assert search('{ ($.errorCode = "AccessDenied") || ($.user.id = 5) }', *events) == events[:2]


def test_a_wildcard_selector_with_a_regex_matches_when_any_element_does(search: Search) -> None:
    events = docs({"arrayKey": ["a", "val12"]}, {"arrayKey": ["val1", "x"]}, {"arrayKey": []})

    assert search("{ $.arrayKey[*] = %val.{2}% }", *events) == events[:1]


def test_star_matches_any_string_or_number(search: Search) -> None:
    events = docs({"latency": 12}, {"latency": "slow"}, {"latency": None}, {"latency": {"p99": 1}}, {"other": 1})

    assert search("{ $.latency = * }", *events) == events[:2]


def test_not_equal_to_a_wildcard_value(search: Search) -> None:
    events = docs({"sourceIPAddress": "123.123.0.1"}, {"sourceIPAddress": "10.0.0.1"})

    assert search("{ $.sourceIPAddress != 123.123.* }", *events) == events[1:]


# ---- strings --------------------------------------------------------------------------------------


def test_string_comparison_is_exact_and_case_sensitive(search: Search) -> None:
    events = docs({"level": "ERROR"}, {"level": "error"}, {"level": "ERRORS"})

    assert search('{ $.level = "ERROR" }', *events) == events[:1]


def test_a_bare_word_is_a_string_value(search: Search) -> None:
    events = docs({"level": "ERROR"}, {"level": "WARN"})

    assert search("{ $.level = ERROR }", *events) == events[:1]


def test_a_wildcard_must_cover_the_whole_value(search: Search) -> None:
    events = docs({"event": "UpdateTrail"}, {"event": "CreateTrail"}, {"event": "Update"}, {"event": "xUpdateTrail"})

    assert search('{ $.event = "Update*" }', *events) == [events[0], events[2]]


def test_a_regex_value_searches_inside_a_string(search: Search) -> None:
    events = docs({"eventType": "UpdateTrail"}, {"eventType": "Update"})

    assert search("{ $.eventType = %Trail% }", *events) == events[:1]


def test_a_regex_value_needs_a_string(search: Search) -> None:
    events = docs({"code": "404"}, {"code": 404})

    assert search("{ $.code = %^40% }", *events) == events[:1]


def test_a_string_value_needs_a_json_string(search: Search) -> None:
    events = docs({"code": "404"}, {"code": 404})

    assert search('{ $.code = "404" }', *events) == events[:1]


def test_not_equal_matches_a_different_string(search: Search) -> None:
    events = docs({"level": "ERROR"}, {"level": "WARN"}, {"level": 5})

    assert search('{ $.level != "ERROR" }', *events) == [events[1]]


def test_not_equal_does_not_match_a_missing_property(search: Search) -> None:
    events = docs({"level": "WARN"}, {"other": "x"})

    assert search('{ $.level != "ERROR" }', *events) == events[:1]


# ---- numbers --------------------------------------------------------------------------------------


def test_numbers_compare_by_value(search: Search) -> None:
    events = docs({"id": 5}, {"id": 5.0}, {"id": 6})

    assert search("{ $.id = 5 }", *events) == events[:2]


def test_a_numeric_value_needs_a_json_number(search: Search) -> None:
    events = docs({"id": 5}, {"id": "5"})

    assert search("{ $.id = 5 }", *events) == events[:1]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("{ $.latency > 100 }", [150, 1000.5]),
        ("{ $.latency >= 100 }", [100, 150, 1000.5]),
        ("{ $.latency < 100 }", [-2.5, 0]),
        ("{ $.latency <= -2.5 }", [-2.5]),
        ("{ $.latency != 100 }", [-2.5, 0, 150, 1000.5]),
        ("{ $.latency > 1e2 }", [150, 1000.5]),
        ("{ $.latency >= 1.5E+2 }", [150, 1000.5]),
        ("{ $.latency < +1e-3 }", [-2.5, 0]),
        ("{ $.latency = 1000.50 }", [1000.5]),
    ],
)
def test_numeric_comparisons(search: Search, pattern: str, expected: list[float]) -> None:
    events = docs(*({"latency": v} for v in [-2.5, 0, 100, 150, 1000.5]), {"latency": "150"})

    assert [json.loads(m)["latency"] for m in search(pattern, *events)] == expected


def test_a_numeric_wildcard_matches_a_number_by_its_text(search: Search) -> None:
    events = docs({"status": 404}, {"status": 410}, {"status": 500}, {"status": "404"})

    assert search("{ $.status = 4* }", *events) == [events[0], events[1], events[3]]


# ---- IS NULL, IS TRUE, IS FALSE, NOT EXISTS -------------------------------------------------------


def test_is_null_matches_only_a_json_null(search: Search) -> None:
    events = docs({"user": None}, {"other": 1}, {"user": "null"}, {"user": 0})

    assert search("{ $.user IS NULL }", *events) == events[:1]


def test_not_exists_matches_a_missing_property(search: Search) -> None:
    events = docs({"other": 1}, {"user": "alice"}, {"user": None}, {"user": {}})

    assert search("{ $.user NOT EXISTS }", *events) == events[:1]


def test_is_true_and_is_false_match_json_booleans(search: Search) -> None:
    events = docs({"ok": True}, {"ok": False}, {"ok": "true"}, {"ok": 1})

    assert search("{ $.ok IS TRUE }", *events) == events[:1]
    assert search("{ $.ok IS FALSE }", *events) == events[1:2]


def test_keywords_are_not_case_sensitive(search: Search) -> None:
    events = docs({"user": None}, {"user": 1})

    assert search("{ $.user is null }", *events) == events[:1]


# ---- messages that are not JSON objects -----------------------------------------------------------


def test_a_message_that_is_not_json_never_matches(search: Search) -> None:
    events = ["plain text", '{"broken": ', '{"user": 1}']

    assert search("{ $.user = * }", *events) == events[2:]


def test_not_exists_never_matches_a_message_that_is_not_a_json_object(search: Search) -> None:
    events = ["plain text", "[1, 2]", '"a string"', "42", '{"other": 1}']

    assert search("{ $.user NOT EXISTS }", *events) == events[4:]


def test_a_json_object_with_surrounding_whitespace_matches(search: Search) -> None:
    assert search("{ $.a = 1 }", '  {"a": 1}\n') == ['  {"a": 1}\n']


# ---- selectors ------------------------------------------------------------------------------------


def test_nested_paths_and_array_indexes(search: Search) -> None:
    events = docs({"a": {"b": [{"c": 1}, {"c": 2}]}}, {"a": {"b": [{"c": 2}]}})

    assert search("{ $.a.b[1].c = 2 }", *events) == events[:1]


def test_a_bracketed_key_may_contain_dots(search: Search) -> None:
    events = docs({"key.with.dot": "x"}, {"key": {"with": {"dot": "x"}}})

    assert search("{ $.['key.with.dot'] = x }", *events) == events[:1]


def test_a_key_may_contain_dashes(search: Search) -> None:
    events = docs({"client-ip": "10.0.0.1"}, {"client": "10.0.0.1"})

    assert search("{ $.client-ip = 10.0.0.* }", *events) == events[:1]


def test_a_selector_pointing_at_an_object_or_array_never_matches(search: Search) -> None:
    events = docs({"user": {"id": 1}}, {"user": [1]}, {"user": "alice"})

    assert search("{ $.user = * }", *events) == events[2:]
    assert search("{ $.user IS NULL }", *events) == []


def test_a_member_wildcard_matches_when_any_member_does(search: Search) -> None:
    events = docs({"x": 1, "y": 7}, {"x": 1, "y": 2})

    assert search("{ $.* = 7 }", *events) == events[:1]


def test_not_equal_with_a_wildcard_selector_means_any_element_differs(search: Search) -> None:
    events = docs({"tags": ["a", "b"]}, {"tags": ["a", "a"]}, {"tags": []})

    assert search('{ $.tags[*] != "a" }', *events) == events[:1]


def test_not_exists_with_a_wildcard_selector_means_no_element(search: Search) -> None:
    events = docs({"tags": []}, {"tags": ["a"]})

    assert search("{ $.tags[*] NOT EXISTS }", *events) == events[:1]


# ---- compound patterns ----------------------------------------------------------------------------


def test_and_binds_tighter_than_or(search: Search) -> None:
    events = docs({"a": 1, "b": 0, "c": 0}, {"a": 0, "b": 1, "c": 1}, {"a": 0, "b": 1, "c": 0})

    assert search("{ $.a = 1 || $.b = 1 && $.c = 1 }", *events) == events[:2]


def test_parentheses_group_before_and(search: Search) -> None:
    events = docs({"a": 1, "b": 0, "c": 0}, {"a": 0, "b": 1, "c": 1}, {"a": 1, "b": 0, "c": 1})

    assert search("{ ($.a = 1 || $.b = 1) && $.c = 1 }", *events) == events[1:]


def test_and_needs_both_sides(search: Search) -> None:
    events = docs({"level": "ERROR", "status": 500}, {"level": "ERROR", "status": 200})

    assert search('{$.level="ERROR"&&$.status>=500}', *events) == events[:1]
