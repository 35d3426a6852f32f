"""Demo data for ``vigil serve --demo``: a few hours of an API service, a Lambda function and a web
server's access log, so a newcomer has something to look at straight away."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

import orjson

from vigil.engine.clock import now_ms
from vigil.engine.logs.scope import Scope
from vigil.server.runtime import Runtime

HOUR_MS = 3_600_000
_ROUTES = ["/api/orders", "/api/orders/{id}", "/api/cart", "/api/login", "/api/products", "/health"]
_AGENTS = ["Mozilla/5.0 (Macintosh)", "curl/8.5.0", "python-requests/2.32.3", "Mozilla/5.0 (iPhone)"]


def _api_events(rng: random.Random, start: int, end: int) -> Iterator[tuple[int, str]]:
    ts = start
    while ts < end:
        ts += rng.randint(200, 4000)
        route = rng.choice(_ROUTES).replace("{id}", str(rng.randint(1000, 9999)))
        status = rng.choices([200, 201, 400, 404, 500, 503], [70, 10, 6, 6, 5, 3])[0]
        latency = round(rng.lognormvariate(4.0, 0.6) * (8 if status >= 500 else 1), 1)
        level = "ERROR" if status >= 500 else "WARNING" if status >= 400 else "INFO"
        record = {
            "timestamp": ts,
            "level": level,
            "logger": "orders.api",
            "message": f"{route} -> {status}",
            "requestId": str(uuid.UUID(int=rng.getrandbits(128))),
            "method": rng.choice(["GET", "GET", "POST"]),
            "path": route,
            "status": status,
            "latency_ms": latency,
            "user_id": f"u-{rng.randint(1, 400)}",
        }
        if status >= 500:
            record["error"] = {
                "type": rng.choice(["TimeoutError", "ConnectionResetError", "KeyError"]),
                "message": "upstream inventory service did not answer",
            }
        yield ts, orjson.dumps(record).decode()


def _lambda_events(rng: random.Random, start: int, end: int) -> Iterator[tuple[int, str]]:
    ts = start
    while ts < end:
        ts += rng.randint(5_000, 60_000)
        request_id = str(uuid.UUID(int=rng.getrandbits(128)))
        yield ts, f"START RequestId: {request_id} Version: $LATEST"
        duration = round(rng.lognormvariate(5.0, 0.5), 2)
        failed = rng.random() < 0.05
        message = (
            f"[ERROR]\t{ts}\t{request_id}\tKeyError: 'customer_id'"
            if failed
            else f"[INFO]\t{ts}\t{request_id}\tProcessed {rng.randint(1, 25)} messages from queue"
        )
        yield ts + 3, message
        yield ts + int(duration), f"END RequestId: {request_id}"
        yield (
            ts + int(duration),
            (
                f"REPORT RequestId: {request_id}\tDuration: {duration} ms\tBilled Duration: {int(duration) + 1} ms\t"
                f"Memory Size: 512 MB\tMax Memory Used: {rng.randint(80, 200)} MB"
            ),
        )


def _access_events(rng: random.Random, start: int, end: int) -> Iterator[tuple[int, str]]:
    ts = start
    while ts < end:
        ts += rng.randint(100, 3000)
        ip = ".".join(str(rng.randint(1, 254)) for _ in range(4))
        route = rng.choice(_ROUTES).replace("{id}", str(rng.randint(1000, 9999)))
        status = rng.choices([200, 304, 404, 500], [80, 10, 7, 3])[0]
        size = rng.randint(200, 50_000)
        yield ts, f'{ip} - - [{ts}] "GET {route} HTTP/1.1" {status} {size} "-" "{rng.choice(_AGENTS)}"'


_GROUPS = {
    "/ecs/orders-api": (30, _api_events, ["orders-api/web/1a2b3c", "orders-api/web/4d5e6f"]),
    "/aws/lambda/process-queue": (14, _lambda_events, ["2026/01/01/[$LATEST]a1b2c3d4"]),
    "/var/log/nginx/access": (7, _access_events, ["web-01"]),
}


def load_demo(runtime: Runtime, hours: int = 6, seed: int = 7) -> None:
    """Create the demo log groups unless they already exist in this data directory."""
    scope = Scope(runtime.settings.account_id, runtime.settings.region)
    groups = runtime.log_groups
    rng = random.Random(seed)
    end = now_ms()
    for name, (retention, generate, streams) in _GROUPS.items():
        if groups.store.find_group(scope.account_id, scope.region, name) is not None:
            continue
        groups.create(
            scope, name, kms_key_id=None, group_class=None, tags={"vigil:demo": "true"}, deletion_protection=False
        )
        groups.set_retention(scope, name, retention)
        for stream in streams:
            groups.create_stream(scope, name, stream)
            events = sorted(generate(rng, end - hours * HOUR_MS, end))
            for i in range(0, len(events), 2_000):
                chunk = events[i : i + 2_000]
                runtime.ingest.put(scope, name, stream, [{"timestamp": t, "message": m} for t, m in chunk])
