"""``vigil.metrics``: put_metric, counters and timers, published through one default publisher.

The default publisher is made on first use: namespace from ``configure_metrics(namespace=...)``,
``VIGIL_METRICS_NAMESPACE`` or ``APP_NAME`` (else ``"Application"``); endpoint, region and credentials as
boto3 finds them (``AWS_ENDPOINT_URL_CLOUDWATCH``, ``AWS_ENDPOINT_URL``, ``AWS_REGION``, the credential chain).
"""

from __future__ import annotations

import functools
import inspect
import os
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from vigil.sdk.metrics.aggregate import series_key
from vigil.sdk.metrics.emf import EmbeddedMetrics
from vigil.sdk.metrics.publisher import MetricsPublisher

F = TypeVar("F", bound=Callable[..., Any])

_default: list[MetricsPublisher] = []


def configure_metrics(namespace: str | None = None, **options: Any) -> MetricsPublisher:
    """Make (or replace) the default publisher; ``options`` are ``MetricsPublisher``'s."""
    if _default:
        _default.pop().close()
    name = namespace or os.environ.get("VIGIL_METRICS_NAMESPACE") or os.environ.get("APP_NAME") or "Application"
    _default.append(MetricsPublisher(name, **options))
    return _default[0]


def publisher() -> MetricsPublisher:
    return _default[0] if _default else configure_metrics()


def put_metric(
    name: str,
    value: float,
    unit: str = "None",
    dimensions: Mapping[str, Any] | None = None,
    *,
    storage_resolution: int = 60,
) -> None:
    """Record one value; it is published with the next batch (every ``flush_interval``)."""
    publisher().record(series_key(name, dimensions, unit, storage_resolution), value)


class Counter:
    """``counter("orders", {"shop": "north"}).increment()``: a Count metric."""

    def __init__(self, name: str, dimensions: Mapping[str, Any] | None = None) -> None:
        self.key = series_key(name, dimensions, "Count")

    def increment(self, amount: float = 1.0) -> None:
        publisher().record(self.key, amount)


class Timer:
    """Measures a block (``with``) or each call of a function (decorator, sync or async) in milliseconds."""

    def __init__(self, name: str, dimensions: Mapping[str, Any] | None = None) -> None:
        self.key = series_key(name, dimensions, "Milliseconds")
        self._started: list[float] = []

    def __enter__(self) -> Timer:
        self._started.append(time.perf_counter())
        return self

    def __exit__(self, *exc: object) -> None:
        self._record(self._started.pop())

    def _record(self, started: float) -> None:
        publisher().record(self.key, (time.perf_counter() - started) * 1000)

    def __call__(self, function: F) -> F:
        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return await function(*args, **kwargs)
                finally:
                    self._record(started)

            return timed_async  # type: ignore[return-value]

        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self._record(started)

        return timed  # type: ignore[return-value]


def counter(name: str, dimensions: Mapping[str, Any] | None = None) -> Counter:
    return Counter(name, dimensions)


def timer(name: str, dimensions: Mapping[str, Any] | None = None) -> Timer:
    return Timer(name, dimensions)


def embedded_metrics(
    dimensions: Mapping[str, Any] | None = None, *, namespace: str | None = None, **options: Any
) -> EmbeddedMetrics:
    """An embedded metric format writer (sdk/metrics/emf.py) in the namespace ``configure_metrics`` set, unless
    another is given; ``options`` are ``EmbeddedMetrics``'s (``log_group``, ``handler``, ``stream``)."""
    configured = _default[0].namespace if _default else None
    return EmbeddedMetrics(namespace or configured, dimensions, **options)


def flush(timeout: float | None = None) -> bool:
    """Publish everything recorded so far (call it at the end of a serverless handler)."""
    return publisher().flush(timeout) if _default else True
