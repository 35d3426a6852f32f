"""Metric filters through boto3 and the aws CLI: PutMetricFilter, DescribeMetricFilters and DeleteMetricFilter
answer as AWS does, and every ingested PutLogEvents batch produces exactly the datapoints computed here from the
events sent, read back with GetMetricStatistics and ListMetrics."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from logs_helpers import error_code, now_ms
from metrics_helpers import epoch_ms, hour_start

from vigil.testing import VigilServer

Aws = Callable[..., Any]
# An event as a test writes it: (milliseconds after the test's base minute, message).
Event = tuple[int, str]
# What a series reports per minute, keyed by minutes after the base: (SampleCount, Sum).
Points = dict[int, tuple[float, float]]

GROUP = "/app/orders"  # made, with its stream STREAM, by conftest's ``group`` fixture
STREAM = "web"
NAMESPACE = "Shop"

SEED_GROUP = "/aws/scheduling-agent/backend"
SEED_NAMESPACE = "SchedulingAgent"
SEED_ERROR_PATTERN = "[timestamp, level=ERROR, ...]"
SEED_RESPONSE_TIME_PATTERN = "[timestamp, level, msg, latency_ms=latency_ms*, ...]"
SEED_SUCCESS_PATTERN = '[timestamp, level=INFO, msg="chat_response_sent", ...]'

ACCESS_LINE = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 200 1534'
ACCESS_PATTERN = "[ip, user, username, timestamp, request, status_code, bytes]"


def seed_json(level: str, message: str, **fields: Any) -> str:
    """A line of the seed's structured JSON logging, keys in the seed's order."""
    line = {"timestamp": "2025-10-17T12:00:00.123Z", "level": level, "logger": "app.api.chat", "message": message}
    return json.dumps(line | fields)


# Seed 001's backend logs as they arrive: plain text lines, the seed's JSON lines and access-log lines mixed. Only
# the plain lines have the space-delimited shape the seed's three filters expect.
SEED_BATCH: list[Event] = [
    (1_000, "2025-10-17T12:00:01.000Z ERROR payment_failed card_declined"),
    (2_000, "2025-10-17T12:00:02.000Z INFO chat_response_sent latency_ms=850"),
    (3_000, "2025-10-17T12:00:03.000Z WARN slow_query latency_ms=3100"),
    (4_000, seed_json("ERROR", "payment_failed", error_type="CardDeclined")),
    (5_000, seed_json("INFO", "chat_response_sent", latency_ms=640)),
    (6_000, ACCESS_LINE),
    (61_000, "2025-10-17T12:01:01.000Z ERROR db_timeout retrying"),
    (62_000, "2025-10-17T12:01:02.000Z ERROR db_timeout giving_up"),
    (63_000, "2025-10-17T12:01:03.000Z INFO chat_response_sent latency_ms=1200"),
    (64_000, "2025-10-17T12:01:04.000Z INFO chat_request_received session=42"),
    (65_000, "2025-10-17T12:01:05.000Z error lowercase_is_another_level"),
    (121_000, "2025-10-17T12:02:01.000Z INFO chat_response_sent latency_ms=400"),
    (122_000, ACCESS_LINE.replace(" 200 ", " 500 ")),
]


@pytest.fixture
def base() -> datetime:
    """The first minute of the test's data: in the past, inside what PutLogEvents accepts."""
    return hour_start()


def put_events(logs: Any, base: datetime, events: Iterable[Event], group: str = GROUP, stream: str = STREAM) -> Any:
    start = epoch_ms(base)
    batch = [{"timestamp": start + offset, "message": message} for offset, message in sorted(events)]
    return logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)


def put_filter(
    logs: Any,
    name: str,
    pattern: str,
    metric: str,
    value: str = "1",
    *,
    group: str = GROUP,
    namespace: str = NAMESPACE,
    **transformation: Any,
) -> None:
    logs.put_metric_filter(
        logGroupName=group,
        filterName=name,
        filterPattern=pattern,
        metricTransformations=[
            {"metricName": metric, "metricNamespace": namespace, "metricValue": value, **transformation}
        ],
    )


