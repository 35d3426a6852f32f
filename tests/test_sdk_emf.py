"""vigil.metrics' embedded metric format writer: the documents it builds keep AWS's rules, go to stdout inside
Lambda and through a CloudWatchHandler elsewhere, and the real server turns them into the metrics recorded."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import math
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sdk_helpers import shipping_config, stored_events

import vigil.metrics as metrics
from vigil.sdk.metrics import api, emf
from vigil.sdk.shipping.handler import CloudWatchHandler
from vigil.testing import CREDENTIALS, VigilServer

AT = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def statistics_of(vigil: VigilServer, name: str, dimensions: dict[str, str], namespace: str = "Shop") -> dict:
    now = dt.datetime.now(dt.UTC)
    [point] = vigil.client("cloudwatch").get_metric_statistics(
        Namespace=namespace,
        MetricName=name,
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        StartTime=now - dt.timedelta(minutes=10),
        EndTime=now + dt.timedelta(minutes=1),
        Period=660,
        Statistics=["SampleCount", "Sum", "Minimum", "Maximum"],
    )["Datapoints"]
    return {name: point[name] for name in ("SampleCount", "Sum", "Minimum", "Maximum")}


def expected(values: list[float]) -> dict[str, float]:
    return {"SampleCount": len(values), "Sum": sum(values), "Minimum": min(values), "Maximum": max(values)}


# ---- the documents ---------------------------------------------------------------------------------------


def test_a_document_holds_the_namespace_dimensions_metrics_and_properties() -> None:
    writer = metrics.EmbeddedMetrics("Shop", {"Service": "orders"}, stream=io.StringIO())
    writer.put_metric("Latency", 12.5, "Milliseconds")
    writer.put_metric("Latency", 30, "Milliseconds")
    writer.put_metric("Hits", 1, "Count", storage_resolution=1)
    writer.set_property("request_id", "req-42")
    writer.set_timestamp(AT)

    assert writer.documents() == [
        {
            "_aws": {
                "Timestamp": int(AT.timestamp() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": "Shop",
                        "Dimensions": [["Service"]],
                        "Metrics": [
                            {"Name": "Latency", "Unit": "Milliseconds"},
                            {"Name": "Hits", "Unit": "Count", "StorageResolution": 1},
                        ],
                    }
                ],
            },
            "Service": "orders",
            "request_id": "req-42",
            "Latency": [12.5, 30.0],
            "Hits": 1.0,
        }
    ]


def test_without_dimensions_a_document_has_one_empty_dimension_set() -> None:
    writer = metrics.EmbeddedMetrics("Shop", stream=io.StringIO())
    writer.put_metric("Hits", 1)

    [document] = writer.documents()
    assert document["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [[]]


def test_more_than_100_metrics_or_values_are_split_over_documents() -> None:
    writer = metrics.EmbeddedMetrics("Shop", stream=io.StringIO())
    for i in range(150):
        writer.put_metric(f"M{i}", i)
    for value in range(250):
        writer.put_metric("M0", value)

    documents = writer.documents()
    values: dict[str, list[float]] = {}
    for document in documents:
        [directive] = document["_aws"]["CloudWatchMetrics"]
        assert len(directive["Metrics"]) <= emf.MAX_METRICS
        for definition in directive["Metrics"]:
            found = document[definition["Name"]]
            found = found if isinstance(found, list) else [found]
            assert len(found) <= emf.MAX_VALUES
            values.setdefault(definition["Name"], []).extend(found)
    assert values == {"M0": [0.0, *map(float, range(250))], **{f"M{i}": [float(i)] for i in range(1, 150)}}


def test_several_dimension_sets_share_their_dimensions_values() -> None:
    writer = metrics.EmbeddedMetrics("Shop", {"Service": "orders", "Route": "/a"}, stream=io.StringIO())
    writer.put_dimensions({"Service": "orders"})
    writer.put_metric("Hits", 1)

    [document] = writer.documents()
    assert document["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["Service", "Route"], ["Service"]]
    assert (document["Service"], document["Route"]) == ("orders", "/a")


def test_flush_writes_each_document_as_one_line_and_starts_afresh() -> None:
    out = io.StringIO()
    writer = metrics.EmbeddedMetrics("Shop", {"Service": "orders"}, stream=out)
    writer.put_metric("Hits", 2, "Count")
    writer.set_property("request_id", "r1")

    assert writer.flush() == 1
    assert writer.flush() == 0
    [line] = out.getvalue().splitlines()
    assert json.loads(line)["Hits"] == 2.0
    assert writer.documents() == []


REFUSED: dict[str, Callable[[metrics.EmbeddedMetrics], None]] = {
    "31 dimensions": lambda w: w.put_dimensions({f"d{i}": "x" for i in range(31)}),
    "a dimension given two values": lambda w: w.put_dimensions({"Service": "billing"}),
    "an empty dimension value": lambda w: w.put_dimensions({"Route": ""}),
    "a control character": lambda w: w.put_dimensions({"Route": "a\nb"}),
    "an unknown unit": lambda w: w.put_metric("X", 1, "Parsecs"),
    "storage resolution 30": lambda w: w.put_metric("X", 1, storage_resolution=30),
    "NaN": lambda w: w.put_metric("X", math.nan),
    "beyond 2^360": lambda w: w.put_metric("X", 2.0**361),
    "a metric named as a dimension": lambda w: w.put_metric("Service", 1),
    "a property named as a metric": lambda w: (w.put_metric("X", 1), w.set_property("X", "y")),
    "a unit changed": lambda w: (w.put_metric("X", 1, "Count"), w.put_metric("X", 1, "Seconds")),
    "the _aws member": lambda w: w.set_property("_aws", {}),
    "a string value": lambda w: w.put_metric("X", "1"),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("kind", REFUSED)
def test_what_would_break_a_document_is_refused_when_recorded(kind: str) -> None:
    writer = metrics.EmbeddedMetrics("Shop", {"Service": "orders"}, stream=io.StringIO())
    with pytest.raises(ValueError):
        REFUSED[kind](writer)


def test_the_reserved_aws_namespace_is_refused() -> None:
    with pytest.raises(ValueError):
        metrics.EmbeddedMetrics("AWS/Lambda")


# ---- where documents go ----------------------------------------------------------------------------------


def test_inside_lambda_a_document_is_one_line_on_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "scheduling-actions")
    writer = metrics.EmbeddedMetrics("Shop", {"Service": "orders"})
    writer.put_metric("Hits", 3, "Count")
    writer.flush()

    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["Hits"] == 3.0


def test_lines_printed_inside_lambda_become_metrics_once_in_the_functions_log_group(
    vigil: VigilServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "scheduling-actions")
    values = [float(v) for v in (120, 80, 310, 95)]
    for value in values:
        with metrics.EmbeddedMetrics("Shop", {"Service": "orders"}) as writer:
            writer.put_metric("Latency", value, "Milliseconds")
            writer.set_property("request_id", f"r{value}")
    lines = capsys.readouterr().out.splitlines()

    # What Lambda does with stdout: each line an event of the function's log group.
    logs = vigil.client("logs")
    logs.create_log_group(logGroupName="/aws/lambda/scheduling-actions")
    logs.create_log_stream(logGroupName="/aws/lambda/scheduling-actions", logStreamName="s")
    now = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    logs.put_log_events(
        logGroupName="/aws/lambda/scheduling-actions",
        logStreamName="s",
        logEvents=[{"timestamp": now, "message": line} for line in lines],
    )

    assert statistics_of(vigil, "Latency", {"Service": "orders"}) == expected(values)


@pytest.fixture
def shipping_env(vigil: VigilServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The environment a process outside Lambda finds its endpoint, region and credentials in."""
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", vigil.endpoint_url)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CREDENTIALS["aws_secret_access_key"])
    monkeypatch.setenv("VIGIL_SPOOL_DIR", str(tmp_path / "spool"))
    yield
    for handler in emf._handlers.values():
        handler.close()
    emf._handlers.clear()


