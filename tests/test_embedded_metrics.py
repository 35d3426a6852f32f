"""Embedded metric format through boto3: documents printed by the real aws-lambda-powertools Metrics utility (and
written by hand for the rules it never breaks) are sent with PutLogEvents, and the datapoints they give are read
back with GetMetricStatistics, GetMetricData and ListMetrics, checked against values computed here."""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricResolution, MetricUnit
from botocore.config import Config
from metrics_helpers import epoch_ms, hour_start, nearest_rank, statistics

from vigil.testing import VigilServer

GROUP = "/app/orders"  # made, with its stream STREAM, by conftest's ``group`` fixture
STREAM = "web"
NAMESPACE = "Shop"
STATISTICS = ["SampleCount", "Sum", "Average", "Minimum", "Maximum"]


@pytest.fixture
def base() -> datetime:
    """A minute in the past, inside what PutLogEvents and PutMetricData accept."""
    return hour_start()


def powertools_document(build: Callable[[Metrics], None], at: datetime, service: str = "orders") -> str:
    """What the Powertools Metrics utility prints for the metrics ``build`` adds, stamped ``at``."""
    metrics = Metrics(namespace=NAMESPACE, service=service)
    metrics.clear_metrics()
    build(metrics)
    metrics.set_timestamp(at)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        metrics.flush_metrics()
    [line] = printed.getvalue().splitlines()
    return line


def put(logs: Any, *messages: str, at: datetime, group: str = GROUP, stream: str = STREAM) -> None:
    """The messages as events one millisecond apart from ``at``."""
    start = epoch_ms(at)
    events = [{"timestamp": start + i, "message": message} for i, message in enumerate(messages)]
    reply = logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
    assert "rejectedLogEventsInfo" not in reply


def document(metrics: list[dict[str, Any]], at: datetime | None, **root: Any) -> str:
    """An EMF document written by hand: one directive in NAMESPACE with the given metric definitions."""
    directive = {"Namespace": NAMESPACE, "Dimensions": [sorted(k for k in root if k.startswith("dim_"))]}
    aws: dict[str, Any] = {"CloudWatchMetrics": [{**directive, "Metrics": metrics}]}
    if at is not None:
        aws["Timestamp"] = epoch_ms(at)
    return json.dumps({"_aws": aws, **root})


def read(
    cloudwatch: Any, metric: str, start: datetime, dimensions: dict[str, str] | None = None, **request: Any
) -> list[dict[str, Any]]:
    """GetMetricStatistics' datapoints over the hour from ``start``, oldest first."""
    found = cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in (dimensions or {}).items()],
        StartTime=start,
        EndTime=start + timedelta(hours=1),
        Period=60,
        **(request or {"Statistics": STATISTICS}),
    )["Datapoints"]
    return sorted(found, key=lambda point: point["Timestamp"])


def figures(points: list[dict[str, Any]]) -> list[dict[str, float]]:
    return [{name: point[name] for name in STATISTICS} for point in points]


def listed(cloudwatch: Any) -> set[tuple[str, frozenset[tuple[str, str]]]]:
    metrics = cloudwatch.list_metrics(Namespace=NAMESPACE)["Metrics"]
    return {(m["MetricName"], frozenset((d["Name"], d["Value"]) for d in m["Dimensions"])) for m in metrics}


# ---- documents from aws-lambda-powertools ----------------------------------------------------------------


def test_powertools_metric_values_arrive_with_exact_statistics(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    latencies = [12.5, 30.0, 7.25]

    def build(metrics: Metrics) -> None:
        for value in latencies:
            metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=value)

    put(logs_client, powertools_document(build, base), at=base)

    points = read(cloudwatch_client, "Latency", base, {"service": "orders"})
    assert figures(points) == [statistics((v, 1) for v in latencies)]
    assert [p["Unit"] for p in points] == ["Milliseconds"]


