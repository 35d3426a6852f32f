"""Metric filters through boto3 and the aws CLI: PutMetricFilter, DescribeMetricFilters and DeleteMetricFilter
answer as AWS does, and every ingested PutLogEvents batch produces exactly the datapoints computed here from the
events sent, read back with GetMetricStatistics and ListMetrics."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from metric_filter_helpers import (
    ACCESS_LINE,
    ACCESS_PATTERN,
    GROUP,
    NAMESPACE,
    SEED_BATCH,
    SEED_ERROR_PATTERN,
    SEED_GROUP,
    SEED_NAMESPACE,
    SEED_RESPONSE_TIME_PATTERN,
    SEED_SUCCESS_PATTERN,
    Aws,
    Event,
    expected,
    listed,
    make_group,
    names,
    points,
    put_events,
    put_filter,
    seed_json,
)
from metrics_helpers import hour_start

from vigil.testing import VigilServer

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