def test_outside_lambda_documents_are_shipped_to_the_log_group_and_become_metrics(
    vigil: VigilServer, shipping_env: None
) -> None:
    values = [float(v) for v in range(1, 31)]
    writer = metrics.EmbeddedMetrics("Shop", {"Service": "orders"}, log_group="/emf/orders")
    for value in values:
        writer.put_metric("Latency", value, "Milliseconds")
    writer.flush()
    assert metrics.flush_embedded(30)

    assert statistics_of(vigil, "Latency", {"Service": "orders"}) == expected(values)
    streams = vigil.client("logs").describe_log_streams(logGroupName="/emf/orders")["logStreams"]
    [event] = stored_events(vigil.client("logs"), "/emf/orders", streams[0]["logStreamName"])
    message = json.loads(event["message"])  # the document itself, not a log record around it
    assert (message["Service"], message["Latency"], sorted(message)) == (
        "orders",
        values,
        ["Latency", "Service", "_aws"],
    )


def test_without_a_log_group_documents_go_to_the_namespaces_metrics_group(
    vigil: VigilServer, shipping_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIGIL_EMF_LOG_GROUP", raising=False)
    writer = metrics.EmbeddedMetrics("Checkout")
    writer.put_metric("Orders", 1, "Count")
    writer.flush()
    assert metrics.flush_embedded(30)

    groups = [g["logGroupName"] for g in vigil.client("logs").describe_log_groups()["logGroups"]]
    assert groups == ["Checkout-metrics"]
    assert statistics_of(vigil, "Orders", {}, namespace="Checkout") == expected([1.0])


def test_a_handler_given_ships_the_documents(vigil: VigilServer, tmp_path: Path) -> None:
    handler = CloudWatchHandler(
        shipping_config(vigil.endpoint_url, tmp_path, log_group="/emf/given"), format=logging.Formatter("%(message)s")
    )
    try:
        writer = metrics.EmbeddedMetrics("Shop", {"Service": "orders"}, handler=handler)
        writer.put_metric("Hits", 4, "Count")
        writer.put_metric("Hits", 6, "Count")
        writer.flush()
        assert handler.flush(30)
    finally:
        handler.close()

    assert statistics_of(vigil, "Hits", {"Service": "orders"}) == expected([4.0, 6.0])


def test_embedded_metrics_takes_the_namespace_configure_metrics_set() -> None:
    configured = metrics.configure_metrics("Chatbot", endpoint_url="http://127.0.0.1:9", region="us-east-1")
    try:
        writer = metrics.embedded_metrics({"Service": "bot"}, stream=io.StringIO())
        assert writer.namespace == "Chatbot"
    finally:
        configured.close()
        api._default.clear()