def test_powertools_dimensions_and_metadata_make_the_series_and_stay_out_of_it(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    def build(metrics: Metrics) -> None:
        metrics.add_dimension(name="route", value="/checkout")
        metrics.add_metadata(key="request_id", value="req-42")
        metrics.add_metric(name="Orders", unit=MetricUnit.Count, value=3)

    put(logs_client, powertools_document(build, base), at=base)

    assert listed(cloudwatch_client) == {("Orders", frozenset({("route", "/checkout"), ("service", "orders")}))}


def test_documents_from_every_event_of_a_batch_add_up_per_minute(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    sent: dict[int, list[float]] = {}
    lines = []
    for i in range(120):
        minute, value = i % 3, float(i * 7 % 50)
        sent.setdefault(minute, []).append(value)

        def build(metrics: Metrics, value: float = value) -> None:
            metrics.add_metric(name="Basket", unit=MetricUnit.Count, value=value)

        lines.append(powertools_document(build, base + timedelta(minutes=minute, seconds=i % 60)))
    put(logs_client, *lines, at=base)

    points = read(cloudwatch_client, "Basket", base, {"service": "orders"})
    assert figures(points) == [statistics((v, 1) for v in sent[minute]) for minute in sorted(sent)]


def test_percentiles_of_emf_values_are_exact(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    values = [float(v) for v in (5, 1, 9, 3, 7, 2, 8, 6, 4, 10, 42)]

    def build(metrics: Metrics) -> None:
        for value in values:
            metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=value)

    put(logs_client, powertools_document(build, base), at=base)

    points = read(cloudwatch_client, "Latency", base, {"service": "orders"}, ExtendedStatistics=["p50", "p90"])
    samples = [(v, 1.0) for v in values]
    assert [p["ExtendedStatistics"] for p in points] == [
        {"p50": nearest_rank(samples, "p50"), "p90": nearest_rank(samples, "p90")}
    ]


def test_get_metric_data_reads_a_powertools_series(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    def build(metrics: Metrics) -> None:
        metrics.add_metric(name="Hits", unit=MetricUnit.Count, value=2, resolution=MetricResolution.High)
        metrics.add_metric(name="Hits", unit=MetricUnit.Count, value=5, resolution=MetricResolution.High)

    put(logs_client, powertools_document(build, base + timedelta(seconds=30)), at=base)

    reply = cloudwatch_client.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "hits",
                "MetricStat": {
                    "Metric": {
                        "Namespace": NAMESPACE,
                        "MetricName": "Hits",
                        "Dimensions": [{"Name": "service", "Value": "orders"}],
                    },
                    "Period": 60,
                    "Stat": "Sum",
                },
            }
        ],
        StartTime=base,
        EndTime=base + timedelta(hours=1),
    )
    [result] = reply["MetricDataResults"]
    assert (result["Timestamps"], result["Values"]) == ([base], [2.0 + 5.0])


def test_a_series_put_by_put_metric_data_and_by_emf_is_one_series(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    cloudwatch_client.put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[
            {
                "MetricName": "Orders",
                "Dimensions": [{"Name": "service", "Value": "orders"}, {"Name": "route", "Value": "/a"}],
                "Timestamp": base,
                "Value": 4.0,
                "Unit": "Count",
            }
        ],
    )

    def build(metrics: Metrics) -> None:
        metrics.add_dimension(name="route", value="/a")
        metrics.add_metric(name="Orders", unit=MetricUnit.Count, value=6)

    put(logs_client, powertools_document(build, base), at=base)

    assert listed(cloudwatch_client) == {("Orders", frozenset({("route", "/a"), ("service", "orders")}))}
    points = read(cloudwatch_client, "Orders", base, {"route": "/a", "service": "orders"})
    assert figures(points) == [statistics([(4.0, 1), (6.0, 1)])]


# ---- the document's structure ----------------------------------------------------------------------------


