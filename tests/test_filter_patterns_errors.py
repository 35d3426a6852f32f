"""Invalid filter patterns: FilterLogEvents refuses each with InvalidParameterException and a message that
names the offending part and its position (counted from 1)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pattern_helpers import refusal


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # JSON
        ("{ $.a = 1 ) }", "unexpected ')' at position 11"),
        ("{ $.a = 1", "unexpected end of pattern at position 10"),
        ("{ $.a = }", "unexpected '}' at position 9"),
        ("{ $.a }", "unexpected '}' at position 7"),
        ("{ a = 1 }", "unexpected 'a' at position 3"),
        ("{ $ = 1 }", "unexpected ' ' at position 4"),
        ('{ $.a < "x" }', "'<' compares numbers only at position 9"),
        ("{ $.a >= abc }", "'>=' compares numbers only at position 10"),
        ("{ $.a IS NOT NULL }", "IS NOT is not supported) at position 7"),
        ("{ $.a EXISTS }", "unexpected 'EXISTS' after $.a at position 7"),
        ("{ $.a NOT NULL }", "NOT must be followed by EXISTS at position 7"),
        ('{ $.a = "open }', "unterminated quoted string at position 9"),
        ("{ $.a = 1 } extra", "unexpected 'e' at position 13"),
        ("{ ($.a = 1 }", "unexpected '}' at position 12"),
        ("{ $.a = 1 && }", "unexpected '}' at position 14"),
        ("{ $.a[x] = 1 }", "unexpected 'x' at position 7"),
        ("{ $.a = 1e999 }", "number 1e999 is out of range at position 9"),
        # wildcard selectors
        ("{ $.a[*].b[*] = 1 }", "only one wildcard ([*] or .*) at position 3"),
        ("{ $.a[*] = 1 || $.b.* = 1 || $.c[*] = 1 || $.d[*] = 1 }", "at most 3 wildcard selectors at position 44"),
        # regexes
        ("%ERR(OR)%", "'(' is not allowed in a regular expression (write \\x28) at position 5"),
        ("%ERROR)%", "')' is not allowed in a regular expression (write \\x29) at position 7"),
        ("%something!%", "'!' is not allowed in a regular expression at position 11"),
        ("%café%", "multi-byte character 'é' is not allowed in a regular expression at position 5"),
        ("%a\\bc%", "unsupported escape '\\\\b' in a regular expression at position 3"),
        ("%%", "empty regular expression at position 2"),
        ("%ERROR", "unterminated regular expression at position 1"),
        ("%ERROR% WARN", "unexpected 'W' at position 9"),
        ("%a{3,1}%", "invalid regular expression"),
        ("%a{1001}%", "repetition {1001} exceeds 1000"),
        ("{ $.a = %x% || $.b = %y% || $.c = %z% }", "at most 2 regular expressions at position 35"),
        ("[a = %x%, b = %y%, c = %z%]", "at most 2 regular expressions at position 24"),
        # space-delimited
        ("[a, b", "unexpected end of pattern at position 6"),
        ("[a b]", "unexpected 'b' at position 4"),
        ("[]", "unexpected ']' at position 2"),
        ("[a, a]", "field 'a' is named twice at position 5"),
        ("[a = 1 && b = 2, b]", "must test 'a', not 'b' at position 11"),
        ("[a > x]", "'>' compares numbers only at position 6"),
        ("[a =]", "unexpected ']' at position 5"),
        ("[..., a, ...]", "only one '...' at position 10"),
        # terms
        ('ERROR "open', "unterminated quoted string at position 7"),
        ("ERROR - WARN", "'-' without a term at position 7"),
    ],
)
def test_an_invalid_pattern_is_refused_with_what_and_where(
    logs_client: Any, group: str, pattern: str, expected: str
) -> None:
    code, message = refusal(lambda: logs_client.filter_log_events(logGroupName=group, filterPattern=pattern))

    assert code == "InvalidParameterException"
    assert message.startswith("Invalid filter pattern: ")
    assert expected in message
    assert f'in "{pattern}"' in message


def test_the_refusal_quotes_the_whole_pattern(logs_client: Any, group: str) -> None:
    _, message = refusal(lambda: logs_client.filter_log_events(logGroupName=group, filterPattern="{ $.a = 1 ) }"))

    assert message == "Invalid filter pattern: unexpected ')' at position 11 in \"{ $.a = 1 ) }\" (expected '}')"


def test_a_pattern_may_hold_two_regexes(logs_client: Any, group: str) -> None:
    answer = logs_client.filter_log_events(logGroupName=group, filterPattern="[a = %x%, b = %y%]")

    assert answer["events"] == []


def test_a_selector_may_hold_one_wildcard_and_a_pattern_three(logs_client: Any, group: str) -> None:
    pattern = "{ $.a[*] = 1 || $.b.* = 1 || $.c[*].d = 1 }"

    assert logs_client.filter_log_events(logGroupName=group, filterPattern=pattern)["events"] == []


PIECES = ["{", "}", "[", "]", "(", ")", "$.a", "$.c[*]", "$.*", "$['k.d']", "=", "!=", "<", ">=", "&&", "||", "IS",
          "NULL", "NOT", "EXISTS", '"', '"x"', "%", "%a.b%", "%\\d+%", "...", ",", "1", "-2.5e3", "4*", "x", "?", "-",
          " ", "\\", "'", "é", "{,2}", "[:alpha:]", "|"]  # fmt: skip
MESSAGES = ['{"a": 1, "c": [1, "y"], "k.d": {"e": null}}', 'ERROR [a b] "q r" 12', "{", "[1]", 'x]y[z "']


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pattern=st.lists(st.sampled_from(PIECES), max_size=12).map("".join) | st.text(max_size=25))
def test_any_pattern_is_evaluated_or_refused_as_invalid(logs_client: Any, pattern: str) -> None:
    try:
        answer = logs_client.test_metric_filter(filterPattern=pattern, logEventMessages=MESSAGES)
    except ClientError as refused:
        assert refused.response["Error"]["Code"] == "InvalidParameterException"
    else:
        assert all(1 <= m["eventNumber"] <= len(MESSAGES) for m in answer["matches"])
