"""Custom metrics for your application: ``vigil.metrics.put_metric``, counters, timers (docs/sdk.md)."""

from vigil.sdk.metrics.api import (
    Counter,
    Timer,
    configure_metrics,
    counter,
    embedded_metrics,
    flush,
    publisher,
    put_metric,
    timer,
)
from vigil.sdk.metrics.emf import EmbeddedMetrics, flush_embedded
from vigil.sdk.metrics.publisher import MetricsPublisher

__all__ = [
    "Counter",
    "EmbeddedMetrics",
    "MetricsPublisher",
    "Timer",
    "configure_metrics",
    "counter",
    "embedded_metrics",
    "flush",
    "flush_embedded",
    "publisher",
    "put_metric",
    "timer",
]
