"""parse (glob and regex), unnest, and JSON values made with jsonParse and split."""

from __future__ import annotations

from typing import Any

from insights_helpers import column, evaluate, put, rows, value


def test_a_glob_captures_each_star_into_a_name(logs_client: Any, group: str) -> None:
    put(logs_client, group, "user=ann action=login")
    query = 'parse @message "user=* action=*" as user, action | display user, action'
    assert rows(logs_client, query) == [{"user": "ann", "action": "login"}]


def test_a_glob_is_not_anchored_to_the_start(logs_client: Any, group: str) -> None:
    put(logs_client, group, "2024-01-01 host [ERROR] disk full")
    query = (
        'parse @message "[*] *" as loggingType, loggingMessage | filter loggingType = "ERROR" | display loggingMessage'
    )
    assert rows(logs_client, query) == [{"loggingMessage": "disk full"}]


def test_a_final_star_takes_the_rest_of_the_line(logs_client: Any, group: str) -> None:
    put(logs_client, group, "key: a b c\nsecond line")
    assert value(logs_client, 'parse @message "key: *" as rest | display rest', "rest") == "a b c"


def test_a_star_before_more_text_takes_as_little_as_it_can(logs_client: Any, group: str) -> None:
    put(logs_client, group, "Duration: 5 ms Billed Duration: 6 ms")
    assert value(logs_client, 'parse @message "Duration: * ms" as d | display d', "d") == "5"


def test_glob_text_is_literal(logs_client: Any, group: str) -> None:
    put(logs_client, group, "cost ($5.00) due", "cost X5Y00 due")
    assert column(logs_client, 'parse @message "($*.00)" as dollars | display dollars', "dollars") == [None, "5"]


def test_an_event_that_does_not_match_stays_without_the_fields(logs_client: Any, group: str) -> None:
    put(logs_client, group, "user=ann", "nothing here")
    query = 'parse @message "user=*" as user | fields @message, user | sort @message asc'
    assert rows(logs_client, query) == [{"@message": "nothing here"}, {"@message": "user=ann", "user": "ann"}]


def test_a_regex_captures_named_groups(logs_client: Any, group: str) -> None:
    put(logs_client, group, '[ERROR] {"a": 1} The error was: NullPointer')
    query = (
        r"parse @message /\[(?<level>\S+)\]\s+(?<config>\{.*\})\s+The error was: (?<exception>\S+)/ "
        "| display level, config, exception"
    )
    assert rows(logs_client, query) == [{"level": "ERROR", "config": '{"a": 1}', "exception": "NullPointer"}]


def test_unnamed_groups_in_a_parse_regex_do_not_capture(logs_client: Any, group: str) -> None:
    put(logs_client, group, "GET /a 200")
    query = r"parse @message /(GET|POST) (?<path>\S+) (?<status>\d+)/ | display path, status"
    assert rows(logs_client, query) == [{"path": "/a", "status": "200"}]


def test_parse_reads_any_field(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"ua": "Mozilla/5.0 (X11)"})
    assert value(logs_client, 'parse ua "Mozilla/*(*)" as version, os | display os', "os") == "X11"


def test_parses_chain(logs_client: Any, group: str) -> None:
    put(logs_client, group, "req id=a-17 done")
    query = 'parse @message "id=* " as id | parse id "*-*" as prefix, number | display prefix, number'
    assert rows(logs_client, query) == [{"prefix": "a", "number": "17"}]


def test_parsed_fields_are_strings_that_compare_as_numbers(logs_client: Any, group: str) -> None:
    put(logs_client, group, "took 95 ms", "took 120 ms")
    query = 'parse @message "took * ms" as took | filter took > 100 | display took'
    assert column(logs_client, query, "took") == ["120"]


def test_parsed_fields_can_be_aggregated(logs_client: Any, group: str) -> None:
    put(logs_client, group, "took 10 ms", "took 20 ms")
    assert value(logs_client, 'parse @message "took * ms" as took | stats avg(took) as a', "a") == "15"


def test_unnest_makes_a_row_per_element_in_order(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"items": '["a", "b", "c"]'})
    assert column(logs_client, "unnest jsonParse(items) into item | display item", "item") == ["a", "b", "c"]


def test_unnest_copies_the_other_fields(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"order": "o-1", "items": "[1, 2]"})
    query = "unnest jsonParse(items) into item | display order, item"
    assert rows(logs_client, query) == [{"order": "o-1", "item": "1"}, {"order": "o-1", "item": "2"}]


def test_unnest_of_a_map_gives_one_row(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"body": '{"k": "v"}'})
    assert column(logs_client, "unnest jsonParse(body) into b | display b.k", "b.k") == ["v"]


def test_unnest_of_split_text(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"csv": "x,y"})
    assert column(logs_client, 'unnest split(csv, ",") into part | display part', "part") == ["x", "y"]


def test_json_parse_reads_attributes_and_elements(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"body": '{"user": {"id": "u1"}, "tags": ["t0", "t1"]}'})
    query = "fields jsonParse(body) as b | display b.user.id, b.tags[1]"
    assert rows(logs_client, query) == [{"b.user.id": "u1", "b.tags[1]": "t1"}]


def test_json_parse_of_text_that_is_not_json_is_empty(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, "jsonParse(s)", {"s": "not json"}) is None


def test_json_parse_then_stringify(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, "jsonStringify(jsonParse(s))", {"s": '{ "a" : [1, 2] }'}) == '{"a":[1,2]}'


def test_json_array_size(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, "jsonArraySize(jsonParse(s))", {"s": "[1, 2, 3]"}) == "3"


def test_json_array_contains_is_case_sensitive(logs_client: Any, group: str) -> None:
    expression = 'concat(jsonArrayContains(jsonParse(s), "b"), jsonArrayContains(jsonParse(s), "B"))'
    assert evaluate(logs_client, group, expression, {"s": '["a", "b"]'}) == "10"


def test_comparing_a_map_is_false(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, 'jsonParse(s) = "x"', {"s": '{"a": 1}'}) == "0"


def test_parsed_fields_join_the_default_columns(logs_client: Any, group: str) -> None:
    put(logs_client, group, "user=ann")
    found = rows(logs_client, 'parse @message "user=*" as user')
    assert list(found[0]) == ["@timestamp", "@message", "@logStream", "@log", "user"]


def test_parsed_fields_join_the_fields_columns(logs_client: Any, group: str) -> None:
    put(logs_client, group, "user=ann")
    assert rows(logs_client, 'fields @logStream | parse @message "user=*" as user') == [
        {"@logStream": "web", "user": "ann"}
    ]
