"""Custom metrics for your application: ``vigil.metrics.put_metric``, counters, timers (docs/sdk.md)."""

from vigil.sdk.metrics.api import (
    Counter,
    Timer,
    configure_metrics,
    counter,
    flush,
    publisher,
    put_metric,
    timer,
)
from vigil.sdk.metrics.publisher import MetricsPublisher

__all__ = [
    "Counter",
    "MetricsPublisher",
    "Timer",
    "configure_metrics",
    "counter",
    "flush",
    "publisher",
    "put_metric",
    "timer",
]
