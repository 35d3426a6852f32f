"""SEARCH in GetMetricData: the metric schema, partial and exact terms (AWS's tokenization examples),
designators, boolean operators, the statistic and period arguments, and one labelled result per metric."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from metrics_helpers import MINUTE, hour_start
from metrics_math_helpers import expression, get, labelled, math_error, only, present, put_minutes

CHECKOUT = [1.0, 2.0, 3.0, None, 5.0, 6.0]
CART = [10.0, None, 30.0, 40.0, 50.0, 60.0]
BOTH = [100.0, 200.0, None, None, 500.0, 600.0]
ERRORS = [7.0, None, None, 9.0, None, None]
PLAIN = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
MINUTES = len(CHECKOUT)


@pytest.fixture
def base(cloudwatch_client: Any) -> datetime:
    moment = hour_start()
    put_minutes(cloudwatch_client, "Latency", moment, CHECKOUT, {"Route": "/checkout"})
    put_minutes(cloudwatch_client, "Latency", moment, CART, {"Route": "/cart"})
    put_minutes(cloudwatch_client, "Latency", moment, BOTH, {"Route": "/cart", "Method": "GET"})
    put_minutes(cloudwatch_client, "Errors", moment, ERRORS, {"Route": "/cart"})
    put_minutes(cloudwatch_client, "Latency", moment, PLAIN)
    return moment


def search(cloudwatch: Any, base: datetime, text: str, stat: str = "Sum", period: int = 60, **extra: Any) -> Any:
    quoted = text.replace("'", "\\'")
    return get(cloudwatch, [expression("e1", f"SEARCH('{quoted}', '{stat}', {period})", **extra)], base, MINUTES)


def test_a_schema_keeps_the_metrics_with_exactly_those_dimensions(cloudwatch_client: Any, base: datetime) -> None:
    reply = search(cloudwatch_client, base, '{Shop,Route} MetricName="Latency"')

    assert sorted(labelled(reply, base)) == [("/cart", present(CART)), ("/checkout", present(CHECKOUT))]


def test_results_share_the_expression_id(cloudwatch_client: Any, base: datetime) -> None:
    reply = search(cloudwatch_client, base, "{Shop,Route}")

    assert {result["Id"] for result in reply["MetricDataResults"]} == {"e1"}
    assert len(reply["MetricDataResults"]) == 3


def test_a_schema_without_dimensions_keeps_the_metrics_without_any(cloudwatch_client: Any, base: datetime) -> None:
    reply = search(cloudwatch_client, base, "{Shop} Latency")

    assert labelled(reply, base) == [("Latency", present(PLAIN))]


def test_a_search_over_several_metric_names_labels_with_the_metric_name(cloudwatch_client: Any, base: datetime) -> None:
    reply = search(cloudwatch_client, base, "{Shop,Route} cart")

    assert sorted(label for label, _ in labelled(reply, base)) == ["/cart Errors", "/cart Latency"]


def test_a_schema_with_spaces_in_quotes(cloudwatch_client: Any) -> None:
    base = hour_start()
    cloudwatch_client.put_metric_data(
        Namespace="My Shop",
        MetricData=[
            {
                "MetricName": "Orders",
                "Value": 4.0,
                "Timestamp": base,
                "Dimensions": [{"Name": "Shop Id", "Value": "s1"}],
            }
        ],
    )

    reply = search(cloudwatch_client, base, '{"My Shop", "Shop Id"}, Orders')

    assert labelled(reply, base) == [("s1", [(0, 4.0)])]


TOKENS = ["CustomCount1", "SDBFailure", "Project2-trial333"]


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("count", ["CustomCount1"]),
        ("Count", ["CustomCount1"]),
        ("COUNT", ["CustomCount1"]),
        ("couNT", []),
        ("CustomCount", ["CustomCount1"]),
        ("Count1", ["CustomCount1"]),
        ("customcount", []),
        ("count1", []),
        ("customcount1", ["CustomCount1"]),
        ("sdb", ["SDBFailure"]),
        ("failure", ["SDBFailure"]),
        ("project2trial333", ["Project2-trial333"]),
        ("333", ["Project2-trial333"]),
        ('"CustomCount1"', ["CustomCount1"]),
        ('"customcount1"', []),
        ('"Custom"', []),
    ],
)
def test_partial_and_exact_terms_match_as_aws_documents(cloudwatch_client: Any, term: str, found: list[str]) -> None:
    base = hour_start()
    for name in TOKENS:
        put_minutes(cloudwatch_client, name, base, [1.0])

    reply = search(cloudwatch_client, base, f"{{Shop}} {term}")

    assert sorted(label for label, _ in labelled(reply, base)) == found


@pytest.mark.parametrize("term", ["network/errors", "network+errors", "network-errors", "Network_Errors"])
def test_delimiters_in_a_term_match_across_delimiters_in_a_name(cloudwatch_client: Any, term: str) -> None:
    base = hour_start()
    put_minutes(cloudwatch_client, "Network-Errors-2", base, [1.0])
    put_minutes(cloudwatch_client, "NetworkErrors2", base, [2.0])

    reply = search(cloudwatch_client, base, f"{{Shop}} {term}")

    assert sorted(label for label, _ in labelled(reply, base)) == ["Network-Errors-2", "NetworkErrors2"]


def test_an_exact_term_may_hold_escaped_special_characters(cloudwatch_client: Any) -> None:
    base = hour_start()
    put_minutes(cloudwatch_client, 'Odd"Name(1)', base, [3.0])

    reply = search(cloudwatch_client, base, r'"Odd\"Name\(1\)"')

    assert labelled(reply, base) == [('Odd"Name(1)', [(0, 3.0)])]


def test_a_dimension_designator_matches_that_dimension_only(cloudwatch_client: Any, base: datetime) -> None:
    reply = search(cloudwatch_client, base, '{Shop,Route} Route="/checkout"')

    assert labelled(reply, base) == [("/checkout", present(CHECKOUT))]


def test_a_designator_takes_a_parenthesised_or_of_values(cloudwatch_client: Any, base: datetime) -> None:
    reply = search(cloudwatch_client, base, '{Shop,Route} MetricName="Latency" "Route"=("/cart" OR "/checkout")')

    assert sorted(label for label, _ in labelled(reply, base)) == ["/cart", "/checkout"]


def test_a_namespace_designator_matches_the_namespace_tokens(cloudwatch_client: Any, base: datetime) -> None:
    cloudwatch_client.put_metric_data(Namespace="Other", MetricData=[{"MetricName": "Latency", "Value": 1.0}])

    reply = search(cloudwatch_client, base, 'Namespace=shop MetricName="Errors"')

    assert labelled(reply, base) == [("/cart", present(ERRORS))]


def test_or_finds_either(cloudwatch_client: Any, base: datetime) -> None:
    reply = search(cloudwatch_client, base, '{Shop,Route} MetricName="Errors" OR Route="/checkout"')

    assert sorted(label for label, _ in labelled(reply, base)) == ["/cart Errors", "/checkout Latency"]


def test_not_excludes(cloudwatch_client: Any, base: datetime) -> None:
    reply = search(cloudwatch_client, base, '{Shop,Route} MetricName="Latency" NOT checkout')

    assert labelled(reply, base) == [("/cart", present(CART))]


def test_not_alone_keeps_everything_else(cloudwatch_client: Any, base: datetime) -> None:
    reply = search(cloudwatch_client, base, "NOT Latency")

    assert labelled(reply, base) == [("/cart", present(ERRORS))]


def test_terms_side_by_side_must_all_match(cloudwatch_client: Any, base: datetime) -> None:
    implicit = search(cloudwatch_client, base, "Latency cart GET")
    explicit = search(cloudwatch_client, base, "Latency AND cart AND GET")

    assert labelled(implicit, base) == labelled(explicit, base) == [("GET /cart", present(BOTH))]


def test_parentheses_group(cloudwatch_client: Any, base: datetime) -> None:
    reply = search(cloudwatch_client, base, '{Shop,Route} (MetricName="Errors" OR checkout) AND cart')

    assert labelled(reply, base) == [("/cart", present(ERRORS))]


def test_the_statistic_and_period_arguments_apply_to_each_metric(cloudwatch_client: Any, base: datetime) -> None:
    reply = search(cloudwatch_client, base, '{Shop,Route} Route="/checkout"', stat="Maximum", period=120)

    pairs = [CHECKOUT[i : i + 2] for i in range(0, MINUTES, 2)]
    expected = [(2 * i, max(v for v in pair if v is not None)) for i, pair in enumerate(pairs) if any(pair)]
    assert labelled(reply, base) == [("/checkout", expected)]


def test_a_percentile_statistic_is_accepted(cloudwatch_client: Any, base: datetime) -> None:
    reply = search(cloudwatch_client, base, '{Shop,Route} Route="/checkout"', stat="p50")

    assert labelled(reply, base) == [("/checkout", present(CHECKOUT))]


def test_a_search_inside_a_function_sums_its_metrics(cloudwatch_client: Any, base: datetime) -> None:
    text = "SUM(SEARCH('{Shop,Route} MetricName=\"Latency\"', 'Sum', 60))"

    reply = get(cloudwatch_client, [expression("e1", text)], base, MINUTES)

    expected = [
        (m, (CART[m] or 0.0) + (CHECKOUT[m] or 0.0))
        for m in range(MINUTES)
        if CART[m] is not None or CHECKOUT[m] is not None
    ]
    assert only(reply, base) == expected


def test_a_search_in_another_expression_is_reused_by_id(cloudwatch_client: Any, base: datetime) -> None:
    queries = [
        expression("found", "SEARCH('{Shop,Route} MetricName=\"Latency\"', 'Sum', 60)", ReturnData=False),
        expression("e1", "MAX(found)"),
    ]

    reply = get(cloudwatch_client, queries, base, MINUTES)

    expected = [
        (m, max(v for v in (CART[m], CHECKOUT[m]) if v is not None))
        for m in range(MINUTES)
        if CART[m] is not None or CHECKOUT[m] is not None
    ]
    assert only(reply, base) == expected


def test_the_label_goes_before_each_metric_label(cloudwatch_client: Any, base: datetime) -> None:
    reply = search(cloudwatch_client, base, '{Shop,Route} MetricName="Latency"', Label="p:")

    assert sorted(label for label, _ in labelled(reply, base)) == ["p: /cart", "p: /checkout"]


def test_a_dynamic_label_applies_to_each_metric(cloudwatch_client: Any, base: datetime) -> None:
    label = "${PROP('MetricName')} on ${PROP('Dim.Route')} max ${MAX}"

    reply = search(cloudwatch_client, base, '{Shop,Route} MetricName="Latency"', Label=label)

    found = sorted(label for label, _ in labelled(reply, base))
    assert found == [
        f"Latency on /cart max {max(v for v in CART if v is not None):g}",
        f"Latency on /checkout max {max(v for v in CHECKOUT if v is not None):g}",
    ]


def test_a_search_that_matches_nothing_returns_no_result(cloudwatch_client: Any, base: datetime) -> None:
    reply = search(cloudwatch_client, base, "Nonexistent")

    assert reply["MetricDataResults"] == []


def test_search_reads_only_the_time_range(cloudwatch_client: Any, base: datetime) -> None:
    reply = get(
        cloudwatch_client,
        [expression("e1", "SEARCH('{Shop,Route} Route=\"/checkout\"', 'Sum', 60)")],
        base + 2 * MINUTE,
        2,
    )

    assert [v for _, v in labelled(reply, base)[0][1]] == [v for v in CHECKOUT[2:4] if v is not None]


@pytest.mark.parametrize(
    "text",
    ["{Shop", "{Shop,Route} (cart", "Route=", '"unclosed', ""],
    ids=["open-schema", "open-parenthesis", "no-value", "open-quote", "empty"],
)
def test_a_malformed_search_is_a_validation_error(cloudwatch_client: Any, text: str) -> None:
    code, message = math_error(cloudwatch_client, [expression("e1", f"SEARCH('{text}', 'Sum', 60)")])

    assert code == "ValidationError"
    assert "e1" in message


def test_a_search_with_an_unknown_statistic_is_a_validation_error(cloudwatch_client: Any) -> None:
    code, message = math_error(cloudwatch_client, [expression("e1", "SEARCH('Latency', 'Median', 60)")])

    assert code == "ValidationError"
    assert "Median" in message


def test_a_search_with_a_bad_period_is_a_validation_error(cloudwatch_client: Any) -> None:
    code, message = math_error(cloudwatch_client, [expression("e1", "SEARCH('Latency', 'Sum', 7)")])

    assert code == "ValidationError"
    assert "7" in message


def test_a_label_without_a_schema_lists_every_dimension_value_by_name(cloudwatch_client: Any, base: datetime) -> None:
    reply = search(cloudwatch_client, base, "Latency GET")

    assert labelled(reply, base) == [("GET /cart", present(BOTH))]


def test_a_schema_orders_the_label_s_dimension_values(cloudwatch_client: Any, base: datetime) -> None:
    reply = search(cloudwatch_client, base, "{Shop,Route,Method}")

    assert labelled(reply, base) == [("/cart GET", present(BOTH))]


def test_a_search_matching_more_than_500_metrics_returns_500_and_says_so(cloudwatch_client: Any) -> None:
    base = hour_start()
    cloudwatch_client.put_metric_data(
        Namespace="Shop",
        MetricData=[
            {"MetricName": "Hits", "Value": 1.0, "Timestamp": base, "Dimensions": [{"Name": "Host", "Value": f"h{i}"}]}
            for i in range(501)
        ],
    )

    reply = search(cloudwatch_client, base, "{Shop,Host} Hits")

    assert len(reply["MetricDataResults"]) == 500
    assert [message["Code"] for message in reply["Messages"]] == ["MaxMetricsExceeded"]
