"""Space-delimited filter patterns through FilterLogEvents: field layout, ``...``, bracketed and quoted
fields, and the conditions a field may carry."""

from __future__ import annotations

from typing import Any

import pytest
from pattern_helpers import Search, searcher

APACHE_404 = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'
APACHE_200 = '127.0.0.1 - frank [10/Oct/2000:13:25:16 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326'
APACHE_410 = '10.0.0.9 - alice [10/Oct/2000:13:25:17 -0700] "GET /old.html HTTP/1.0" 410 512'


@pytest.fixture
def search(logs_client: Any, group: str) -> Search:
    return searcher(logs_client, group)


# ---- layout ---------------------------------------------------------------------------------------


def test_one_name_per_field_matches_events_with_that_many_fields(search: Search) -> None:
    pattern = "[ip, user, username, timestamp, request, status_code, bytes]"

    assert search(pattern, APACHE_404, "too few fields here", APACHE_200) == [APACHE_404, APACHE_200]


def test_an_event_with_fewer_fields_than_the_pattern_does_not_match(search: Search) -> None:
    assert search("[a, b, c]", "one two", "one two three") == ["one two three"]


def test_without_ellipsis_the_last_field_takes_the_rest_of_the_line(search: Search) -> None:
    events = ["ERROR disk full now", "WARN disk", "ERROR"]

    assert search("[w1=ERROR, w2]", *events) == ["ERROR disk full now"]
    assert search("[w1, w2 = disk]", *events) == ["WARN disk"]
    assert search('[w1, w2 = "disk full now"]', *events) == ["ERROR disk full now"]


def test_runs_of_spaces_and_tabs_separate_fields(search: Search) -> None:
    assert search("[a, b = x, c]", "1 \t  x\t3", "1 y 3") == ["1 \t  x\t3"]


def test_ellipsis_at_the_start_skips_leading_fields(search: Search) -> None:
    found = search("[..., request = *.html*, status_code = 4*, bytes]", APACHE_404, APACHE_200, APACHE_410)

    assert found == [APACHE_404, APACHE_410]


def test_ellipsis_in_the_middle_skips_fields_between(search: Search) -> None:
    found = search("[ip = 127.0.0.1, ..., bytes > 1000]", APACHE_404, APACHE_200, APACHE_410, "127.0.0.1 2000")

    assert found == [APACHE_404, APACHE_200, "127.0.0.1 2000"]


def test_ellipsis_at_the_end_skips_trailing_fields(search: Search) -> None:
    assert search("[level = ERROR, ...]", "ERROR a b c", "ERROR", "WARN ERROR") == ["ERROR a b c", "ERROR"]


def test_ellipsis_alone_matches_every_event(search: Search) -> None:
    assert search("[...]", "one", "two words") == ["one", "two words"]


def test_a_bracketed_field_is_one_field_without_its_brackets(search: Search) -> None:
    found = search("[ip, user, username, timestamp = 10/Oct/2000:13:25:15*, ...]", APACHE_404, APACHE_200)

    assert found == [APACHE_404]


def test_a_quoted_field_is_one_field_without_its_quotes(search: Search) -> None:
    found = search('[..., request = "GET /index.html HTTP/1.0", status_code, bytes]', APACHE_404, APACHE_200)

    assert found == [APACHE_404]


def test_a_bracketed_field_with_spaces_counts_as_one_field(search: Search) -> None:
    assert search("[a, b]", "[10/Oct/2000:13:25:15 -0700]", "[10/Oct/2000:13:25:15 -0700] x") == [
        "[10/Oct/2000:13:25:15 -0700] x"
    ]


def test_a_closing_bracket_ends_the_field_even_inside_a_word(search: Search) -> None:
    assert search("[a = x, b = y]", "[x]y", "[x] y", "xy") == ["[x]y", "[x] y"]


def test_line_breaks_and_surrounding_whitespace_separate_or_are_ignored(search: Search) -> None:
    assert search("[a, b = disk]", "ERROR disk\n", "  ERROR\ndisk  ", "ERROR disk full") == [
        "ERROR disk\n",
        "  ERROR\ndisk  ",
    ]


def test_an_unclosed_bracket_or_quote_is_an_ordinary_character(search: Search) -> None:
    assert search('[a, b = "[oops", c]', "x [oops y", "x oops y") == ["x [oops y"]
    assert search("[a, b = *says, c]", 'x "says y', "x says y") == ['x "says y', "x says y"]


# ---- conditions -----------------------------------------------------------------------------------


def test_a_field_equal_to_a_word(search: Search) -> None:
    assert search("[level = ERROR, rest]", "ERROR disk", "ERRORS disk", "WARN ERROR") == ["ERROR disk"]


def test_a_field_not_equal_to_a_word(search: Search) -> None:
    assert search("[level != ERROR, rest]", "ERROR disk", "WARN disk") == ["WARN disk"]


def test_a_numeric_condition_compares_the_field_as_a_number(search: Search) -> None:
    events = ["GET 999", "GET 1000", "GET 1534", "GET 1e4", "GET many"]

    assert search("[method, bytes > 1000]", *events) == ["GET 1534", "GET 1e4"]
    assert search("[method, bytes <= 1000]", *events) == ["GET 999", "GET 1000"]
    assert search("[method, bytes = 1000.0]", *events) == ["GET 1000"]


def test_not_equal_to_a_number_matches_a_field_that_is_not_a_number(search: Search) -> None:
    assert search("[method, bytes != 1000]", "GET 1000", "GET 12", "GET many") == ["GET 12", "GET many"]


def test_a_wildcard_condition_must_cover_the_whole_field(search: Search) -> None:
    assert search("[code = 4*, rest]", "404 a", "410 b", "500 c", "x404 d") == ["404 a", "410 b"]


def test_a_regex_condition_searches_the_field(search: Search) -> None:
    found = search(r"[ip=%127\.0\.0\.[1-9]%, ...]", "127.0.0.1 a", "127.0.0.0 b", "10.127.0.0.5 c")

    assert found == ["127.0.0.1 a", "10.127.0.0.5 c"]


def test_a_negated_regex_condition(search: Search) -> None:
    assert search("[level != %^WA%, ...]", "WARN a", "ERROR b") == ["ERROR b"]


def test_conditions_on_one_field_joined_with_or(search: Search) -> None:
    found = search("[..., status_code = 404 || status_code = 410, bytes]", APACHE_404, APACHE_200, APACHE_410)

    assert found == [APACHE_404, APACHE_410]


def test_conditions_on_one_field_joined_with_and(search: Search) -> None:
    found = search("[w1 != ERROR && w1 != WARNING, w2]", "ERROR a", "WARNING b", "INFO c")

    assert found == ["INFO c"]


def test_every_field_condition_must_hold(search: Search) -> None:
    found = search("[ip, ..., status_code = 4*, bytes < 1000]", APACHE_404, APACHE_410)

    assert found == [APACHE_410]


def test_a_condition_on_a_number_field_does_not_match_words(search: Search) -> None:
    assert search("[level, latency >= 0]", "INFO 12", "INFO fast", "INFO inf") == ["INFO 12"]
