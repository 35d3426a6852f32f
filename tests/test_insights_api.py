"""The Logs Insights API through boto3: StartQuery's parameters and errors, GetQueryResults and its paging,
StopQuery, DescribeQueries and ListLogGroupsForQuery. The language itself is tested in test_insights_*."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from logs_helpers import ACCOUNT, REGION, error_code, now_ms

from vigil.testing import VigilServer

Aws = Callable[..., Any]
DONE = {"Complete", "Failed", "Cancelled", "Timeout"}


def wait(logs: Any, query_id: str, **kwargs: Any) -> dict[str, Any]:
    """GetQueryResults once the query has finished."""
    deadline = time.monotonic() + 60
    while True:
        reply = logs.get_query_results(queryId=query_id, **kwargs)
        if reply["status"] in DONE or time.monotonic() > deadline:
            return dict(reply)
        time.sleep(0.02)


def put(logs: Any, group: str, *events: tuple[int, str], stream: str = "web") -> None:
    logs.put_log_events(
        logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": t, "message": m} for t, m in events]
    )


def messages(reply: dict[str, Any]) -> list[str]:
    return [dict((f["field"], f["value"]) for f in row)["@message"] for row in reply["results"]]


def start(logs: Any, query: str = "fields @message", **kwargs: Any) -> str:
    now = now_ms() // 1000
    options = {"startTime": now - 3600, "endTime": now + 60, "queryString": query, **kwargs}
    return str(logs.start_query(**options)["queryId"])


def make_groups(logs: Any, *names: str) -> None:
    for name in names:
        logs.create_log_group(logGroupName=name)
        logs.create_log_stream(logGroupName=name, logStreamName="web")


@pytest.fixture
def hello(logs_client: Any, group: str) -> str:
    """``/app/orders`` holding one event, ``hello``, a minute old."""
    put(logs_client, group, (now_ms() - 60_000, "hello"))
    return group


# ---- StartQuery -----------------------------------------------------------------------------------


def test_start_query_returns_a_uuid_query_id(logs_client: Any, hello: str) -> None:
    query_id = start(logs_client, logGroupName=hello)

    assert str(uuid.UUID(query_id)) == query_id


def test_a_query_completes_with_the_fields_asked_for_and_a_record_pointer(logs_client: Any, hello: str) -> None:
    reply = wait(logs_client, start(logs_client, "fields @message, @logStream", logGroupName=hello))

    assert reply["status"] == "Complete"
    (row,) = reply["results"]
    assert [f["field"] for f in row] == ["@message", "@logStream", "@ptr"]
    assert [f["value"] for f in row][:2] == ["hello", "web"]


def test_get_query_results_reports_the_scan_statistics(logs_client: Any, hello: str) -> None:
    stats = wait(logs_client, start(logs_client, logGroupName=hello))["statistics"]

    assert stats["recordsMatched"] == 1.0
    assert stats["recordsScanned"] >= 1.0
    assert stats["bytesScanned"] >= len("hello")


def test_get_query_results_names_the_query_language(logs_client: Any, hello: str) -> None:
    assert wait(logs_client, start(logs_client, logGroupName=hello))["queryLanguage"] == "CWLI"


def test_log_group_names_query_every_group_named(logs_client: Any) -> None:
    make_groups(logs_client, "/a", "/b", "/c")
    for name in ("/a", "/b", "/c"):
        put(logs_client, name, (now_ms() - 1000, f"from {name}"))

    reply = wait(logs_client, start(logs_client, logGroupNames=["/a", "/c"]))

    assert sorted(messages(reply)) == ["from /a", "from /c"]


def test_log_group_identifiers_accept_names_and_arns(logs_client: Any) -> None:
    make_groups(logs_client, "/a", "/b")
    put(logs_client, "/a", (now_ms() - 1000, "in a"))
    put(logs_client, "/b", (now_ms() - 1000, "in b"))
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/b"

    reply = wait(logs_client, start(logs_client, logGroupIdentifiers=["/a", arn]))

    assert sorted(messages(reply)) == ["in a", "in b"]


def test_a_source_command_selects_groups_by_name_prefix(logs_client: Any) -> None:
    make_groups(logs_client, "/app/api", "/app/worker", "/other")
    for name in ("/app/api", "/app/worker", "/other"):
        put(logs_client, name, (now_ms() - 1000, f"from {name}"))

    reply = wait(logs_client, start(logs_client, "SOURCE logGroups(namePrefix: ['/app/']) | fields @message"))

    assert sorted(messages(reply)) == ["from /app/api", "from /app/worker"]


def test_source_start_and_end_offsets_replace_the_start_query_times(logs_client: Any, group: str) -> None:
    put(logs_client, group, (now_ms() - 600_000, "ten minutes ago"), (now_ms() - 60_000, "a minute ago"))

    query = "SOURCE logGroups(namePrefix: ['/app/']) START=-5m END=0s | fields @message"

    assert messages(wait(logs_client, start(logs_client, query))) == ["a minute ago"]


def test_source_selects_only_standard_groups_unless_told_otherwise(logs_client: Any) -> None:
    make_groups(logs_client, "/app/hot")
    logs_client.create_log_group(logGroupName="/app/cold", logGroupClass="INFREQUENT_ACCESS")
    logs_client.create_log_stream(logGroupName="/app/cold", logStreamName="web")
    put(logs_client, "/app/hot", (now_ms() - 1000, "hot"))
    put(logs_client, "/app/cold", (now_ms() - 1000, "cold"))

    default = start(logs_client, "SOURCE logGroups(namePrefix: ['/app/']) | fields @message")
    cold = start(logs_client, "SOURCE logGroups(namePrefix: ['/app/'], class: ['INFREQUENT_ACCESS']) | fields @message")

    assert messages(wait(logs_client, default)) == ["hot"]
    assert messages(wait(logs_client, cold)) == ["cold"]


def test_a_source_command_with_a_log_group_parameter_is_refused(logs_client: Any, hello: str) -> None:
    query = "SOURCE logGroups(namePrefix: ['/app']) | fields @message"

    assert error_code(lambda: start(logs_client, query, logGroupName=hello)) == "InvalidParameterException"


@pytest.mark.parametrize(
    "groups",
    [
        {},
        {"logGroupName": "/app/orders", "logGroupNames": ["/app/orders"]},
        {"logGroupNames": ["/app/orders"], "logGroupIdentifiers": ["/app/orders"]},
        {"logGroupNames": []},
    ],
    ids=["none", "name-and-names", "names-and-identifiers", "empty-list"],
)
def test_start_query_needs_exactly_one_way_of_naming_groups(
    logs_client: Any, hello: str, groups: dict[str, Any]
) -> None:
    assert error_code(lambda: start(logs_client, **groups)) == "InvalidParameterException"


def test_start_query_takes_at_most_fifty_groups(logs_client: Any) -> None:
    names = [f"/g/{i}" for i in range(51)]

    assert error_code(lambda: start(logs_client, logGroupNames=names)) == "InvalidParameterException"


def test_start_query_on_a_missing_group_is_resource_not_found(logs_client: Any, hello: str) -> None:
    with pytest.raises(logs_client.exceptions.ResourceNotFoundException) as caught:
        start(logs_client, logGroupNames=[hello, "/missing"])

    assert "/missing" in caught.value.response["Error"]["Message"]


def test_start_query_with_start_after_end_is_invalid(logs_client: Any, hello: str) -> None:
    options = {"logGroupName": hello, "startTime": 200, "endTime": 100, "queryString": "fields @message"}

    assert error_code(lambda: logs_client.start_query(**options)) == "InvalidParameterException"


def test_a_malformed_query_fails_start_query_itself(logs_client: Any, hello: str) -> None:
    assert error_code(lambda: start(logs_client, "fields @message | | limit", logGroupName=hello)) == (
        "MalformedQueryException"
    )


def test_query_languages_other_than_logs_insights_are_refused(logs_client: Any, hello: str) -> None:
    call = lambda: start(logs_client, "SELECT 1", logGroupName=hello, queryLanguage="SQL")  # noqa: E731

    assert error_code(call) == "InvalidParameterException"


def test_the_time_range_is_whole_seconds_with_both_ends_included(logs_client: Any, group: str) -> None:
    second = now_ms() // 1000 - 600
    put(
        logs_client, group,
        (second * 1000 - 1, "before"), (second * 1000, "first ms"), (second * 1000 + 60_999, "last ms"),
        (second * 1000 + 61_000, "after"),
    )  # fmt: skip

    query_id = logs_client.start_query(
        logGroupName=group, startTime=second, endTime=second + 60, queryString="fields @message"
    )["queryId"]

    assert sorted(messages(wait(logs_client, query_id))) == ["first ms", "last ms"]


def test_limit_caps_the_rows_returned(logs_client: Any, group: str) -> None:
    base = now_ms() - 60_000
    put(logs_client, group, *[(base + i, f"m{i}") for i in range(5)])

    assert len(wait(logs_client, start(logs_client, logGroupName=group, limit=3))["results"]) == 3


# ---- GetQueryResults ------------------------------------------------------------------------------


def test_get_query_results_for_an_unknown_query_is_resource_not_found(logs_client: Any) -> None:
    unknown = str(uuid.uuid4())

    assert error_code(lambda: logs_client.get_query_results(queryId=unknown)) == "ResourceNotFoundException"


def test_a_query_is_invisible_from_another_region(vigil: VigilServer, logs_client: Any, hello: str) -> None:
    query_id = start(logs_client, logGroupName=hello)
    elsewhere = vigil.client("logs", region_name="eu-west-1")

    assert error_code(lambda: elsewhere.get_query_results(queryId=query_id)) == "ResourceNotFoundException"


@pytest.fixture
def twelve_thousand(logs_client: Any, group: str) -> str:
    base = now_ms() - 600_000
    for batch in range(2):
        put(logs_client, group, *[(base + i, f"m{i}") for i in range(batch * 6000, (batch + 1) * 6000)])
    return group


def test_results_beyond_ten_thousand_rows_come_in_pages(logs_client: Any, twelve_thousand: str) -> None:
    query_id = start(logs_client, logGroupName=twelve_thousand, limit=12_000)

    first = wait(logs_client, query_id)
    second = logs_client.get_query_results(queryId=query_id, nextToken=first["nextToken"])

    assert len(first["results"]) == 10_000
    assert len(second["results"]) == 2_000 and "nextToken" not in second
    assert len(set(messages(first)) | set(messages(second))) == 12_000


def test_max_items_sets_the_page_size(logs_client: Any, group: str) -> None:
    base = now_ms() - 60_000
    put(logs_client, group, *[(base + i, f"m{i}") for i in range(5)])
    query_id = start(logs_client, logGroupName=group)

    first = wait(logs_client, query_id, maxItems=2)
    rest = logs_client.get_query_results(queryId=query_id, maxItems=2, nextToken=first["nextToken"])
    last = logs_client.get_query_results(queryId=query_id, maxItems=2, nextToken=rest["nextToken"])

    assert [len(r["results"]) for r in (first, rest, last)] == [2, 2, 1]
    assert messages(first) + messages(rest) + messages(last) == [f"m{i}" for i in range(4, -1, -1)]


def test_a_next_token_of_another_query_is_invalid(logs_client: Any, twelve_thousand: str) -> None:
    first = wait(logs_client, start(logs_client, logGroupName=twelve_thousand, limit=12_000))
    other = start(logs_client, logGroupName=twelve_thousand)

    call = lambda: logs_client.get_query_results(queryId=other, nextToken=first["nextToken"])  # noqa: E731
    assert error_code(call) == "InvalidParameterException"


# ---- StopQuery ------------------------------------------------------------------------------------


def test_stopping_a_finished_query_is_invalid(logs_client: Any, hello: str) -> None:
    query_id = start(logs_client, logGroupName=hello)
    wait(logs_client, query_id)

    assert error_code(lambda: logs_client.stop_query(queryId=query_id)) == "InvalidParameterException"


def test_stopping_an_unknown_query_is_resource_not_found(logs_client: Any) -> None:
    assert error_code(lambda: logs_client.stop_query(queryId=str(uuid.uuid4()))) == "ResourceNotFoundException"


# ---- DescribeQueries ------------------------------------------------------------------------------


def test_describe_queries_lists_recent_queries_newest_first(logs_client: Any, hello: str) -> None:
    first = start(logs_client, "fields @message", logGroupName=hello)
    second = start(logs_client, "fields @logStream", logGroupName=hello)
    wait(logs_client, first), wait(logs_client, second)

    queries = logs_client.describe_queries()["queries"]

    assert [q["queryId"] for q in queries] == [second, first]
    assert queries[0]["queryString"] == "fields @logStream"
    assert queries[0]["status"] == "Complete"
    assert queries[0]["logGroupName"] == hello
    assert queries[0]["queryLanguage"] == "CWLI"
    assert now_ms() - 60_000 < queries[0]["createTime"] <= now_ms()


def test_describe_queries_filters_by_log_group(logs_client: Any) -> None:
    make_groups(logs_client, "/a", "/b")
    on_a = start(logs_client, logGroupName="/a")
    start(logs_client, logGroupName="/b")

    assert [q["queryId"] for q in logs_client.describe_queries(logGroupName="/a")["queries"]] == [on_a]


def test_describe_queries_filters_by_status(logs_client: Any, hello: str) -> None:
    query_id = start(logs_client, logGroupName=hello)
    wait(logs_client, query_id)

    assert [q["queryId"] for q in logs_client.describe_queries(status="Complete")["queries"]] == [query_id]
    assert logs_client.describe_queries(status="Cancelled")["queries"] == []


def test_describe_queries_filters_by_query_language(logs_client: Any, hello: str) -> None:
    query_id = start(logs_client, logGroupName=hello)

    assert [q["queryId"] for q in logs_client.describe_queries(queryLanguage="CWLI")["queries"]] == [query_id]
    assert logs_client.describe_queries(queryLanguage="PPL")["queries"] == []


def test_describe_queries_pages_with_max_results(logs_client: Any, hello: str) -> None:
    started = [start(logs_client, logGroupName=hello) for _ in range(3)]

    first = logs_client.describe_queries(maxResults=2)
    second = logs_client.describe_queries(maxResults=2, nextToken=first["nextToken"])

    assert [q["queryId"] for q in first["queries"] + second["queries"]] == started[::-1]
    assert "nextToken" not in second


# ---- ListLogGroupsForQuery ------------------------------------------------------------------------


def test_list_log_groups_for_query_gives_the_arns_searched(logs_client: Any) -> None:
    make_groups(logs_client, "/a", "/b")

    reply = logs_client.list_log_groups_for_query(queryId=start(logs_client, logGroupNames=["/b", "/a"]))

    assert sorted(reply["logGroupIdentifiers"]) == [
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/a",
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/b",
    ]


def test_list_log_groups_for_query_pages(logs_client: Any) -> None:
    make_groups(logs_client, *[f"/many/{i:02}" for i in range(51)])
    query_id = start(logs_client, "SOURCE logGroups(namePrefix: ['/many/']) | fields @message")

    first = logs_client.list_log_groups_for_query(queryId=query_id, maxResults=50)
    second = logs_client.list_log_groups_for_query(queryId=query_id, maxResults=50, nextToken=first["nextToken"])

    assert len(first["logGroupIdentifiers"]) == 50
    assert len(set(first["logGroupIdentifiers"] + second["logGroupIdentifiers"])) == 51


def test_list_log_groups_for_an_unknown_query_is_resource_not_found(logs_client: Any) -> None:
    call = lambda: logs_client.list_log_groups_for_query(queryId=str(uuid.uuid4()))  # noqa: E731

    assert error_code(call) == "ResourceNotFoundException"


# ---- the aws CLI ----------------------------------------------------------------------------------


def test_cli_start_query_and_get_query_results(aws: Aws, hello: str) -> None:
    now = now_ms() // 1000
    started = aws(
        "logs", "start-query", "--log-group-name", hello, "--start-time", str(now - 3600),
        "--end-time", str(now), "--query-string", "fields @message",
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while (reply := aws("logs", "get-query-results", "--query-id", started["queryId"]))["status"] not in DONE:
        assert time.monotonic() < deadline
        time.sleep(0.1)

    assert reply["status"] == "Complete"
    assert reply["results"][0][0] == {"field": "@message", "value": "hello"}
