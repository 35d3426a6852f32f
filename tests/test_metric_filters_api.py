"""Metric filters through boto3 and the aws CLI: PutMetricFilter, DescribeMetricFilters and DeleteMetricFilter
answer as AWS does: listing, paging, replacing and deleting filters, and every refusal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from logs_helpers import error_code, now_ms
from metric_filter_helpers import (
    NAMESPACE,
    make_group,
    names,
    points,
    put_events,
    put_filter,
)

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