def test_each_dimension_set_is_a_series_and_an_empty_set_has_no_dimensions(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    message = json.dumps(
        {
            "_aws": {
                "Timestamp": epoch_ms(base),
                "CloudWatchMetrics": [
                    {
                        "Namespace": NAMESPACE,
                        "Dimensions": [["Service", "Route"], ["Service"], []],
                        "Metrics": [{"Name": "Latency", "Unit": "Milliseconds"}],
                    }
                ],
            },
            "Service": "api",
            "Route": "/a",
            "Latency": 120,
        }
    )
    put(logs_client, message, at=base)

    assert listed(cloudwatch_client) == {
        ("Latency", frozenset({("Service", "api"), ("Route", "/a")})),
        ("Latency", frozenset({("Service", "api")})),
        ("Latency", frozenset()),
    }
    assert figures(read(cloudwatch_client, "Latency", base)) == [statistics([(120.0, 1)])]


def test_several_directives_publish_to_their_own_namespaces(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    message = json.dumps(
        {
            "_aws": {
                "Timestamp": epoch_ms(base),
                "CloudWatchMetrics": [
                    {"Namespace": NAMESPACE, "Dimensions": [[]], "Metrics": [{"Name": "A"}]},
                    {"Namespace": "Billing", "Dimensions": [[]], "Metrics": [{"Name": "A"}, {"Name": "B"}]},
                ],
            },
            "A": 1,
            "B": [2, 3],
        }
    )
    put(logs_client, message, at=base)

    billing = cloudwatch_client.list_metrics(Namespace="Billing")["Metrics"]
    assert sorted(m["MetricName"] for m in billing) == ["A", "B"]
    assert figures(read(cloudwatch_client, "A", base)) == [statistics([(1.0, 1)])]
    assert [p["Unit"] for p in read(cloudwatch_client, "A", base)] == ["None"]


def test_aws_timestamp_stamps_the_metrics_not_the_events_time(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    stamped = base + timedelta(minutes=7)
    put(logs_client, document([{"Name": "Late"}], stamped, Late=1), at=base)

    assert [p["Timestamp"] for p in read(cloudwatch_client, "Late", base)] == [stamped]


def test_without_aws_timestamp_the_events_time_stamps_the_metrics(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    at = base + timedelta(minutes=3, seconds=20)
    put(logs_client, document([{"Name": "Plain"}], None, Plain=1), at=at)

    assert [p["Timestamp"] for p in read(cloudwatch_client, "Plain", base)] == [base + timedelta(minutes=3)]


def test_missing_or_empty_dimensions_publish_without_dimensions(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    without = {"_aws": {"Timestamp": epoch_ms(base), "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Metrics": []}]}}
    without["_aws"]["CloudWatchMetrics"][0]["Metrics"] = [{"Name": "X"}]
    empty = json.loads(json.dumps(without))
    empty["_aws"]["CloudWatchMetrics"][0]["Dimensions"] = []
    put(logs_client, json.dumps({**without, "X": 1}), json.dumps({**empty, "X": 2}), at=base)

    assert listed(cloudwatch_client) == {("X", frozenset())}
    assert figures(read(cloudwatch_client, "X", base)) == [statistics([(1.0, 1), (2.0, 1)])]


def test_the_limits_themselves_are_accepted(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    dimensions = {f"dim_{i:02d}": f"v{i}" for i in range(30)}
    metrics = {f"M{i:03d}": i for i in range(99)}
    message = document(
        [{"Name": name} for name in metrics] + [{"Name": "Many"}],
        base,
        **dimensions,
        **metrics,
        Many=list(range(100)),
    )
    put(logs_client, message, at=base)

    assert len(listed(cloudwatch_client)) == 100
    points = read(cloudwatch_client, "Many", base, dimensions)
    assert figures(points) == [statistics((float(v), 1) for v in range(100))]


# ---- broken documents: stored, and no datapoint --------------------------------------------------------


def _aws(metrics: list[dict[str, Any]], **directive: Any) -> dict[str, Any]:
    return {"Namespace": NAMESPACE, "Dimensions": [["Service"]], "Metrics": metrics} | directive


def _doc(at: int, directive: dict[str, Any], **root: Any) -> str:
    return json.dumps({"_aws": {"Timestamp": at, "CloudWatchMetrics": [directive]}, "Service": "api", **root})


THREE_WEEKS_MS = 21 * 24 * 3600 * 1000

# name -> message given the base time in epoch milliseconds; each breaks one rule, and only that one.
BROKEN: dict[str, Callable[[int], str]] = {
    "not JSON": lambda at: '{"_aws": {"CloudWatchMetrics": [',
    "text before the object": lambda at: "INFO " + _doc(at, _aws([{"Name": "V"}]), V=1),
    "_aws is not an object": lambda at: json.dumps({"_aws": [1], "V": 1}),
    "CloudWatchMetrics is not an array": lambda at: json.dumps({"_aws": {"CloudWatchMetrics": {}}, "V": 1}),
    "directive without Namespace": lambda at: _doc(at, {"Dimensions": [[]], "Metrics": [{"Name": "V"}]}, V=1),
    "namespace is not a string": lambda at: _doc(at, _aws([{"Name": "V"}], Namespace=5), V=1),
    "namespace AWS/ is reserved": lambda at: _doc(at, _aws([{"Name": "V"}], Namespace="AWS/EC2"), V=1),
    "Metrics is not an array": lambda at: _doc(at, _aws({"Name": "V"}), V=1),  # type: ignore[arg-type]
    "101 metrics": lambda at: _doc(
        at, _aws([{"Name": f"M{i}"} for i in range(101)]), **{f"M{i}": 1 for i in range(101)}
    ),
    "metric without Name": lambda at: _doc(at, _aws([{"Unit": "Count"}]), V=1),
    "metric target missing": lambda at: _doc(at, _aws([{"Name": "V"}])),
    "metric target is a string": lambda at: _doc(at, _aws([{"Name": "V"}]), V="12"),
    "metric target nested": lambda at: _doc(at, _aws([{"Name": "a.b"}]), a={"b": 1}),
    "array with a string": lambda at: _doc(at, _aws([{"Name": "V"}]), V=[1, "2"]),
    "101 values": lambda at: _doc(at, _aws([{"Name": "V"}]), V=list(range(101))),
    "value beyond 2^360": lambda at: _doc(at, _aws([{"Name": "V"}]), V=2.0**361),
    "unknown unit": lambda at: _doc(at, _aws([{"Name": "V", "Unit": "Parsecs"}]), V=1),
    "storage resolution 30": lambda at: _doc(at, _aws([{"Name": "V", "StorageResolution": 30}]), V=1),
    "dimension target missing": lambda at: _doc(at, _aws([{"Name": "V"}], Dimensions=[["Missing"]]), V=1),
    "dimension value a number": lambda at: _doc(at, _aws([{"Name": "V"}], Dimensions=[["Code"]]), V=1, Code=5),
    "dimension value over 1024": lambda at: _doc(at, _aws([{"Name": "V"}], Dimensions=[["L"]]), V=1, L="x" * 1025),
    "31 dimensions": lambda at: _doc(
        at, _aws([{"Name": "V"}], Dimensions=[[f"d{i}" for i in range(31)]]), V=1, **{f"d{i}": "x" for i in range(31)}
    ),
    "dimension set not an array": lambda at: _doc(at, _aws([{"Name": "V"}], Dimensions=["Service"]), V=1),
    "timestamp is a string": lambda at: _doc(str(at), _aws([{"Name": "V"}]), V=1),  # type: ignore[arg-type]
    "timestamp three weeks back": lambda at: _doc(at - THREE_WEEKS_MS, _aws([{"Name": "V"}]), V=1),
    "a root member named twice": lambda at: _doc(at, _aws([{"Name": "V"}]), V=1)[:-1] + ', "V": 2}',
}


@pytest.mark.parametrize("kind", BROKEN)
def test_a_broken_document_gives_no_datapoint_and_its_event_is_stored(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime, kind: str
) -> None:
    message = BROKEN[kind](epoch_ms(base))
    put(logs_client, message, at=base)

    stored = logs_client.get_log_events(logGroupName=GROUP, logStreamName=STREAM, startFromHead=True)["events"]
    assert [event["message"] for event in stored] == [message]
    assert cloudwatch_client.list_metrics()["Metrics"] == []


def test_a_broken_document_does_not_spoil_the_others_of_its_batch(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    at = epoch_ms(base)
    put(
        logs_client,
        _doc(at, _aws([{"Name": "V"}]), V=1),
        BROKEN["101 values"](at),
        _doc(at, _aws([{"Name": "V"}]), V=2),
        at=base,
    )

    assert figures(read(cloudwatch_client, "V", base, {"Service": "api"})) == [statistics([(1.0, 1), (2.0, 1)])]


def test_a_document_is_one_whole_the_directive_that_breaks_a_rule_takes_the_others_with_it(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    good = {"Namespace": NAMESPACE, "Dimensions": [[]], "Metrics": [{"Name": "V"}]}
    bad = {"Namespace": NAMESPACE, "Dimensions": [[]], "Metrics": [{"Name": "V", "Unit": "Parsecs"}]}
    put(
        logs_client,
        json.dumps({"_aws": {"Timestamp": epoch_ms(base), "CloudWatchMetrics": [good, bad]}, "V": 1}),
        at=base,
    )

    assert cloudwatch_client.list_metrics()["Metrics"] == []


def test_json_without_aws_metadata_gives_nothing(
    logs_client: Any, cloudwatch_client: Any, group: str, base: datetime
) -> None:
    put(
        logs_client,
        json.dumps({"_aws": {"Trace": "1-abc"}, "Latency": 5}),
        json.dumps({"_aws_like": 1, "X": 1}),
        at=base,
    )

    assert cloudwatch_client.list_metrics()["Metrics"] == []


# ---- across a crash --------------------------------------------------------------------------------------


def test_after_a_kill_every_stored_document_is_counted_exactly_once(tmp_path: Path) -> None:
    """Writers put EMF documents (each counting 1) until the server is killed with -9: after a restart, the Sum
    of the metric equals the number of stored events, whatever the kill cut short (events committed, their
    datapoints not yet drawn, or both)."""
    with VigilServer("--data-dir", str(tmp_path)) as server:
        logs = server.client("logs", config=Config(retries={"max_attempts": 1}, read_timeout=30))
        logs.create_log_group(logGroupName=GROUP)
        for writer in range(3):
            logs.create_log_stream(logGroupName=GROUP, logStreamName=f"w{writer}")
        acknowledged = [0, 0, 0]
        stop = threading.Event()

        def write(writer: int) -> None:
            client = server.client("logs", config=Config(retries={"max_attempts": 1}, read_timeout=30))
            while not stop.is_set():
                now = int(time.time() * 1000)
                line = _doc(now, _aws([{"Name": "Counted", "Unit": "Count"}]), Counted=1)
                try:
                    client.put_log_events(
                        logGroupName=GROUP,
                        logStreamName=f"w{writer}",
                        logEvents=[{"timestamp": now, "message": line}] * 200,
                    )
                except Exception:
                    return
                acknowledged[writer] += 200

        threads = [threading.Thread(target=write, args=(w,), daemon=True) for w in range(3)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while sum(acknowledged) < 3_000 and time.monotonic() < deadline:
            time.sleep(0.02)
        server.kill()
        stop.set()
        for thread in threads:
            thread.join(30)
        assert sum(acknowledged) >= 3_000

    with VigilServer("--data-dir", str(tmp_path)) as server:
        stored = sum(
            len(page["events"])
            for page in server.client("logs").get_paginator("filter_log_events").paginate(logGroupName=GROUP)
        )
        now = datetime.now().astimezone()
        points = server.client("cloudwatch").get_metric_statistics(
            Namespace=NAMESPACE,
            MetricName="Counted",
            Dimensions=[{"Name": "Service", "Value": "api"}],
            StartTime=now - timedelta(hours=1),
            EndTime=now + timedelta(minutes=5),
            Period=3600,
            Statistics=["Sum"],
        )["Datapoints"]

    assert stored >= sum(acknowledged)
    assert sum(p["Sum"] for p in points) == stored
