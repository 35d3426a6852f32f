"""Embedded metric format: PutLogEvents throughput for a log group receiving EMF documents against the same volume
of plain JSON events (the same documents, their ``_aws`` member renamed, so the bytes are the same).

Requests of 1,000 events are built and signed before the clock starts, then sent one at a time on a keep-alive
connection; each run is counted until the datapoints of every event are stored too (a metrics read waits for
them), and also until the last request is acknowledged. Runs alternate, so both kinds see the same machine.
Prints one JSON line.

    .venv/bin/python bench/embedded_metrics.py
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import orjson
from ingest import signed_request  # bench/ is the script's directory, so its siblings import by name
from metrics import send_all

from vigil.testing import VigilServer


def document(n: int, now_ms: int) -> dict[str, Any]:
    """What a request handler instrumented with Powertools or vigil.metrics' EMF writer prints per request."""
    return {
        "_aws": {
            "Timestamp": now_ms - 60_000 + n % 1_000,
            "CloudWatchMetrics": [
                {
                    "Namespace": "BenchEMF",
                    "Dimensions": [["Service", "Route"], ["Service"]],
                    "Metrics": [
                        {"Name": "Latency", "Unit": "Milliseconds"},
                        {"Name": "Orders", "Unit": "Count"},
                        {"Name": "QueryTime", "Unit": "Milliseconds"},
                    ],
                }
            ],
        },
        "Service": "checkout",
        "Route": f"/r{n % 7}",
        "request_id": f"req-{n}",
        "Latency": n % 900 + 0.5,
        "Orders": n % 3,
        "QueryTime": [n % 50, n % 70, n % 90],
    }


def batches(count: int, now_ms: int, emf: bool) -> list[bytes]:
    made = []
    for batch in range(count):
        events = []
        for index in range(1_000):
            body = document(batch * 1_000 + index, now_ms)
            if not emf:
                body = {("meta" if key == "_aws" else key): value for key, value in body.items()}
            events.append({"timestamp": now_ms - 60_000 + index, "message": orjson.dumps(body).decode()})
        made.append(orjson.dumps(events))
    return made


def run(server: VigilServer, group: str, bodies: list[bytes]) -> tuple[float, float]:
    """(events/s counted until every datapoint is stored, events/s counted until the last acknowledgement)."""
    endpoint = server.endpoint_url
    prepared = []
    for events in bodies:
        body = b'{"logGroupName": "%s", "logStreamName": "s", "logEvents": %s}' % (group.encode(), events)
        prepared.append((body, signed_request(endpoint, body)))
    cloudwatch = server.client("cloudwatch")
    began = time.perf_counter()
    acknowledged = send_all(endpoint, prepared, "PutLogEvents")
    cloudwatch.list_metrics(Namespace="BenchEMF")
    stored = time.perf_counter() - began
    events = len(bodies) * 1_000
    return events / stored, events / acknowledged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=20, help="1,000-event PutLogEvents per run")
    parser.add_argument("--runs", type=int, default=3, help="runs of each kind, alternating")
    options = parser.parse_args()
    with VigilServer("--ephemeral") as server:
        logs = server.client("logs")
        groups = {"plain": "/bench/plain-json", "emf": "/bench/emf"}
        for group in groups.values():
            logs.create_log_group(logGroupName=group)
            logs.create_log_stream(logGroupName=group, logStreamName="s")
        now_ms = int(time.time() * 1000)
        rates: dict[str, list[tuple[float, float]]] = {kind: [] for kind in groups}
        for _ in range(options.runs):
            for kind, group in groups.items():
                rates[kind].append(run(server, group, batches(options.batches, now_ms, kind == "emf")))
        series = sum(
            len(page["Metrics"])
            for page in server.client("cloudwatch").get_paginator("list_metrics").paginate(Namespace="BenchEMF")
        )
    stored = {kind: statistics.median(r[0] for r in runs) for kind, runs in rates.items()}
    acknowledged = {kind: statistics.median(r[1] for r in runs) for kind, runs in rates.items()}
    print(
        json.dumps(
            {
                "benchmark": "embedded_metrics",
                "date": time.strftime("%Y-%m-%d"),
                "events_per_run": options.batches * 1_000,
                "runs": options.runs,
                "series": series,
                "plain_json_events_per_s": round(stored["plain"]),
                "emf_events_per_s": round(stored["emf"]),
                "emf_cost_percent": round((1 - stored["emf"] / stored["plain"]) * 100, 1),
                "acknowledged_only": {
                    "plain_json_events_per_s": round(acknowledged["plain"]),
                    "emf_events_per_s": round(acknowledged["emf"]),
                },
                "all_runs": {kind: [[round(a), round(b)] for a, b in runs] for kind, runs in rates.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
