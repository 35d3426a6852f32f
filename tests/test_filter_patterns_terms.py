"""Term patterns and standalone %regex% patterns through FilterLogEvents: which events each form finds."""

from __future__ import annotations

from typing import Any

import pytest
from pattern_helpers import Search, searcher


@pytest.fixture
def search(logs_client: Any, group: str) -> Search:
    return searcher(logs_client, group)


# ---- terms ----------------------------------------------------------------------------------------


def test_a_term_finds_the_events_containing_it(search: Search) -> None:
    assert search("ERROR", "ERROR disk full", "INFO started", "disk ERROR") == ["ERROR disk full", "disk ERROR"]


def test_a_term_is_case_sensitive(search: Search) -> None:
    assert search("ERROR", "error: lower case", "Error: title case", "ERROR upper") == ["ERROR upper"]


def test_a_term_matches_inside_a_longer_word(search: Search) -> None:
    assert search("ERROR", "3 ERRORS found", "xERRORx", "fine") == ["3 ERRORS found", "xERRORx"]


def test_every_plain_term_must_appear_in_any_order(search: Search) -> None:
    found = search("ERROR ARGUMENTS", "ERROR bad ARGUMENTS", "ARGUMENTS then ERROR", "ERROR alone", "ARGUMENTS")

    assert found == ["ERROR bad ARGUMENTS", "ARGUMENTS then ERROR"]


def test_a_quoted_phrase_must_appear_exactly(search: Search) -> None:
    found = search('"INTERNAL SERVER ERROR"', "500 INTERNAL SERVER ERROR", "SERVER INTERNAL ERROR")

    assert found == ["500 INTERNAL SERVER ERROR"]


def test_a_quoted_term_may_hold_punctuation(search: Search) -> None:
    assert search('"ERROR][grpc"', "[ERROR][grpc] stream reset", "ERROR grpc") == ["[ERROR][grpc] stream reset"]


def test_a_backslash_in_a_quoted_term_escapes_a_quote(search: Search) -> None:
    assert search(r'"say \"hi\""', 'they say "hi"', "they say hi") == ['they say "hi"']


def test_an_unquoted_term_may_hold_punctuation(search: Search) -> None:
    assert search("user@example.com", "login user@example.com", "login user") == ["login user@example.com"]


def test_a_minus_term_excludes_the_events_containing_it(search: Search) -> None:
    found = search("ERROR -ARGUMENTS", "ERROR bad ARGUMENTS", "ERROR disk full", "INFO fine")

    assert found == ["ERROR disk full"]


def test_a_minus_term_alone_finds_every_event_without_it(search: Search) -> None:
    assert search("-ERROR", "ERROR disk full", "INFO started", "WARN slow") == ["INFO started", "WARN slow"]


def test_a_minus_quoted_phrase_excludes_the_phrase(search: Search) -> None:
    found = search('GET -"/health"', "GET /health 200", "GET /orders 200", "POST /health")

    assert found == ["GET /orders 200"]


def test_question_mark_terms_find_events_with_any_of_them(search: Search) -> None:
    found = search("?ERROR ?WARN", "ERROR disk", "WARN slow", "INFO started", "WARN and ERROR")

    assert found == ["ERROR disk", "WARN slow", "WARN and ERROR"]


def test_question_mark_terms_next_to_a_plain_term_are_ignored(search: Search) -> None:
    found = search("?ERROR ?ARGUMENTS REQUEST", "REQUEST ok", "ERROR ARGUMENTS", "REQUEST ERROR")

    assert found == ["REQUEST ok", "REQUEST ERROR"]


def test_question_mark_terms_next_to_a_minus_term_are_ignored(search: Search) -> None:
    assert search("?ERROR -WARN", "INFO started", "ERROR disk", "WARN slow") == ["INFO started", "ERROR disk"]


def test_a_quoted_space_finds_every_event(search: Search) -> None:
    assert search('" "', "no-spaces-here", "two words") == ["no-spaces-here", "two words"]


def test_a_blank_pattern_finds_every_event(search: Search) -> None:
    assert search("   ", "first", "second") == ["first", "second"]


# ---- %regex% --------------------------------------------------------------------------------------


def test_a_regex_pattern_matches_anywhere_in_the_event(search: Search) -> None:
    assert search("%ERR[A-Z]+%", "an ERROR here", "ERRno", "ERRATA") == ["an ERROR here", "ERRATA"]


def test_a_regex_pattern_can_be_anchored(search: Search) -> None:
    assert search("%^INFO%", "INFO started", "not INFO") == ["INFO started"]
    assert search("%full$%", "disk full", "full disk") == ["disk full"]


def test_a_regex_pattern_may_contain_spaces(search: Search) -> None:
    assert search("%disk +full%", "disk   full", "diskfull") == ["disk   full"]


def test_a_regex_pattern_supports_alternation_and_repetition_bounds(search: Search) -> None:
    assert search("%ERROR|WARN%", "WARN x", "INFO y", "ERROR z") == ["WARN x", "ERROR z"]
    assert search(r"%code=\d{3}$%", "code=404", "code=4041", "code=40") == ["code=404"]
    assert search("%^a{,2}b%", "aab", "ab", "aaab") == ["aab", "ab"]


def test_a_regex_pattern_supports_the_escape_classes(search: Search) -> None:
    found = search(r"%\w+\s\d\S%", "id 42x", "id  42", "-- 7;")

    assert found == ["id 42x"]


def test_a_regex_pattern_writes_parentheses_as_hex_escapes(search: Search) -> None:
    assert search(r"%f\x28x\x29%", "call f(x)", "call fx") == ["call f(x)"]


def test_a_regex_pattern_is_case_sensitive(search: Search) -> None:
    assert search("%error%", "ERROR upper", "an error") == ["an error"]
