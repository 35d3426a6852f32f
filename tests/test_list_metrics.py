"""ListMetrics: filters by namespace, metric name and dimensions, RecentlyActive, and paging."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from metrics_helpers import (
    NAMESPACE,
    aws_error,
    dims,
    put,
    series,
)

from vigil.testing import VigilServer

Aws = Callable[..., Any]


# ---- ListMetrics ------------------------------------------------------------------------------------------


@pytest.fixture
def shop_metrics(cloudwatch_client: Any) -> Any:
    """Series in two namespaces: Orders by shop (one also by region), Visits by shop, and Signups alone."""
    put(
        cloudwatch_client,
        {"MetricName": "Orders", "Dimensions": dims(Shop="north"), "Value": 1.0},
        {"MetricName": "Orders", "Dimensions": dims(Shop="south", Region="eu"), "Value": 1.0},
        {"MetricName": "Visits", "Dimensions": dims(Shop="north"), "Value": 1.0},
        {"MetricName": "Visits", "Dimensions": dims(Region="eu"), "Value": 1.0},
    )
    put(cloudwatch_client, {"MetricName": "Signups", "Value": 1.0}, namespace="Accounts")
    return cloudwatch_client


def test_list_metrics_by_namespace(shop_metrics: Any) -> None:
    assert series(shop_metrics.list_metrics(Namespace="Accounts")) == {("Accounts", "Signups", frozenset())}
    assert len(shop_metrics.list_metrics(Namespace=NAMESPACE)["Metrics"]) == 4
    assert len(shop_metrics.list_metrics()["Metrics"]) == 5


def test_list_metrics_by_metric_name(shop_metrics: Any) -> None:
    assert series(shop_metrics.list_metrics(MetricName="Orders")) == {
        (NAMESPACE, "Orders", frozenset({("Shop", "north")})),
        (NAMESPACE, "Orders", frozenset({("Shop", "south"), ("Region", "eu")})),
    }


def test_list_metrics_by_dimension_name_and_value(shop_metrics: Any) -> None:
    assert series(shop_metrics.list_metrics(Dimensions=[{"Name": "Shop", "Value": "north"}])) == {
        (NAMESPACE, "Orders", frozenset({("Shop", "north")})),
        (NAMESPACE, "Visits", frozenset({("Shop", "north")})),
    }


def test_list_metrics_by_dimension_name_alone_finds_every_value(shop_metrics: Any) -> None:
    assert series(shop_metrics.list_metrics(Dimensions=[{"Name": "Region"}])) == {
        (NAMESPACE, "Orders", frozenset({("Shop", "south"), ("Region", "eu")})),
        (NAMESPACE, "Visits", frozenset({("Region", "eu")})),
    }


def test_list_metrics_by_several_dimensions_needs_all_of_them(shop_metrics: Any) -> None:
    found = shop_metrics.list_metrics(Dimensions=[{"Name": "Region", "Value": "eu"}, {"Name": "Shop"}])

    assert series(found) == {(NAMESPACE, "Orders", frozenset({("Shop", "south"), ("Region", "eu")}))}


def test_list_metrics_pages_500_series_at_a_time(cloudwatch_client: Any) -> None:
    # Two requests of 1,000 datums; their hosts overlap by 500, so 1,500 series in all.
    for first in (0, 500):
        put(
            cloudwatch_client,
            *(
                {"MetricName": "Requests", "Dimensions": dims(Host=f"h{i:04}"), "Value": 1.0}
                for i in range(first, first + 1000)
            ),
        )

    pages, token = [], None
    while True:
        reply = cloudwatch_client.list_metrics(Namespace=NAMESPACE, **({"NextToken": token} if token else {}))
        pages.append(reply["Metrics"])
        token = reply.get("NextToken")
        if token is None:
            break

    assert [len(page) for page in pages[:3]] == [500, 500, 500]
    assert all(page == [] for page in pages[3:])
    hosts = [m["Dimensions"][0]["Value"] for page in pages for m in page]
    assert sorted(hosts) == [f"h{i:04}" for i in range(1500)]


def test_a_bad_next_token_is_an_invalid_value(cloudwatch_client: Any) -> None:
    # ListMetrics models no InvalidNextToken error, only InvalidParameterValue.
    code, _ = aws_error(lambda: cloudwatch_client.list_metrics(NextToken="not-a-token"))

    assert code == "InvalidParameterValue"


def test_recently_active_other_than_pt3h_breaks_the_models_enum(cloudwatch_client: Any) -> None:
    code, message = aws_error(lambda: cloudwatch_client.list_metrics(RecentlyActive="PT1H"))

    assert code == "ValidationError"
    assert "PT3H" in message


def test_recently_active_lists_only_series_put_to_in_the_last_three_hours(tmp_path: Path) -> None:
    with VigilServer("--data-dir", str(tmp_path)) as server:
        put(server.client("cloudwatch"), {"MetricName": "Stale", "Value": 1.0}, {"MetricName": "Fresh", "Value": 1.0})
    # No clock to wind on, so the stopped server's database is made to remember Stale's last put four hours back.
    with duckdb.connect(str(tmp_path / "vigil.duckdb")) as database:
        database.execute("UPDATE metric_series SET last_put = last_put - 4 * 3600 * 1000 WHERE metric_name = 'Stale'")

    with VigilServer("--data-dir", str(tmp_path)) as server:
        cloudwatch = server.client("cloudwatch")
        recent = cloudwatch.list_metrics(RecentlyActive="PT3H")
        everything = cloudwatch.list_metrics()

    assert [m["MetricName"] for m in recent["Metrics"]] == ["Fresh"]
    assert {m["MetricName"] for m in everything["Metrics"]} == {"Stale", "Fresh"}
