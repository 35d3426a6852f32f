"""Which fields a query returns and what they hold: fields and display, system fields, JSON discovery,
Lambda platform lines, retention, and how values are rendered (docs/insights.md, decisions 1, 7)."""

from __future__ import annotations

from typing import Any

from insights_helpers import DAY, column, evaluate, hour_start, put, put_at, rows, run, value
from logs_helpers import ACCOUNT, now_ms

REPORT = (
    "REPORT RequestId: 8f5c1d2e-aaaa-bbbb-cccc-123456789012\tDuration: 102.25 ms\tBilled Duration: 103 ms\t"
    "Memory Size: 128 MB\tMax Memory Used: 67 MB\tInit Duration: 150.5 ms\t\n"
    "XRAY TraceId: 1-5e1b4151-5ac6c58f5b5b5b5b5b5b5b5b\tSegmentId: 6b2c9a8d7e6f5a4b\tSampled: true"
)


def test_without_fields_a_row_has_the_default_system_fields_and_a_pointer(logs_client: Any, group: str) -> None:
    put(logs_client, group, "hello")
    reply = run(logs_client, "limit 1")
    assert [f["field"] for f in reply["results"][0]] == ["@timestamp", "@message", "@logStream", "@log", "@ptr"]


def test_the_pointer_is_the_last_pair_of_every_event_row(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"a": 1}, {"a": 2})
    reply = run(logs_client, "fields a")
    assert all(row[-1]["field"] == "@ptr" for row in reply["results"])


def test_the_pointer_reads_back_its_event(logs_client: Any, group: str) -> None:
    put(logs_client, group, "the one")
    pointer = run(logs_client, "fields @message")["results"][0][-1]["value"]
    assert logs_client.get_log_record(logRecordPointer=pointer)["logRecord"]["@message"] == "the one"


def test_stats_rows_have_no_pointer(logs_client: Any, group: str) -> None:
    put(logs_client, group, "x")
    reply = run(logs_client, "stats count(*)")
    assert [f["field"] for f in reply["results"][0]] == ["count(*)"]


def test_fields_commands_add_up(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"a": 1, "b": 2, "c": 3})
    assert rows(logs_client, "fields a | fields b") == [{"a": "1", "b": "2"}]


def test_display_chooses_the_columns(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"a": 1, "b": 2})
    assert rows(logs_client, "fields a, b | display b") == [{"b": "2"}]


def test_display_may_show_a_field_no_fields_command_named(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"a": 1, "b": 2})
    assert rows(logs_client, "fields a | display b") == [{"b": "2"}]


def test_an_alias_names_the_column(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"level": "INFO"})
    assert rows(logs_client, "fields level as lvl") == [{"lvl": "INFO"}]


def test_an_expression_without_alias_is_named_by_its_text(logs_client: Any, group: str) -> None:
    put(logs_client, group, "four")
    assert rows(logs_client, "fields strlen(@message)") == [{"strlen(@message)": "4"}]


def test_an_alias_can_be_used_by_later_commands(logs_client: Any, group: str) -> None:
    put(logs_client, group, "abc", "abcdef")
    assert column(logs_client, "fields strlen(@message) as n | filter n > 3 | fields n", "n") == ["6"]


def test_a_missing_field_is_left_out_of_its_row(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"a": 1}, {"b": 2})
    assert rows(logs_client, "fields a, b") == [{"b": "2"}, {"a": "1"}]


def test_timestamps_are_utc_with_milliseconds(logs_client: Any, group: str) -> None:
    put_at(logs_client, group, [(hour_start() + 1234, "x")])
    assert str(value(logs_client, "fields @timestamp", "@timestamp")).endswith(":00:01.234")


def test_ingestion_time_is_a_timestamp(logs_client: Any, group: str) -> None:
    put(logs_client, group, "x")
    ingested = value(logs_client, "fields @ingestionTime", "@ingestionTime")
    assert ingested is not None and len(ingested) == len("2024-01-01 00:00:00.000")


def test_log_is_account_and_group_name(logs_client: Any, group: str) -> None:
    put(logs_client, group, "x")
    assert value(logs_client, "fields @log", "@log") == f"{ACCOUNT}:{group}"


def test_log_stream_is_the_stream_name(logs_client: Any, group: str) -> None:
    logs_client.create_log_stream(logGroupName=group, logStreamName="worker-7")
    put(logs_client, group, "x", stream="worker-7")
    assert value(logs_client, "fields @logStream", "@logStream") == "worker-7"


def test_several_groups_are_told_apart_by_log(logs_client: Any, group: str) -> None:
    logs_client.create_log_group(logGroupName="/app/billing")
    logs_client.create_log_stream(logGroupName="/app/billing", logStreamName="web")
    put(logs_client, group, "orders")
    put(logs_client, "/app/billing", "billing")
    found = rows(logs_client, "fields @log, @message | sort @message asc", [group, "/app/billing"])
    assert found == [
        {"@log": f"{ACCOUNT}:/app/billing", "@message": "billing"},
        {"@log": f"{ACCOUNT}:{group}", "@message": "orders"},
    ]


def test_json_leaves_are_fields_named_by_dotted_path(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"userIdentity": {"type": "Root", "session": {"mfa": "yes"}}})
    found = rows(logs_client, "fields userIdentity.type, userIdentity.session.mfa")
    assert found == [{"userIdentity.type": "Root", "userIdentity.session.mfa": "yes"}]


