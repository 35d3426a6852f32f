"""CloudWatch metrics: PutMetricData throughput and GetMetricStatistics latency.

PutMetricData: requests of 1,000 datums (10 series, 100 values each, one datum per minute over the last two
hours) are built and SigV4-signed before the clock starts, then sent by ``--processes`` client processes on
keep-alive connections; what is measured is the server. GetMetricStatistics: one series read over 24 h at
60 s (p50 and p99) with everything the first part stored, repeated ``--reads`` times. Metric filters:
PutLogEvents throughput (1,000-event requests, one at a time) into a group with 10 metric filters of every
pattern kind against a group with none, runs alternating, each counted until the datapoints of its last event
are stored (a metrics read waits for them): sustained throughput, not only acknowledgements. Prints one JSON
line.

    .venv/bin/python bench/metrics.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import multiprocessing as mp
import statistics
import time
import urllib.parse
from typing import Any

import orjson
from ingest import signed_request  # bench/ is the script's directory, so its sibling imports by name

from vigil.testing import VigilServer

TARGET = "GraniteServiceVersion20100801.PutMetricData"


def signed(endpoint: str, body: bytes) -> dict[str, str]:
    return signed_request(endpoint, body, TARGET, service="monitoring", content_type="application/x-amz-json-1.0")


def bodies(worker: int, count: int, now: float) -> list[bytes]:
    made = []
    for index in range(count):
        data = [
            {
                "MetricName": f"Latency{series}",
                "Dimensions": [{"Name": "Worker", "Value": str(worker)}, {"Name": "Shard", "Value": str(index % 4)}],
                "Timestamp": now - 60 * minute,
                "Value": float((index * 7 + minute * 13 + series) % 1000),
                "Unit": "Milliseconds",
            }
            for series in range(10)
            for minute in range(100)
        ]
        made.append(orjson.dumps({"Namespace": "Bench", "MetricData": data}))
    return made


def send_all(endpoint: str, prepared: list[tuple[bytes, dict[str, str]]], operation: str) -> float:
    """Send pre-signed requests one after another on one keep-alive connection; the seconds it took."""
    address = urllib.parse.urlsplit(endpoint)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    began = time.perf_counter()
    for body, headers in prepared:
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"{operation} answered {response.status}")
    return time.perf_counter() - began


def client(endpoint: str, worker: int, count: int, now: float, start: Any, results: Any) -> None:
    prepared = [(body, signed(endpoint, body)) for body in bodies(worker, count, now)]
    start.wait()
    results.put(send_all(endpoint, prepared, "PutMetricData"))


FILTERS = [
    ("errors", "[timestamp, level=ERROR, ...]", "1", {}),
    ("warnings", "[timestamp, level=WARN*, ...]", "1", {}),
    ("latency", "{ $.latency_ms = * }", "$.latency_ms", {}),
    ("slow", "{ $.latency_ms > 500 }", "1", {}),
    ("by_route", "{ $.route = * && $.latency_ms = * }", "$.latency_ms", {"Route": "$.route"}),
    ("status_5xx", "{ $.status >= 500 }", "1", {}),
    ("payments", '"payment"', "1", {}),
    ("timeouts", "?timeout ?Timeout", "1", {}),
    ("users", "{ $.user = * }", "1", {"User": "$.user"}),
    ("regex", "%ERR[0-9]+%", "1", {}),
]


def log_batches(count: int, now_ms: int) -> list[bytes]:
    """PutLogEvents bodies of 1,000 events: JSON request lines and plain-text lines, as an API writes them."""
    made = []
    for batch in range(count):
        events = []
        for index in range(1_000):
            n = batch * 1_000 + index
            if n % 2:
                message = orjson.dumps(
                    {"route": f"/r{n % 7}", "latency_ms": n % 900, "status": 200 + n % 5 * 100, "user": f"u{n % 50}"}
                ).decode()
            else:
                message = f"2026-11-26T00:00:00Z {'ERROR' if n % 10 == 0 else 'INFO'} payment {n} timeout ERR{n % 3}"
            events.append({"timestamp": now_ms - 60_000 + index, "message": message})
        made.append(events)
    return [orjson.dumps(e) for e in made]


def ingest_rate(server: VigilServer, group: str, batches: list[bytes]) -> float:
    """Events per second PutLogEvents stores for ``group``, one request at a time, counted until the datapoints
    of every event are stored too (a metrics read waits for them): sustained, not only acknowledged."""
    endpoint = server.endpoint_url
    prepared = []
    for events in batches:
        body = b'{"logGroupName": "%s", "logStreamName": "s", "logEvents": %s}' % (group.encode(), events)
        prepared.append((body, signed_request(endpoint, body)))
    cloudwatch = server.client("cloudwatch")
    began = time.perf_counter()
    send_all(endpoint, prepared, "PutLogEvents")
    cloudwatch.list_metrics(Namespace="BenchFilters")
    return len(batches) * 1_000 / (time.perf_counter() - began)


def metric_filter_cost(server: VigilServer, batches: int) -> dict[str, Any]:
    logs = server.client("logs")
    for group in ("/bench/plain", "/bench/filtered"):
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="s")
    for name, pattern, value, dimensions in FILTERS:
        transformation = {"metricName": name, "metricNamespace": "BenchFilters", "metricValue": value}
        if dimensions:
            transformation["dimensions"] = dimensions
        logs.put_metric_filter(
            logGroupName="/bench/filtered",
            filterName=name,
            filterPattern=pattern,
            metricTransformations=[transformation],
        )
    now_ms = int(time.time() * 1000)
    rates: dict[str, list[float]] = {"/bench/plain": [], "/bench/filtered": []}
    for _ in range(3):  # alternate, so both see the same machine
        for group in rates:
            rates[group].append(ingest_rate(server, group, log_batches(batches, now_ms)))
    plain, filtered = statistics.median(rates["/bench/plain"]), statistics.median(rates["/bench/filtered"])
    return {
        "filters": len(FILTERS),
        "events_per_run": batches * 1_000,
        "plain_events_per_s": round(plain),
        "with_filters_events_per_s": round(filtered),
        "cost_percent": round((1 - filtered / plain) * 100, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--requests", type=int, default=100, help="per process, 1,000 datums each")
    parser.add_argument("--reads", type=int, default=20)
    parser.add_argument("--log-batches", type=int, default=100, help="1,000-event PutLogEvents per run")
    options = parser.parse_args()
    now = time.time()
    with VigilServer("--ephemeral") as server:
        context = mp.get_context("spawn")
        start, results = context.Event(), context.Queue()
        workers = [
            context.Process(target=client, args=(server.endpoint_url, w, options.requests, now, start, results))
            for w in range(options.processes)
        ]
        for process in workers:
            process.start()
        time.sleep(2.0)  # let every client build and sign its requests
        began = time.perf_counter()
        start.set()
        for process in workers:
            process.join()
        elapsed = time.perf_counter() - began
        datums = options.processes * options.requests * 1_000
        cloudwatch = server.client("cloudwatch")
        end = dt.datetime.fromtimestamp(now - now % 60, dt.UTC)  # on a minute: exactly 1,440 periods
        query = {
            "Namespace": "Bench",
            "MetricName": "Latency3",
            "Dimensions": [{"Name": "Shard", "Value": "1"}, {"Name": "Worker", "Value": "0"}],
            "StartTime": end - dt.timedelta(hours=24),
            "EndTime": end,
            "Period": 60,
            "ExtendedStatistics": ["p50", "p99"],
        }
        latencies = []
        points = 0
        for _ in range(options.reads):
            started = time.perf_counter()
            points = len(cloudwatch.get_metric_statistics(**query)["Datapoints"])
            latencies.append((time.perf_counter() - started) * 1000)
        filters = metric_filter_cost(server, options.log_batches)
    print(
        json.dumps(
            {
                "benchmark": "metrics",
                "date": time.strftime("%Y-%m-%d"),
                "put_metric_data": {
                    "processes": options.processes,
                    "datums": datums,
                    "seconds": round(elapsed, 3),
                    "datums_per_s": round(datums / elapsed),
                },
                "metric_filters_ingest": filters,
                "get_metric_statistics_one_series_24h_60s": {
                    "datapoints_returned": points,
                    "stored_datums": datums,
                    "median_ms": round(statistics.median(latencies), 1),
                    "p95_ms": round(sorted(latencies)[int(len(latencies) * 0.95) - 1], 1),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