def points(
    cloudwatch: Any,
    metric: str,
    base: datetime,
    *,
    namespace: str = NAMESPACE,
    dimensions: dict[str, str] | None = None,
    **request: Any,
) -> Points:
    """(SampleCount, Sum) of each minute of the hour from ``base`` that has data for the series."""
    found = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": name, "Value": value} for name, value in (dimensions or {}).items()],
        StartTime=base,
        EndTime=base + timedelta(hours=1),
        Period=60,
        Statistics=["SampleCount", "Sum"],
        **request,
    )["Datapoints"]
    return {round((p["Timestamp"] - base).total_seconds()) // 60: (p["SampleCount"], p["Sum"]) for p in found}


def expected(samples: Iterable[tuple[int, float]]) -> Points:
    """The points of (millisecond offset, value) samples, computed here."""
    out: Points = {}
    for offset, value in samples:
        count, total = out.get(offset // 60_000, (0.0, 0.0))
        out[offset // 60_000] = (count + 1, total + value)
    return out


def listed(cloudwatch: Any, namespace: str = NAMESPACE) -> set[tuple[str, frozenset[tuple[str, str]]]]:
    """ListMetrics' series of a namespace as comparable values (AWS promises no order)."""
    metrics = cloudwatch.list_metrics(Namespace=namespace)["Metrics"]
    return {(m["MetricName"], frozenset((d["Name"], d["Value"]) for d in m["Dimensions"])) for m in metrics}


def names(reply: dict[str, Any]) -> list[str]:
    return [f["filterName"] for f in reply["metricFilters"]]


def make_group(logs: Any, name: str, stream: str = STREAM) -> str:
    logs.create_log_group(logGroupName=name)
    logs.create_log_stream(logGroupName=name, logStreamName=stream)
    return name


# ---- seed 001's filters ----------------------------------------------------------------------------------


@pytest.fixture
def seed_batch(logs_client: Any, base: datetime) -> None:
    """Seed 001's backend group with its three metric filters, then SEED_BATCH ingested."""
    make_group(logs_client, SEED_GROUP)
    put_filter(
        logs_client,
        "scheduling-agent-error-count",
        SEED_ERROR_PATTERN,
        "ErrorCount",
        group=SEED_GROUP,
        namespace=SEED_NAMESPACE,
    )
    put_filter(
        logs_client,
        "scheduling-agent-response-time",
        SEED_RESPONSE_TIME_PATTERN,
        "ResponseTime",
        "$latency_ms",
        group=SEED_GROUP,
        namespace=SEED_NAMESPACE,
    )
    put_filter(
        logs_client,
        "scheduling-agent-success-count",
        SEED_SUCCESS_PATTERN,
        "SuccessCount",
        group=SEED_GROUP,
        namespace=SEED_NAMESPACE,
    )
    put_events(logs_client, base, SEED_BATCH, group=SEED_GROUP)


def test_cli_put_metric_filter_written_as_in_seed_001_counts_error_lines(
    aws: Aws, logs_client: Any, cloudwatch_client: Any, base: datetime
) -> None:
    make_group(logs_client, SEED_GROUP)

    output = aws(
        "logs", "put-metric-filter",
        "--log-group-name", "/aws/scheduling-agent/backend",
        "--filter-name", "scheduling-agent-error-count",
        "--filter-pattern", "[timestamp, level=ERROR, ...]",
        "--metric-transformations", "metricName=ErrorCount,metricNamespace=SchedulingAgent,metricValue=1",
        "--region", "us-east-1",
    )  # fmt: skip
    put_events(logs_client, base, SEED_BATCH, group=SEED_GROUP)

    assert output is None
    assert points(cloudwatch_client, "ErrorCount", base, namespace=SEED_NAMESPACE) == {0: (1, 1), 1: (2, 2)}


@pytest.mark.usefixtures("seed_batch")
def test_seed_error_count_filter_counts_only_plain_lines_whose_second_word_is_error(
    cloudwatch_client: Any, base: datetime
) -> None:
    assert points(cloudwatch_client, "ErrorCount", base, namespace=SEED_NAMESPACE) == {0: (1, 1), 1: (2, 2)}


@pytest.mark.usefixtures("seed_batch")
def test_seed_success_count_filter_counts_chat_responses_sent_at_info(cloudwatch_client: Any, base: datetime) -> None:
    assert points(cloudwatch_client, "SuccessCount", base, namespace=SEED_NAMESPACE) == {
        0: (1, 1),
        1: (1, 1),
        2: (1, 1),
    }


@pytest.mark.usefixtures("seed_batch")
def test_seed_response_time_filter_matches_but_emits_nothing_as_its_value_always_starts_with_latency_ms(
    logs_client: Any, cloudwatch_client: Any, base: datetime
) -> None:
    # `latency_ms=latency_ms*` requires the fourth word to begin with the text "latency_ms", so $latency_ms is
    # "latency_ms=850", never a number: the seed's filter matches its lines yet can publish no datapoint.
    [match] = logs_client.test_metric_filter(
        filterPattern=SEED_RESPONSE_TIME_PATTERN, logEventMessages=[SEED_BATCH[1][1]]
    )["matches"]

    assert match["extractedValues"]["$latency_ms"] == "latency_ms=850"
    assert points(cloudwatch_client, "ResponseTime", base, namespace=SEED_NAMESPACE) == {}
    assert listed(cloudwatch_client, SEED_NAMESPACE) == {("ErrorCount", frozenset()), ("SuccessCount", frozenset())}


# ---- metric values ---------------------------------------------------------------------------------------


def test_a_constant_metric_value_adds_that_constant_for_each_matching_event(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    put_filter(logs_client, "weighted-errors", "ERROR", "WeightedErrors", "2.5")
    events = [(0, "ERROR a"), (10, "INFO b"), (20, "ERROR c"), (60_000, "ERROR d"), (60_010, "WARN e")]

    put_events(logs_client, base, events)

    assert points(cloudwatch_client, "WeightedErrors", base) == {0: (2, 5.0), 1: (1, 2.5)}


def test_a_json_field_metric_value_publishes_each_matching_events_number(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    put_filter(
        logs_client, "latency", '{ $.message = "chat_response_sent" && $.latency_ms = * }', "Latency", "$.latency_ms"
    )
    latencies = [(0, 850), (1_000, 1200.5), (61_000, 400), (62_000, 3100)]
    events = [(offset, seed_json("INFO", "chat_response_sent", latency_ms=ms)) for offset, ms in latencies]
    events += [(2_000, seed_json("INFO", "chat_request_received", latency_ms=99)), (3_000, "latency_ms 77")]

    put_events(logs_client, base, events)

    assert points(cloudwatch_client, "Latency", base) == expected(latencies)


def test_a_space_delimited_field_metric_value_publishes_each_matching_events_number(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    put_filter(
        logs_client, "latency", "[timestamp, level, msg=chat_response_sent, latency_ms, ...]", "Latency", "$latency_ms"
    )
    latencies = [(0, 850), (1_000, 12.25), (61_000, 400)]
    events = [(at, f"2025-10-17T12:00:00Z INFO chat_response_sent {ms} session=7") for at, ms in latencies]
    events += [(2_000, "2025-10-17T12:00:00Z INFO chat_request_received 5 session=7"), (3_000, ACCESS_LINE)]

    put_events(logs_client, base, events)

    assert points(cloudwatch_client, "Latency", base) == expected(latencies)


@pytest.mark.parametrize(
    ("pattern", "value", "numeric", "other"),
    [
        ("{ $.latency_ms = * }", "$.latency_ms", '{"latency_ms": 850}', '{"latency_ms": "slow"}'),
        ("[timestamp, latency_ms]", "$latency_ms", "12:00:00 850", "12:00:00 n/a"),
    ],
    ids=["json", "space-delimited"],
)
def test_a_non_numeric_extracted_value_emits_nothing_for_that_event(
    logs_client: Any,
    cloudwatch_client: Any,
    group: str,
    base: datetime,
    pattern: str,
    value: str,
    numeric: str,
    other: str,
) -> None:
    put_filter(logs_client, "latency", pattern, "Latency", value)

    put_events(logs_client, base, [(0, numeric), (1_000, other), (60_000, other)])

    assert points(cloudwatch_client, "Latency", base) == {0: (1, 850)}


# ---- dimensions ------------------------------------------------------------------------------------------


def test_each_value_of_a_dimension_field_is_its_own_series(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    put_filter(logs_client, "latency", "{ $.latency = * }", "Latency", "$.latency", dimensions={"Region": "$.region"})
    samples = [(0, "eu", 5), (1_000, "us", 7), (2_000, "eu", 9), (61_000, "us", 11)]

    put_events(logs_client, base, [(at, json.dumps({"region": r, "latency": v})) for at, r, v in samples])

    assert points(cloudwatch_client, "Latency", base, dimensions={"Region": "eu"}) == {0: (2, 14)}
    assert points(cloudwatch_client, "Latency", base, dimensions={"Region": "us"}) == {0: (1, 7), 1: (1, 11)}
    assert points(cloudwatch_client, "Latency", base) == {}  # the series without dimensions is another series
    assert listed(cloudwatch_client) == {
        ("Latency", frozenset({("Region", "eu")})),
        ("Latency", frozenset({("Region", "us")})),
    }


def test_each_distinct_pair_of_two_dimension_fields_is_its_own_series(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    put_filter(
        logs_client,
        "bytes",
        ACCESS_PATTERN,
        "Bytes",
        "$bytes",
        dimensions={"User": "$username", "Status": "$status_code"},
    )
    lines = [
        (0, ACCESS_LINE),
        (1_000, ACCESS_LINE.replace(" 1534", " 100")),
        (2_000, ACCESS_LINE.replace(" 200 ", " 404 ")),
        (3_000, ACCESS_LINE.replace("frank", "alice")),
    ]

    put_events(logs_client, base, lines)

    frank_ok = points(cloudwatch_client, "Bytes", base, dimensions={"User": "frank", "Status": "200"})
    frank_missing = points(cloudwatch_client, "Bytes", base, dimensions={"Status": "404", "User": "frank"})
    alice_ok = points(cloudwatch_client, "Bytes", base, dimensions={"User": "alice", "Status": "200"})
    assert (frank_ok, frank_missing, alice_ok) == ({0: (2, 1634)}, {0: (1, 1534)}, {0: (1, 1534)})
    assert listed(cloudwatch_client) == {
        ("Bytes", frozenset({("User", "frank"), ("Status", "200")})),
        ("Bytes", frozenset({("User", "frank"), ("Status", "404")})),
        ("Bytes", frozenset({("User", "alice"), ("Status", "200")})),
    }


def test_a_dimension_value_with_a_control_character_is_the_series_put_metric_data_names(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    route = "/a\x0bb"  # JSON escapes it, and DuckDB and orjson spell the escape differently
    put_filter(logs_client, "by_route", "{ $.route = * }", "Hits", dimensions={"Route": "$.route"})
    put_events(logs_client, base, [(0, json.dumps({"route": route}))])
    cloudwatch_client.put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[{"MetricName": "Hits", "Dimensions": [{"Name": "Route", "Value": route}], "Value": 1}],
    )

    listed = cloudwatch_client.list_metrics(Namespace=NAMESPACE, MetricName="Hits")["Metrics"]

    assert [metric["Dimensions"] for metric in listed] == [[{"Name": "Route", "Value": route}]]


def test_an_event_lacking_a_dimension_field_emits_nothing(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    put_filter(logs_client, "latency", "{ $.latency = * }", "Latency", "$.latency", dimensions={"Region": "$.region"})

    put_events(logs_client, base, [(0, '{"latency": 5, "region": "eu"}'), (1_000, '{"latency": 7}')])

    assert points(cloudwatch_client, "Latency", base, dimensions={"Region": "eu"}) == {0: (1, 5)}
    assert listed(cloudwatch_client) == {("Latency", frozenset({("Region", "eu")}))}


# ---- default value, unit, which events a filter sees -----------------------------------------------------


def test_default_value_fills_once_each_minute_of_the_batch_without_a_match_and_no_other(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    put_filter(logs_client, "errors", "ERROR", "Errors", defaultValue=0.0)
    quiet_minute = [(0, "INFO a"), (1_000, "INFO b"), (2_000, "WARN c")]
    busy_minute = [(60_000, "ERROR d"), (61_000, "INFO e"), (62_000, "ERROR f")]
    # Minute 2 has no event at all: nothing is reported for it. Minute 3 is quiet again.

    put_events(logs_client, base, [*quiet_minute, *busy_minute, (180_000, "INFO g")])

    assert points(cloudwatch_client, "Errors", base) == {0: (1, 0), 1: (2, 2), 3: (1, 0)}


def test_default_value_is_reported_once_for_a_minute_that_two_quiet_batches_share(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    put_filter(logs_client, "errors", "ERROR", "Errors", defaultValue=0.0)

    put_events(logs_client, base, [(0, "INFO a")])
    put_events(logs_client, base, [(1_000, "INFO b")])

    assert points(cloudwatch_client, "Errors", base) == {0: (1, 0)}


def test_a_minute_whose_match_arrives_in_a_later_batch_reports_only_the_match(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    put_filter(logs_client, "errors", "ERROR", "Errors", defaultValue=0.0)

    put_events(logs_client, base, [(0, "INFO a")])
    put_events(logs_client, base, [(1_000, "ERROR b")])

    assert points(cloudwatch_client, "Errors", base) == {0: (1, 1)}


def test_the_unit_of_the_transformation_is_carried_to_the_datapoints(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    put_filter(logs_client, "latency", "{ $.latency = * }", "Latency", "$.latency", unit="Milliseconds")

    put_events(logs_client, base, [(0, '{"latency": 5}')])

    [point] = cloudwatch_client.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName="Latency",
        StartTime=base,
        EndTime=base + timedelta(minutes=1),
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    assert (point["Sum"], point["Unit"]) == (5, "Milliseconds")
    assert points(cloudwatch_client, "Latency", base, Unit="Milliseconds") == {0: (1, 5)}
    assert points(cloudwatch_client, "Latency", base, Unit="Seconds") == {}


def test_every_filter_on_a_group_emits_from_the_same_batch(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    put_filter(logs_client, "errors", "ERROR", "Errors")
    put_filter(logs_client, "timeouts", "timeout", "Timeouts")
    put_filter(logs_client, "everything", "", "Events")

    put_events(logs_client, base, [(0, "ERROR timeout"), (1_000, "ERROR disk"), (2_000, "INFO timeout"), (3, "ok")])

    emitted = {metric: points(cloudwatch_client, metric, base) for metric in ("Errors", "Timeouts", "Events")}
    assert emitted == {"Errors": {0: (2, 2)}, "Timeouts": {0: (2, 2)}, "Events": {0: (4, 4)}}


def test_a_filter_sees_nothing_of_another_log_group(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    make_group(logs_client, "/app/billing")
    put_filter(logs_client, "billing-errors", "ERROR", "BillingErrors", group="/app/billing")
    put_filter(logs_client, "order-errors", "ERROR", "OrderErrors")

    put_events(logs_client, base, [(0, "ERROR a"), (1_000, "ERROR b")])

    assert points(cloudwatch_client, "OrderErrors", base) == {0: (2, 2)}
    assert points(cloudwatch_client, "BillingErrors", base) == {}


def test_events_put_before_the_filter_existed_emit_nothing(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    put_events(logs_client, base, [(0, "ERROR before")])
    put_filter(logs_client, "errors", "ERROR", "Errors")

    put_events(logs_client, base, [(60_000, "ERROR after")])

    assert points(cloudwatch_client, "Errors", base) == {1: (1, 1)}


def test_events_that_put_log_events_rejects_emit_nothing(logs_client: Any, cloudwatch_client: Any, group: str) -> None:
    put_filter(logs_client, "errors", "ERROR", "Errors")
    too_old = hour_start() - timedelta(days=14)  # more than 14 days ago: refused
    accepted = too_old + timedelta(hours=3)  # less than 14 days ago

    reply = put_events(logs_client, too_old, [(0, "ERROR too old"), (3 * 3_600_000, "ERROR accepted")])

    assert reply["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 1}
    assert points(cloudwatch_client, "Errors", too_old) == {}
    assert points(cloudwatch_client, "Errors", accepted) == {0: (1, 1)}


# ---- DescribeMetricFilters, replacing and deleting --------------------------------------------------------


def test_describe_metric_filters_returns_each_filter_as_aws_does(logs_client: Any, group: str) -> None:
    before = now_ms()
    put_filter(
        logs_client,
        "latency",
        "{ $.latency = * }",
        "Latency",
        "$.latency",
        unit="Milliseconds",
        dimensions={"Region": "$.region"},
    )
    put_filter(logs_client, "errors", "ERROR", "Errors", defaultValue=0.0)
    after = now_ms()

    described = logs_client.describe_metric_filters(logGroupName=group)["metricFilters"]

    assert [before <= f.pop("creationTime") <= after for f in described] == [True, True]
    assert described == [
        {
            "filterName": "errors",
            "filterPattern": "ERROR",
            "metricTransformations": [
                {"metricName": "Errors", "metricNamespace": NAMESPACE, "metricValue": "1", "defaultValue": 0.0}
            ],
            "logGroupName": group,
            "applyOnTransformedLogs": False,
        },
        {
            "filterName": "latency",
            "filterPattern": "{ $.latency = * }",
            "metricTransformations": [
                {
                    "metricName": "Latency",
                    "metricNamespace": NAMESPACE,
                    "metricValue": "$.latency",
                    "dimensions": {"Region": "$.region"},
                    "unit": "Milliseconds",
                }
            ],
            "logGroupName": group,
            "applyOnTransformedLogs": False,
        },
    ]


def test_describe_metric_filters_of_a_log_group_lists_only_its_filters(logs_client: Any, group: str) -> None:
    make_group(logs_client, "/app/billing")
    put_filter(logs_client, "order-errors", "ERROR", "Errors")
    put_filter(logs_client, "billing-errors", "ERROR", "Errors", group="/app/billing")

    assert names(logs_client.describe_metric_filters(logGroupName=group)) == ["order-errors"]
    assert names(logs_client.describe_metric_filters(logGroupName="/app/billing")) == ["billing-errors"]


def test_describe_metric_filters_by_name_prefix(logs_client: Any, group: str) -> None:
    for name in ("api-latency", "worker-errors", "api-errors", "apis"):
        put_filter(logs_client, name, "ERROR", "Errors")

    reply = logs_client.describe_metric_filters(logGroupName=group, filterNamePrefix="api-")

    assert names(reply) == ["api-errors", "api-latency"]


def test_describe_metric_filters_by_metric_name_and_namespace_spans_log_groups(logs_client: Any, group: str) -> None:
    make_group(logs_client, "/app/billing")
    put_filter(logs_client, "order-errors", "ERROR", "Errors")
    put_filter(logs_client, "billing-errors", "ERROR", "Errors", group="/app/billing")
    put_filter(logs_client, "billing-errors-elsewhere", "ERROR", "Errors", group="/app/billing", namespace="Other")
    put_filter(logs_client, "order-latency", "{ $.latency = * }", "Latency", "$.latency")

    reply = logs_client.describe_metric_filters(metricName="Errors", metricNamespace=NAMESPACE)

    assert sorted((f["logGroupName"], f["filterName"]) for f in reply["metricFilters"]) == [
        ("/app/billing", "billing-errors"),
        (group, "order-errors"),
    ]


def test_describe_metric_filters_pages_with_limit_and_next_token(logs_client: Any, group: str) -> None:
    for name in ("e", "b", "d", "a", "c"):
        put_filter(logs_client, name, "ERROR", "Errors")

    pages, token = [], None
    while True:
        reply = logs_client.describe_metric_filters(
            logGroupName=group, limit=2, **({"nextToken": token} if token else {})
        )
        pages.append(names(reply))
        token = reply.get("nextToken")
        if token is None:
            break

    assert pages == [["a", "b"], ["c", "d"], ["e"]]


def test_describe_metric_filters_across_log_groups_is_ascii_sorted_by_filter_name(logs_client: Any, group: str) -> None:
    make_group(logs_client, "/app/aardvark")
    put_filter(logs_client, "alpha", "ERROR", "Errors")  # on /app/orders
    put_filter(logs_client, "beta", "ERROR", "Errors", group="/app/aardvark")

    assert names(logs_client.describe_metric_filters()) == ["alpha", "beta"]


def test_put_metric_filter_with_an_existing_name_replaces_it_and_keeps_its_creation_time(
    logs_client: Any, group: str
) -> None:
    put_filter(logs_client, "errors", "ERROR", "Errors")
    [first] = logs_client.describe_metric_filters(logGroupName=group)["metricFilters"]

    put_filter(logs_client, "errors", "FATAL", "Fatals", "3", unit="Count")

    [replaced] = logs_client.describe_metric_filters(logGroupName=group)["metricFilters"]
    assert (replaced["filterPattern"], replaced["metricTransformations"]) == (
        "FATAL",
        [{"metricName": "Fatals", "metricNamespace": NAMESPACE, "metricValue": "3", "unit": "Count"}],
    )
    assert replaced["creationTime"] == first["creationTime"]


def test_a_replaced_filter_emits_only_by_its_new_definition(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    put_filter(logs_client, "errors", "ERROR", "Errors")
    put_filter(logs_client, "errors", "FATAL", "Fatals", "3")

    put_events(logs_client, base, [(0, "ERROR a"), (1_000, "FATAL b")])

    assert points(cloudwatch_client, "Fatals", base) == {0: (1, 3)}
    assert points(cloudwatch_client, "Errors", base) == {}


def test_delete_metric_filter_stops_its_emission(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    put_filter(logs_client, "errors", "ERROR", "Errors")
    put_events(logs_client, base, [(0, "ERROR before")])

    logs_client.delete_metric_filter(logGroupName=group, filterName="errors")
    put_events(logs_client, base, [(60_000, "ERROR after")])

    assert points(cloudwatch_client, "Errors", base) == {0: (1, 1)}
    assert logs_client.describe_metric_filters(logGroupName=group)["metricFilters"] == []


def test_describe_log_groups_counts_each_groups_metric_filters(logs_client: Any, group: str) -> None:
    make_group(logs_client, "/app/billing")
    for name in ("a", "b", "c"):
        put_filter(logs_client, name, "ERROR", "Errors")
    put_filter(logs_client, "a", "FATAL", "Fatals")  # a replacement is not another filter
    logs_client.delete_metric_filter(logGroupName=group, filterName="b")

    counts = {g["logGroupName"]: g["metricFilterCount"] for g in logs_client.describe_log_groups()["logGroups"]}

    assert counts == {"/app/billing": 0, group: 2}


# ---- errors ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda logs: put_filter(logs, "errors", "ERROR", "Errors", group="/app/missing"),
        lambda logs: logs.delete_metric_filter(logGroupName="/app/missing", filterName="errors"),
        lambda logs: logs.describe_metric_filters(logGroupName="/app/missing"),
    ],
    ids=["put", "delete", "describe"],
)
def test_an_unknown_log_group_is_resource_not_found(logs_client: Any, call: Callable[[Any], Any]) -> None:
    assert error_code(lambda: call(logs_client)) == "ResourceNotFoundException"


@pytest.mark.parametrize("pattern", ["[timestamp, level", "{ $.latency = }", '{ $.level = "ERROR" ', "%(x)%"])
def test_a_malformed_pattern_is_invalid_parameter(logs_client: Any, group: str, pattern: str) -> None:
    assert error_code(lambda: put_filter(logs_client, "bad", pattern, "Errors")) == "InvalidParameterException"
    assert logs_client.describe_metric_filters(logGroupName=group)["metricFilters"] == []


def test_a_metric_value_field_the_pattern_does_not_extract_is_invalid_parameter(logs_client: Any, group: str) -> None:
    def put() -> None:
        put_filter(logs_client, "latency", "[timestamp, level, latency_ms]", "Latency", "$x")

    assert error_code(put) == "InvalidParameterException"


def test_a_json_metric_value_the_pattern_does_not_match_is_invalid_parameter(logs_client: Any, group: str) -> None:
    # AWS: a field value "must have been matched using the pattern" (if only as `$.field = *`).
    def put() -> None:
        put_filter(logs_client, "latency", "{ $.route = * }", "Latency", "$.latency")

    assert error_code(put) == "InvalidParameterException"


def test_dimensions_on_a_term_pattern_are_invalid_parameter(logs_client: Any, group: str) -> None:
    def put() -> None:
        put_filter(logs_client, "errors", "ERROR", "Errors", dimensions={"Region": "$region"})

    assert error_code(put) == "InvalidParameterException"


def test_dimensions_together_with_a_default_value_are_invalid_parameter(logs_client: Any, group: str) -> None:
    def put() -> None:
        put_filter(
            logs_client, "errors", "[timestamp, level]", "Errors", dimensions={"Level": "$level"}, defaultValue=0.0
        )

    assert error_code(put) == "InvalidParameterException"


def test_more_than_three_dimensions_are_invalid_parameter(logs_client: Any, group: str) -> None:
    four = {"A": "$a", "B": "$b", "C": "$c", "D": "$d"}

    def put() -> None:
        put_filter(logs_client, "errors", "[a, b, c, d]", "Errors", dimensions=four)

    assert error_code(put) == "InvalidParameterException"


@pytest.mark.parametrize("value", ["Infinity", "NaN", "1e400"])
def test_a_metric_value_that_is_not_a_finite_number_is_invalid_parameter(
    logs_client: Any, group: str, value: str
) -> None:
    assert error_code(lambda: put_filter(logs_client, "errors", "ERROR", "Errors", value)) == (
        "InvalidParameterException"
    )


def test_metric_name_without_metric_namespace_is_invalid_parameter(logs_client: Any, group: str) -> None:
    assert error_code(lambda: logs_client.describe_metric_filters(metricName="Errors")) == "InvalidParameterException"


def test_filter_name_prefix_without_a_log_group_name_is_answered(logs_client: Any, group: str) -> None:
    make_group(logs_client, "/app/billing")
    put_filter(logs_client, "api-errors", "ERROR", "Errors")
    put_filter(logs_client, "api-latency", "{ $.latency = * }", "Latency", "$.latency", group="/app/billing")

    assert sorted(names(logs_client.describe_metric_filters(filterNamePrefix="api-"))) == [
        "api-errors",
        "api-latency",
    ]


def test_deleting_a_filter_that_does_not_exist_is_resource_not_found(logs_client: Any, group: str) -> None:
    put_filter(logs_client, "errors", "ERROR", "Errors")

    def delete() -> None:
        logs_client.delete_metric_filter(logGroupName=group, filterName="warnings")

    assert error_code(delete) == "ResourceNotFoundException"


def test_the_101st_filter_on_a_log_group_is_limit_exceeded(logs_client: Any, group: str) -> None:
    for index in range(100):
        put_filter(logs_client, f"filter-{index:03}", "ERROR", "Errors")

    assert error_code(lambda: put_filter(logs_client, "filter-100", "ERROR", "Errors")) == "LimitExceededException"
    assert logs_client.describe_log_groups()["logGroups"][0]["metricFilterCount"] == 100


# ---- the filters' lifetime -------------------------------------------------------------------------------


def test_deleting_the_log_group_deletes_its_filters(logs_client: Any, group: str) -> None:
    put_filter(logs_client, "errors", "ERROR", "Errors")

    logs_client.delete_log_group(logGroupName=group)

    assert logs_client.describe_metric_filters()["metricFilters"] == []
    assert logs_client.describe_metric_filters(metricName="Errors", metricNamespace=NAMESPACE)["metricFilters"] == []


def test_a_new_log_group_with_a_deleted_groups_name_has_no_filters(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    put_filter(logs_client, "errors", "ERROR", "Errors")
    logs_client.delete_log_group(logGroupName=group)

    make_group(logs_client, group)
    put_events(logs_client, base, [(0, "ERROR after")])

    assert logs_client.describe_metric_filters(logGroupName=group)["metricFilters"] == []
    assert logs_client.describe_log_groups()["logGroups"][0]["metricFilterCount"] == 0
    assert points(cloudwatch_client, "Errors", base) == {}


def test_filters_survive_a_server_restart(tmp_path: Path, base: datetime) -> None:
    with VigilServer("--data-dir", str(tmp_path)) as server:
        logs = server.client("logs")
        make_group(logs, GROUP)
        put_filter(logs, "errors", "ERROR", "Errors", unit="Count")

    with VigilServer("--data-dir", str(tmp_path)) as server:
        put_events(server.client("logs"), base, [(0, "ERROR a"), (1_000, "INFO b"), (60_000, "ERROR c")])
        emitted = points(server.client("cloudwatch"), "Errors", base, Unit="Count")
        described = names(server.client("logs").describe_metric_filters(logGroupName=GROUP))

    assert (emitted, described) == ({0: (1, 1), 1: (1, 1)}, ["errors"])


def test_a_server_killed_before_drawing_datapoints_draws_each_exactly_once_on_restart(
    tmp_path: Path, base: datetime
) -> None:
    """Datapoints are drawn from events after their commit (engine/metrics/emitters.py): a kill -9 right after
    the acknowledgements, before any metrics read, must leave every event counted once after the restart."""
    batches = [[(minute * 60_000 + i, f"ERROR {minute}-{i}") for i in range(100)] for minute in range(5)]
    with VigilServer("--data-dir", str(tmp_path)) as server:
        logs = server.client("logs")
        make_group(logs, GROUP)
        put_filter(logs, "errors", "ERROR", "Errors")
        for batch in batches:
            put_events(logs, base, batch)
        server.kill()

    with VigilServer("--data-dir", str(tmp_path)) as server:
        emitted = points(server.client("cloudwatch"), "Errors", base)

    assert emitted == {minute: (100, 100) for minute in range(5)}


# ---- volume ----------------------------------------------------------------------------------------------


def test_a_batch_of_ten_thousand_events_with_three_filters_counts_exactly(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    put_filter(logs_client, "errors", SEED_ERROR_PATTERN, "Errors")
    put_filter(
        logs_client,
        "latency",
        "[timestamp, level=INFO, msg=chat_response_sent, latency_ms, ...]",
        "Latency",
        "$latency_ms",
    )
    put_filter(logs_client, "queue", "{ $.queue_depth = * }", "QueueDepth", "$.queue_depth")
    events: list[Event] = []
    errors, latencies, depths = [], [], []
    for i in range(10_000):
        at = i * 60  # ten minutes of events
        kind = i % 4
        if kind == 0:
            events.append((at, f"2025-10-17T12:00:00Z ERROR failure_{i} order={i}"))
            errors.append((at, 1))
        elif kind == 1:
            events.append((at, f"2025-10-17T12:00:00Z INFO chat_response_sent {i % 997} session={i}"))
            latencies.append((at, i % 997))
        elif kind == 2:
            events.append((at, json.dumps({"level": "WARN", "queue_depth": i % 101})))
            depths.append((at, i % 101))
        else:
            events.append((at, ACCESS_LINE))

    put_events(logs_client, base, events)

    assert points(cloudwatch_client, "Errors", base) == expected(errors)
    assert points(cloudwatch_client, "Latency", base) == expected(latencies)
    assert points(cloudwatch_client, "QueueDepth", base) == expected(depths)
