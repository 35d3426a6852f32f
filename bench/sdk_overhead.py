"""The SDK's cost in the calling thread, against stdlib + python-json-logger and structlog + orjson.

The call measured is ``logger.info("msg", extra={3 fields})`` with 2 request-context fields bound, and each
library produces the same JSON record (timestamp, level, logger, message, module, function, line, process and
thread ids, environment, app, the context fields, the extra fields). Vigil's logger has the CloudWatch
handler attached, shipping for real to a ``vigil serve --ephemeral`` it starts; the others write to memory.

Two clocks: ``thread_us`` is CPU time of the calling thread per call (``time.thread_time``), the figure the
targets are about — what a logging call costs the code that makes it; ``wall_us`` is elapsed time per call,
which on a busy interpreter also includes the background thread's share of the GIL (shipping, for Vigil).
Each figure is the median (and the best) of ``--repeats`` runs of ``--calls`` calls, the libraries taking
turns run by run. Vigil's handler ships while it is measured (batches of 100 to the server, which runs on the
same machine). Prints one JSON line.

    .venv/bin/python bench/sdk_overhead.py
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import orjson

CONTEXT = {"request_id": "req-8f14e45f", "user_id": "user-123"}
EXTRA = {"order_id": 1042, "status": "paid", "amount": 19.99}


def timed(call: Callable[[], None], calls: int) -> tuple[float, float]:
    """Microseconds per call: CPU time of the calling thread, and elapsed time."""
    started_cpu, started = time.thread_time_ns(), time.perf_counter_ns()
    for _ in range(calls):
        call()
    return (time.thread_time_ns() - started_cpu) / calls / 1000, (time.perf_counter_ns() - started) / calls / 1000


def summary(samples: list[tuple[float, float]]) -> dict[str, float]:
    thread = [cpu for cpu, _ in samples]
    return {
        "thread_us": round(statistics.median(thread), 3),
        "thread_us_best": round(min(thread), 3),
        "wall_us": round(statistics.median(wall for _, wall in samples), 3),
    }


def vigil_case(
    endpoint: str, spool: str, paused: bool
) -> tuple[Callable[[], None], Callable[[], None], Callable[[], None], Any]:
    import vigil
    from vigil.sdk.pipeline import set_current_pipeline, standard_pipeline
    from vigil.sdk.redaction import Redactor

    set_current_pipeline(standard_pipeline(app_name="shop", environment="production", redactor=Redactor()))
    logger = vigil.create_cloudwatch_logger(
        "bench.vigil",
        "/bench/sdk",
        "us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        spool_dir=spool,
        max_queue_size=1_000_000,
        # --paused: the shipping thread sleeps through the timed runs and ships between them.
        **({"batch_size": 10_000, "flush_interval": 3600.0} if paused else {}),
    )
    logger.propagate = False
    vigil.bind(**CONTEXT)
    return (
        lambda: logger.info("msg", extra={"order_id": 1042, "status": "paid", "amount": 19.99}),
        lambda: logger.debug("msg", extra={"order_id": 1042, "status": "paid", "amount": 19.99}),
        lambda: logger.debug("msg"),
        logger.cloudwatch_handler,  # type: ignore[attr-defined]
    )


def stdlib_case() -> tuple[Callable[[], None], Callable[[], None], Callable[[], None]]:
    from pythonjsonlogger.json import JsonFormatter

    class Static(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            record.environment, record.app = "production", "shop"
            record.__dict__.update(CONTEXT)
            return True

    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(module)s %(funcName)s %(lineno)d %(process)d %(thread)d",
            rename_fields={
                "asctime": "timestamp",
                "levelname": "level",
                "name": "logger",
                "funcName": "function",
                "lineno": "line",
                "process": "process_id",
                "thread": "thread_id",
            },
        )
    )
    handler.addFilter(Static())
    logger = logging.getLogger("bench.stdlib")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return (
        lambda: logger.info("msg", extra={"order_id": 1042, "status": "paid", "amount": 19.99}),
        lambda: logger.debug("msg", extra={"order_id": 1042, "status": "paid", "amount": 19.99}),
        lambda: logger.debug("msg"),
    )


def structlog_case() -> tuple[Callable[[], None], Callable[[], None], Callable[[], None]]:
    import structlog

    parameters = structlog.processors.CallsiteParameter
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.CallsiteParameterAdder(
                [
                    parameters.MODULE,
                    parameters.FUNC_NAME,
                    parameters.LINENO,
                    parameters.PROCESS,
                    parameters.THREAD,
                ]
            ),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(serializer=orjson.dumps),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.BytesLoggerFactory(io.BytesIO()),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(**CONTEXT)
    logger = structlog.get_logger().bind(logger="bench.structlog", environment="production", app="shop")
    return (
        lambda: logger.info("msg", order_id=1042, status="paid", amount=19.99),
        lambda: logger.debug("msg", order_id=1042, status="paid", amount=19.99),
        lambda: logger.debug("msg"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument(
        "--paused",
        action="store_true",
        help="ship between runs only, to see the calling thread's own cost without the shipping thread beside it",
    )
    options = parser.parse_args()

    from vigil.testing import VigilServer

    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with VigilServer("--ephemeral") as server, tempfile.TemporaryDirectory() as spool:
        cases: dict[str, tuple[Callable[[], None], ...]] = {
            "structlog+orjson": structlog_case(),
            "stdlib+python-json-logger": stdlib_case(),
        }
        *vigil_calls, handler = vigil_case(server.endpoint_url, spool, options.paused)
        cases["vigil"] = tuple(vigil_calls)
        shapes = ("info_with_extra", "disabled_debug_with_extra", "disabled_debug_bare")
        for calls in cases.values():
            for call in calls:
                timed(call, 2_000)  # warm caches, structlog's logger cache, the first PutLogEvents
        # Round robin: a noisy neighbour slows every library alike instead of whichever ran at that moment.
        for _ in range(options.repeats):
            for name, calls in cases.items():
                for shape, call in zip(shapes, calls, strict=True):
                    count = options.calls if shape == "info_with_extra" else options.calls * 4
                    samples.setdefault((name, shape), []).append(timed(call, count))
                    # Untimed: every run starts with the shipping queue empty, as in a service between bursts.
                    handler.flush(60)
        handler.flush(60)
        stats = handler.stats()
        handler.close()
    results: dict[str, Any] = {}
    for (name, shape), runs in samples.items():
        results.setdefault(name, {})[shape] = summary(runs)
    results["vigil"]["shipped"] = stats
    print(
        json.dumps(
            {
                "benchmark": "sdk_overhead",
                "date": time.strftime("%Y-%m-%d"),
                "python": sys.version.split()[0],
                "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
                "calls": options.calls,
                "repeats": options.repeats,
                "shipping": "between runs" if options.paused else "while measured",
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    main()
