"""The shape of a query: commands and pipes, comments, names, literals and case, and the errors a
malformed query gets, which name the line and column and what was expected."""

from __future__ import annotations

from typing import Any

import pytest
from insights_helpers import column, malformed, put, rows, value


def test_an_error_names_line_and_column(logs_client: Any, group: str) -> None:
    message = malformed(logs_client, "fields a\n| filter b = )")
    assert "line 2, column 14" in message
    assert "found ')'" in message


def test_an_error_says_what_was_expected_and_found(logs_client: Any, group: str) -> None:
    message = malformed(logs_client, "fields a | sort b sideways")
    assert "expected '|' or the end of the query, found 'sideways'" in message


def test_an_unknown_command_is_refused(logs_client: Any, group: str) -> None:
    assert "expected a command" in malformed(logs_client, "fetch a")


def test_an_unknown_function_is_refused_where_it_is(logs_client: Any, group: str) -> None:
    message = malformed(logs_client, "fields nosuch(a)")
    assert "unknown function 'nosuch'" in message
    assert "line 1, column 8" in message


def test_a_function_with_the_wrong_number_of_arguments_is_refused(logs_client: Any, group: str) -> None:
    assert "strlen() takes 1 argument, not 2" in malformed(logs_client, "fields strlen(a, b)")


def test_a_third_stats_is_refused(logs_client: Any, group: str) -> None:
    query = "stats count(*) as a by x | stats count(*) as b by a | stats count(*) as c"
    assert "at most 2 stats" in malformed(logs_client, query)


def test_sort_before_a_second_stats_is_refused(logs_client: Any, group: str) -> None:
    query = "stats count(*) as c by x | sort c | stats max(c)"
    assert "after the second stats" in malformed(logs_client, query)


def test_limit_before_a_second_stats_is_refused(logs_client: Any, group: str) -> None:
    query = "stats count(*) as c by x | limit 3 | stats max(c)"
    assert "after the second stats" in malformed(logs_client, query)


def test_only_limit_may_follow_dedup(logs_client: Any, group: str) -> None:
    assert "only limit may follow dedup" in malformed(logs_client, "dedup a | sort a")


def test_limit_may_follow_dedup(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"a": 1}, {"a": 1}, {"a": 2})
    assert len(rows(logs_client, "fields a | dedup a | limit 5")) == 2


def test_an_aggregate_outside_stats_is_refused(logs_client: Any, group: str) -> None:
    assert "only allowed in stats" in malformed(logs_client, "fields count(*)")


def test_a_plain_field_among_stats_aggregates_is_refused(logs_client: Any, group: str) -> None:
    assert "inside an aggregate function" in malformed(logs_client, "stats count(*) + level")


def test_bin_needs_a_period(logs_client: Any, group: str) -> None:
    assert "bin() takes a period" in malformed(logs_client, "stats count(*) by bin(5)")


def test_bin_after_stats_has_no_timestamp_to_read(logs_client: Any, group: str) -> None:
    query = "stats count(*) as c by level | stats sum(c) by bin(5m)"
    assert "bin() reads @timestamp" in malformed(logs_client, query)


def test_an_invalid_regex_is_refused(logs_client: Any, group: str) -> None:
    assert "invalid regular expression" in malformed(logs_client, "filter @message like /a(b/")


def test_an_unterminated_string_is_refused(logs_client: Any, group: str) -> None:
    assert "unterminated string" in malformed(logs_client, 'filter a = "open')


def test_a_glob_needs_one_name_per_star(logs_client: Any, group: str) -> None:
    assert "2 '*' but 1 names" in malformed(logs_client, 'parse @message "* *" as a')


def test_a_parse_regex_needs_named_groups(logs_client: Any, group: str) -> None:
    assert "named groups" in malformed(logs_client, "parse @message /(a)/")


@pytest.mark.parametrize("command", ["pattern @message", "diff", "anomaly", "lookup t key"])
def test_commands_not_built_yet_are_refused_clearly(logs_client: Any, group: str, command: str) -> None:
    assert "not supported yet" in malformed(logs_client, f"fields @message | {command}")


def test_a_comment_line_is_ignored_pipes_included(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"a": 1}, {"a": 2})
    query = "fields a\n # | filter a = 1\n | sort a asc"
    assert column(logs_client, query, "a") == ["1", "2"]


def test_a_comment_may_end_a_line(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"a": 1}, {"a": 2})
    assert column(logs_client, "filter a = 2 # only the second\n| fields a", "a") == ["2"]


def test_keywords_and_functions_ignore_case(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"a": "x"}, {"a": "y"})
    query = 'FIELDS ToUpper(a) AS up | FILTER a IN ["x"] | STATS COUNT(*) AS c BY BIN(5m) | SORT c DESC | LIMIT 5'
    assert column(logs_client, query, "c") == ["1"]


def test_field_names_are_case_sensitive(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"Level": "x"})
    assert rows(logs_client, "fields level, Level") == [{"Level": "x"}]


def test_backticks_name_a_field_with_special_characters(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"foo-bar": "yes"})
    assert value(logs_client, "fields `foo-bar`", "foo-bar") == "yes"


def test_backticks_name_a_key_with_dots_inside_a_map(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"json": {"user.id": "u1"}})
    assert value(logs_client, "fields json.`user.id` as id", "id") == "u1"


def test_strings_take_single_or_double_quotes(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"a": "x"})
    assert value(logs_client, "filter a = 'x' and a = \"x\" | fields a", "a") == "x"


def test_a_backslash_escapes_a_quote_inside_a_string(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"a": 'say "hi"'})
    assert value(logs_client, 'filter a = "say \\"hi\\"" | fields a', "a") == 'say "hi"'


def test_where_is_filter(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"a": 1}, {"a": 2})
    assert column(logs_client, "where a = 2 | fields a", "a") == ["2"]


def test_filter_index_acts_like_filter(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"a": "k1"}, {"a": "k2"})
    assert column(logs_client, 'filterIndex a = "k1" | fields a', "a") == ["k1"]


def test_unmask_is_accepted_and_changes_nothing(logs_client: Any, group: str) -> None:
    put(logs_client, group, "card 4111")
    assert column(logs_client, "fields @message | unmask", "@message") == ["card 4111"]


def test_source_names_the_groups_in_the_query(logs_client: Any) -> None:
    for name in ("/svc/a", "/svc/b", "/other"):
        logs_client.create_log_group(logGroupName=name)
        logs_client.create_log_stream(logGroupName=name, logStreamName="web")
        put(logs_client, name, name)
    query = "SOURCE logGroups(namePrefix: ['/svc']) START=-1d END=0s | fields @message | sort @message asc"
    assert column(logs_client, query, "@message", group=None) == ["/svc/a", "/svc/b"]


def test_an_empty_query_returns_the_default_fields(logs_client: Any, group: str) -> None:
    put(logs_client, group, "x")
    assert list(rows(logs_client, "# nothing to ask\n")[0]) == ["@timestamp", "@message", "@logStream", "@log"]


def test_a_query_may_not_end_with_a_pipe(logs_client: Any, group: str) -> None:
    assert "expected a command, found the end of the query" in malformed(logs_client, "fields a |")
