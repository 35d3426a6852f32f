"""PutLogEvents load generator: pre-signed raw requests from several client processes.

Every request body is built and SigV4-signed before the clock starts, so the client's only work is
writing bytes to a keep-alive connection and reading a small answer; what is measured is the server.
Prints one JSON line: per batch size, events/s, requests/s, request latency percentiles and the
server's RSS at the start, the end, and over time against the number of events stored.

    .venv/bin/python bench/ingest.py                       # starts its own `vigil serve --ephemeral`
    .venv/bin/python bench/ingest.py --endpoint http://127.0.0.1:4588 --duration 60
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import math
import multiprocessing as mp
import os
import platform
import queue
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import psutil
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from vigil.testing import VigilServer

TARGET = "Logs_20140328.PutLogEvents"
REGION = "us-east-1"
GROUP = "/bench/ingest"
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26


@dataclass(frozen=True)
class Plan:
    endpoint: str
    batch: int
    message_bytes: int
    connections: int
    distinct_bodies: int
    stream_names: tuple[str, ...]
    duration: float  # seconds of sending; 0 when a request count bounds the run
    requests_per_connection: int  # 0 when the duration bounds the run


def message_size_for(batch: int, wanted: int) -> int:
    """``wanted`` bytes, or less when the batch would break PutLogEvents' 1 MiB limit (26 bytes of
    overhead an event included): 10,000 events leave room for 78 bytes each."""
    return min(wanted, MAX_BATCH_BYTES // batch - EVENT_OVERHEAD)


def make_message(worker: int, body: int, index: int, size: int) -> str:
    head = orjson.dumps(
        {"level": "INFO", "logger": "bench", "id": f"{worker}-{body}-{index}", "msg": "order placed", "pad": ""}
    ).decode()
    pad = size - len(head)
    if pad <= 0:  # small messages: an id is all there is room for
        return f"{worker}-{body}-{index}".ljust(size, ".")[: max(size, 1)]
    return head[:-2] + "x" * pad + '"}'


def signed_request(
    endpoint: str,
    body: bytes,
    target: str = TARGET,
    *,
    service: str = "logs",
    content_type: str = "application/x-amz-json-1.1",
) -> dict[str, str]:
    """Headers of an awsJson request signed once, the way botocore would sign it (Logs by default)."""
    request = AWSRequest(
        method="POST", url=endpoint + "/", data=body, headers={"Content-Type": content_type, "X-Amz-Target": target}
    )
    SigV4Auth(Credentials("test", "test"), service, REGION).add_auth(request)
    return dict(request.headers.items())


def build_bodies(plan: Plan, worker: int) -> list[tuple[bytes, dict[str, str]]]:
    """Distinct request bodies, each a chronological batch of a second or less that starts a minute ago,
    so it stays inside AWS's window (no older than 14 days, no newer than 2 hours ahead) for any run."""
    now = int(time.time() * 1000)
    bodies = []
    for b in range(plan.distinct_bodies):
        stream = plan.stream_names[(worker * plan.distinct_bodies + b) % len(plan.stream_names)]
        start = now - 60_000 + b
        events = [
            {"timestamp": start + i // 10, "message": make_message(worker, b, i, plan.message_bytes)}
            for i in range(plan.batch)
        ]
        body = orjson.dumps({"logGroupName": GROUP, "logStreamName": stream, "logEvents": events})
        bodies.append((body, signed_request(plan.endpoint, body)))
    return bodies


def http_json(endpoint: str, target: str, payload: dict[str, Any]) -> tuple[int, bytes]:
    body = orjson.dumps(payload)
    url = urllib.parse.urlsplit(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    conn.request("POST", "/", body, signed_request(endpoint, body, target))
    response = conn.getresponse()
    status, answer = response.status, response.read()
    conn.close()
    return status, answer


def prepare(endpoint: str, streams: list[str]) -> None:
    status, answer = http_json(endpoint, "Logs_20140328.CreateLogGroup", {"logGroupName": GROUP})
    if status != 200 and b"ResourceAlreadyExists" not in answer:
        raise SystemExit(f"CreateLogGroup: {status} {answer!r}")
    for name in streams:
        status, answer = http_json(
            endpoint, "Logs_20140328.CreateLogStream", {"logGroupName": GROUP, "logStreamName": name}
        )
        if status != 200 and b"ResourceAlreadyExists" not in answer:
            raise SystemExit(f"CreateLogStream: {status} {answer!r}")


def server_process(endpoint: str, pid: int | None) -> psutil.Process | None:
    if pid:
        return psutil.Process(pid)
    port = urllib.parse.urlsplit(endpoint).port
    for conn in psutil.net_connections("tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
            return psutil.Process(conn.pid)
    return None


def rss_mb(process: psutil.Process | None) -> float | None:
    return round(process.memory_info().rss / 2**20, 1) if process else None


def run_phase(
    args: argparse.Namespace, endpoint: str, server: psutil.Process | None, batch: int, stored_before: int
) -> dict[str, Any]:
    size = message_size_for(batch, args.message_bytes)
    streams = [f"b{batch}-s{i}" for i in range(args.streams)]
    prepare(endpoint, streams)
    total_connections = args.processes * args.connections
    plan = Plan(
        endpoint=endpoint,
        batch=batch,
        message_bytes=size,
        connections=args.connections,
        distinct_bodies=args.distinct_bodies,
        stream_names=tuple(streams),
        duration=0.0 if args.requests else args.duration,
        requests_per_connection=math.ceil(args.requests / total_connections) if args.requests else 0,
    )
    ctx = mp.get_context("spawn")
    results, ready = ctx.Queue(), ctx.Queue()
    start_at = ctx.Value("d", 0.0)  # set once every worker has built and signed its bodies
    acknowledged = ctx.Value("q", 0)  # requests answered so far, for the RSS-over-stored-events curve
    workers = [
        ctx.Process(target=client_process, args=(plan, w, results, ready, start_at, acknowledged))
        for w in range(args.processes)
    ]
    for w in workers:
        w.start()
    for _ in workers:
        ready.get(timeout=600)
    cpu_before = server.cpu_times() if server else None
    rss_start = rss_mb(server)
    began = time.time() + 0.2
    start_at.value = began
    timeline: list[dict[str, Any]] = []
    collected: list[dict[str, Any]] = []
    while len(collected) < len(workers):
        with contextlib.suppress(queue.Empty):  # no result yet: time for an RSS sample
            collected.append(results.get(timeout=args.sample_every))
        if server and time.time() > began:
            timeline.append(
                {
                    "t": round(time.time() - began, 1),
                    "events_stored": stored_before + acknowledged.value * batch,
                    "rss_mb": rss_mb(server),
                }
            )
    for w in workers:
        w.join()
    elapsed = max(r["elapsed"] for r in collected)
    cpu_after = server.cpu_times() if server else None
    requests = sum(r["requests"] for r in collected)
    latencies = np.array([x for r in collected for x in r["latencies"]]) * 1000
    errors = [e for r in collected for e in r["errors"]]
    return {
        "batch_events": batch,
        "message_bytes": size,
        "requests": requests,
        "events": requests * batch,
        "seconds": round(elapsed, 2),
        "events_per_s": round(requests * batch / elapsed),
        "requests_per_s": round(requests / elapsed, 1),
        "latency_ms": {
            "p50": round(float(np.percentile(latencies, 50)), 1),
            "p99": round(float(np.percentile(latencies, 99)), 1),
            "max": round(float(latencies.max()), 1),
        },
        "server_rss_mb": {"start": rss_start, "end": rss_mb(server)},
        "server_cpu_s": round(sum(cpu_after[:2]) - sum(cpu_before[:2]), 1) if cpu_before and cpu_after else None,
        "client_cpu_s": round(sum(r["cpu"] for r in collected), 1),
        "rss_over_time": _thin(timeline, args.timeline_points),
        "non_200": len(errors),
        "first_errors": errors[:3],
    }


def client_process(plan: Plan, worker: int, results: Any, ready: Any, start_at: Any, acknowledged: Any) -> None:
    bodies = build_bodies(plan, worker)
    ready.put(worker)
    while start_at.value == 0.0:
        time.sleep(0.01)
    began = start_at.value
    deadline = began + plan.duration if plan.duration else 0.0
    url = urllib.parse.urlsplit(plan.endpoint)
    latencies: list[list[float]] = [[] for _ in range(plan.connections)]
    errors: list[str] = []
    sent = [0] * plan.connections

    def connection(slot: int) -> None:
        conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=300)
        own = latencies[slot]
        n = slot
        while not (deadline and time.time() >= deadline):
            if plan.requests_per_connection and sent[slot] >= plan.requests_per_connection:
                break
            body, headers = bodies[n % len(bodies)]
            n += plan.connections
            sent_at = time.perf_counter()
            conn.request("POST", "/", body, headers)
            response = conn.getresponse()
            answer = response.read()
            own.append(time.perf_counter() - sent_at)
            sent[slot] += 1
            with acknowledged.get_lock():
                acknowledged.value += 1
            if response.status != 200 or b"rejectedLogEventsInfo" in answer:
                errors.append(f"{response.status} {answer[:300]!r}")
        conn.close()

    threads = [threading.Thread(target=connection, args=(i,)) for i in range(plan.connections)]
    time.sleep(max(0.0, began - time.time()))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put(
        {
            "requests": sum(sent),
            "latencies": [x for own in latencies for x in own],
            "errors": errors,
            "elapsed": time.time() - began,
            "cpu": sum(os.times()[:2]),
        }
    )


def _thin(points: list[dict[str, Any]], keep: int) -> list[dict[str, Any]]:
    if len(points) <= keep:
        return points
    step = (len(points) - 1) / (keep - 1)
    return [points[round(i * step)] for i in range(keep)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", help="A running server; without it one is started with --ephemeral.")
    parser.add_argument("--server-pid", type=int, help="PID of --endpoint's server for RSS (default: found by port).")
    parser.add_argument("--server-arg", action="append", default=[], help="Extra `vigil serve` argument.")
    parser.add_argument("--batch-sizes", default="1000,10000", help="Events per request, comma-separated.")
    parser.add_argument("--duration", type=float, default=30.0, help="Seconds of sending per batch size.")
    parser.add_argument("--requests", type=int, default=0, help="Send this many requests instead of --duration.")
    parser.add_argument("--processes", type=int, default=2, help="Client processes.")
    parser.add_argument("--connections", type=int, default=4, help="Keep-alive connections per process.")
    parser.add_argument("--streams", type=int, default=4, help="Log streams per batch size (shared by connections).")
    parser.add_argument("--message-bytes", type=int, default=200, help="Message size, capped by the 1 MiB batch rule.")
    parser.add_argument("--distinct-bodies", type=int, default=8, help="Pre-built request bodies per process.")
    parser.add_argument("--sample-every", type=float, default=1.0, help="Seconds between server RSS samples.")
    parser.add_argument("--timeline-points", type=int, default=12, help="RSS samples kept in the output per phase.")
    args = parser.parse_args()

    own = None
    endpoint = args.endpoint
    if not endpoint:
        own = VigilServer("--ephemeral", *args.server_arg).start()
        endpoint = own.endpoint_url
    endpoint = endpoint.rstrip("/")
    server = server_process(endpoint, own.process.pid if own and own.process else args.server_pid)
    phases: list[dict[str, Any]] = []
    try:
        for batch in args.batch_sizes.split(","):
            phases.append(run_phase(args, endpoint, server, int(batch), sum(p["events"] for p in phases)))
    finally:
        if own is not None:
            own.stop()
    line = {
        "bench": "ingest",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "model": _cpu_model(), "python": platform.python_version()},
        "endpoint": endpoint if args.endpoint else "own vigil serve --ephemeral",
        "processes": args.processes,
        "connections_per_process": args.connections,
        "streams": args.streams,
        "results": phases,
    }
    print(json.dumps(line))
    if any(p["non_200"] for p in phases):
        sys.exit(1)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for row in f:
                if row.startswith("model name"):
                    return row.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