def test_json_array_elements_are_numbered_from_zero(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"items": [{"id": "i-1"}, {"id": "i-2"}]})
    assert value(logs_client, "fields items.1.id", "items.1.id") == "i-2"


def test_json_arrays_of_scalars_flatten_the_same_way(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"tags": ["red", "green"]})
    assert rows(logs_client, "fields tags.0, tags.1") == [{"tags.0": "red", "tags.1": "green"}]


def test_a_json_object_is_not_a_field(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"request": {"path": "/x"}, "tags": ["a"]})
    assert rows(logs_client, "fields request, tags, request.path") == [{"request.path": "/x"}]


def test_json_null_is_absent(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"a": None, "b": 1})
    assert rows(logs_client, "fields a, b") == [{"b": "1"}]


def test_json_booleans_read_true_and_false(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"ok": True, "bad": False})
    assert rows(logs_client, "fields ok, bad") == [{"ok": "true", "bad": "false"}]


def test_json_numbers_read_as_written(logs_client: Any, group: str) -> None:
    put(logs_client, group, '{"i": 42, "f": 12.5, "n": -3, "big": 12345678901234567890}')
    assert rows(logs_client, "fields i, f, n, big") == [
        {"i": "42", "f": "12.5", "n": "-3", "big": "12345678901234567890"}
    ]


def test_a_json_string_holding_json_is_one_opaque_value(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"body": '{"inner": 1}'})
    assert rows(logs_client, "fields body, body.inner") == [{"body": '{"inner": 1}'}]


def test_a_discovered_name_starting_with_at_gets_one_more_at(logs_client: Any, group: str) -> None:
    put(logs_client, group, {"@example.com": "mail", "@timestamp": "their own"})
    found = rows(logs_client, "fields `@@example.com`, @@timestamp")
    assert found == [{"@@example.com": "mail", "@@timestamp": "their own"}]


def test_json_after_a_prefix_on_the_line_is_discovered(logs_client: Any, group: str) -> None:
    put(logs_client, group, '2024-01-01T00:00:00.000Z\t8f5c\tINFO\t{"order": "o-1", "total": 9.5}')
    assert rows(logs_client, "fields order, total") == [{"order": "o-1", "total": "9.5"}]


def test_only_the_first_json_fragment_of_a_line_is_discovered(logs_client: Any, group: str) -> None:
    put(logs_client, group, 'INFO {"a": {"b": 1}} then {"c": 2}')
    assert rows(logs_client, "fields a.b, c") == [{"a.b": "1"}]


def test_a_line_that_is_not_json_has_no_discovered_fields(logs_client: Any, group: str) -> None:
    put(logs_client, group, "level=ERROR {broken")
    assert rows(logs_client, "fields level") == [{}]


def test_lambda_report_lines_give_their_fields(logs_client: Any, group: str) -> None:
    put(logs_client, group, REPORT)
    found = rows(
        logs_client,
        "fields @type, @requestId, @duration, @billedDuration, @initDuration, @xrayTraceId, @xraySegmentId",
    )
    assert found == [
        {
            "@type": "REPORT",
            "@requestId": "8f5c1d2e-aaaa-bbbb-cccc-123456789012",
            "@duration": "102.25",
            "@billedDuration": "103",
            "@initDuration": "150.5",
            "@xrayTraceId": "1-5e1b4151-5ac6c58f5b5b5b5b5b5b5b5b",
            "@xraySegmentId": "6b2c9a8d7e6f5a4b",
        }
    ]


def test_lambda_memory_fields_are_in_bytes(logs_client: Any, group: str) -> None:
    put(logs_client, group, REPORT)
    assert rows(logs_client, "fields @memorySize, @maxMemoryUsed") == [
        {"@memorySize": "128000000", "@maxMemoryUsed": "67000000"}
    ]


def test_lambda_start_and_end_lines_give_type_and_request_id(logs_client: Any, group: str) -> None:
    put(logs_client, group, "START RequestId: r-1 Version: $LATEST", "END RequestId: r-1")
    found = rows(logs_client, "fields @type, @requestId, @duration | sort @timestamp asc")
    assert found == [{"@type": "START", "@requestId": "r-1"}, {"@type": "END", "@requestId": "r-1"}]


def test_lambda_fields_come_from_the_line_whatever_the_group_name(logs_client: Any, group: str) -> None:
    assert not group.startswith("/aws/lambda/")
    put(logs_client, group, REPORT)
    assert value(logs_client, "fields @billedDuration", "@billedDuration") == "103"


def test_events_older_than_retention_are_invisible(logs_client: Any, group: str) -> None:
    put_at(logs_client, group, [(now_ms() - 3 * DAY, "old")])
    put_at(logs_client, group, [(now_ms() - 60_000, "new")])
    logs_client.put_retention_policy(logGroupName=group, retentionInDays=1)
    reply = run(logs_client, "fields @message", startTime=(now_ms() - 5 * DAY) // 1000)
    assert [row[0]["value"] for row in reply["results"]] == ["new"]


def test_whole_numbers_have_no_decimal_point(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, "10 / 2") == "5"


def test_other_numbers_are_the_shortest_exact_text(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, "5999 / 6") == "999.8333333333334"


def test_a_condition_in_fields_renders_one_or_zero(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, "concat(a = 1, a = 2, nothing = 1)", {"a": 1}) == "100"


def test_a_boolean_field_renders_one_or_zero(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, "a > 1", {"a": 0}) == "0"
