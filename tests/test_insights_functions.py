"""Scalar functions of the Insights language: strings, numbers and the general ones (spec §5)."""

from __future__ import annotations

from typing import Any

import pytest
from insights_helpers import evaluate


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('concat("a", "b", "c")', "abc"),
        ('toupper("abC")', "ABC"),
        ('tolower("AbC")', "abc"),
        ('strlen("héllo")', "5"),
        ('substr("xyZfooxyZ", 3, 3)', "foo"),
        ('substr("xyZfooxyZ", 3)', "fooxyZ"),
        ('replace("a-b-c", "-", "+")', "a+b+c"),
        ('ltrim("  pad  ")', "pad  "),
        ('rtrim("  pad  ")', "  pad"),
        ('trim("  pad  ")', "pad"),
        ('ltrim("xyZxyfooxyZ", "xyZ")', "fooxyZ"),
        ('rtrim("xyZfooxyxyZ", "xyZ")', "xyZfoo"),
        ('trim("xyZxyfooxyxyZ", "xyZ")', "foo"),
        ('strcontains("Hello", "ell")', "1"),
        ('strcontains("Hello", "ELL")', "0"),
        ('strcontains("Hello", "ELL", 1)', "1"),
        ('isempty("")', "1"),
        ('isempty("x")', "0"),
        ('isblank("  ")', "1"),
        ('isblank(" x ")', "0"),
        ('startsWith("prefix-rest", "prefix")', "1"),
        ('endsWith("prefix-rest", "prefix")', "0"),
        ('regexReplace("a1b22c", /[0-9]+/, "#")', "a#b#c"),
        ('urlencode("a b/c")', "a%20b%2Fc"),
        ('urldecode("a%20b")', "a b"),
        ('base64encode("hi")', "aGk="),
        ('base64decode("aGk=")', "hi"),
        ('hexToAscii("6869")', "hi"),
        ('hexToDec("ff")', "255"),
        ("decToHex(255)", "ff"),
    ],
)
def test_string_function(logs_client: Any, group: str, expression: str, expected: str) -> None:
    assert evaluate(logs_client, group, expression) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("abs(-3.5)", "3.5"),
        ("ceil(1.2)", "2"),
        ("floor(1.8)", "1"),
        ("greatest(1, 7, 3)", "7"),
        ("least(4, 2, 9)", "2"),
        ("log(1)", "0"),
        ("sqrt(16)", "4"),
        ("round(2.567, 2)", "2.57"),
        ("round(2.5)", "3"),
        ('toNumber("12.5")', "12.5"),
        ('toInt("12.9")', "12"),
        ("toLong(-3.7)", "-3"),
        ('toDouble("3")', "3"),
        ("haversine(0, 0, 0, 1)", "111.19492664455873"),
    ],
)
def test_numeric_function(logs_client: Any, group: str, expression: str, expected: str) -> None:
    assert evaluate(logs_client, group, expression) == expected


def test_concat_treats_a_missing_argument_as_empty(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, 'concat("a", nothing, "b")') == "ab"


def test_a_string_function_of_a_missing_value_is_missing(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, "toupper(nothing)") is None


def test_coalesce_takes_the_first_present_value(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, 'coalesce(nothing, b, "z")', {"b": "bee"}) == "bee"


def test_coalesce_skips_json_null(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, 'coalesce(a, "fallback")', {"a": None}) == "fallback"


def test_if_picks_a_branch(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, 'if(n > 5, "big", "small")', {"n": 7}) == "big"


def test_case_takes_the_first_true_branch_or_the_default(logs_client: Any, group: str) -> None:
    expression = 'case(n < 0, "negative", n = 0, "zero", "positive")'
    assert evaluate(logs_client, group, expression, {"n": 0}) == "zero"


def test_case_without_default_is_missing_when_nothing_matches(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, 'case(n < 0, "negative")', {"n": 3}) is None


def test_ispresent_is_false_for_json_null(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, "ispresent(a)", {"a": None}) == "0"


def test_ispresent_is_true_for_an_empty_string(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, "ispresent(a)", {"a": ""}) == "1"


def test_isnumeric_tells_numbers_from_words(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, "concat(isNumeric(a), isNumeric(b))", {"a": "12", "b": "x1"}) == "10"


def test_message_size_counts_utf8_bytes(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, "messageSize(@message)", "héllo") == "6"


def test_strlen_counts_code_points_of_a_field(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, "strlen(@message)", "héllo") == "5"


def test_split_makes_a_list(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, 'split("a,b", ",")') == '["a","b"]'


def test_query_time_functions_read_the_query_window(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, "queryEndTime() - queryStartTime() = queryTimeRange()") == "1"


def test_now_is_epoch_seconds(logs_client: Any, group: str) -> None:
    seconds = evaluate(logs_client, group, "now()")
    assert seconds is not None and len(seconds) == 10
