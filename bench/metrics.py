"""CloudWatch metrics: PutMetricData throughput and GetMetricStatistics latency.

PutMetricData: requests of 1,000 datums (10 series, 100 values each, one datum per minute over the last two
hours) are built and SigV4-signed before the clock starts, then sent by ``--processes`` client processes on
keep-alive connections; what is measured is the server. GetMetricStatistics: one series read over 24 h at
60 s (p50 and p99) with everything the first part stored, repeated ``--reads`` times.
Prints one JSON line. (GetMetricData, metric filters and EMF are not built yet; their figures come with them.)

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


def client(endpoint: str, worker: int, count: int, now: float, start: Any, results: Any) -> None:
    prepared = [(body, signed(endpoint, body)) for body in bodies(worker, count, now)]
    address = urllib.parse.urlsplit(endpoint)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    start.wait()
    began = time.perf_counter()
    for body, headers in prepared:
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"PutMetricData answered {response.status}")
    results.put(time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--requests", type=int, default=40, help="per process, 1,000 datums each")
    parser.add_argument("--reads", type=int, default=20)
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
