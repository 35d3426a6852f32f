"""The embedded metric format (EMF) writer: metrics written as JSON log lines, which CloudWatch Logs (or a Vigil
server) turns into metrics when it stores them, with no PutMetricData call.

Inside AWS Lambda (``AWS_LAMBDA_FUNCTION_NAME`` is set) a document is one line on stdout, which Lambda sends to
the function's log group. Elsewhere it is a log event shipped by a ``CloudWatchHandler`` (to ``log_group``,
``VIGIL_EMF_LOG_GROUP`` or ``<namespace>-metrics``), or written to the ``stream`` or ``handler`` given.
Documents keep AWS's limits by construction: at most 100 metrics each, 100 values per metric, 30 dimensions
per set; more is split over several documents. Nothing here needs more than the stdlib and orjson until a
handler is made.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
import time
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

import orjson

from vigil.units import STANDARD_UNITS

if TYPE_CHECKING:
    from vigil.sdk.shipping.handler import CloudWatchHandler

MAX_METRICS = 100
MAX_VALUES = 100
MAX_DIMENSIONS = 30
MAX_NAME = 255
MAX_DIMENSION_VALUE = 1024
VALUE_LIMIT = 2.0**360

_handlers: dict[str, CloudWatchHandler] = {}
_handlers_lock = threading.Lock()


def in_lambda() -> bool:
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


def _text(value: Any, what: str, longest: int) -> str:
    text = str(value)
    if not 1 <= len(text) <= longest or any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise ValueError(f"{what} {text!r}: 1 to {longest} characters, no control characters")
    return text


class _Metric:
    __slots__ = ("resolution", "unit", "values")

    def __init__(self, unit: str, resolution: int) -> None:
        self.unit = unit
        self.resolution = resolution
        self.values: list[float] = []


class EmbeddedMetrics:
    """Metrics of one namespace and one set of dimension sets, written as EMF documents by ``flush()``.

    ``with EmbeddedMetrics("Shop", {"Service": "orders"}) as metrics:`` flushes on leaving the block. After a
    flush, metrics and properties start afresh; the dimensions stay.
    """

    def __init__(
        self,
        namespace: str | None = None,
        dimensions: Mapping[str, Any] | None = None,
        *,
        log_group: str | None = None,
        handler: logging.Handler | None = None,
        stream: TextIO | None = None,
    ) -> None:
        name = namespace or os.environ.get("VIGIL_METRICS_NAMESPACE") or os.environ.get("APP_NAME") or "Application"
        self.namespace = _text(name, "namespace", MAX_NAME)
        if self.namespace.startswith("AWS/"):
            raise ValueError('the namespace prefix "AWS/" is reserved')
        self._log_group = log_group
        self._handler = handler
        self._stream = stream
        self._lock = threading.Lock()
        self._sets: list[dict[str, str]] = []
        self._metrics: dict[str, _Metric] = {}
        self._properties: dict[str, Any] = {}
        self._timestamp: int | None = None
        if dimensions:
            self.put_dimensions(dimensions)

    # -- what a document says ----------------------------------------------------------------------------------

    def put_dimensions(self, dimensions: Mapping[str, Any]) -> None:
        """Add a dimension set: each set is a series of its own for every metric."""
        if len(dimensions) > MAX_DIMENSIONS:
            raise ValueError(f"a dimension set holds at most {MAX_DIMENSIONS} dimensions")
        named = {
            _text(key, "dimension name", MAX_NAME): _text(value, "dimension value", MAX_DIMENSION_VALUE)
            for key, value in dimensions.items()
        }
        with self._lock:
            # Every dimension is one member of the document's root: one value per name across the sets.
            for key, value in named.items():
                for other in self._sets:
                    if other.get(key, value) != value:
                        raise ValueError(f"dimension {key!r} already has the value {other[key]!r}")
            self._check_free(named, kind="dimension")
            self._sets.append(named)

    def set_dimensions(self, *sets: Mapping[str, Any]) -> None:
        """Replace every dimension set (none: the metrics have no dimensions)."""
        with self._lock:
            self._sets = []
        for dimensions in sets:
            self.put_dimensions(dimensions)

    def put_metric(self, name: str, value: float, unit: str = "None", *, storage_resolution: int = 60) -> None:
        """Record a value; a metric recorded several times carries all its values."""
        name = _text(name, "metric name", MAX_NAME)
        if unit not in STANDARD_UNITS:
            raise ValueError(f"unit {unit!r} is not a CloudWatch unit")
        if storage_resolution not in (1, 60):
            raise ValueError("storage_resolution is 1 or 60")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"metric {name!r}: {value!r} is not a number")
        number = float(value)
        if not math.isfinite(number) or abs(number) > VALUE_LIMIT:
            raise ValueError(f"metric {name!r}: {value!r} is not within ±2^360")
        with self._lock:
            metric = self._metrics.get(name)
            if metric is None:
                self._check_free({name: None}, kind="metric")
                metric = self._metrics[name] = _Metric(unit, storage_resolution)
            elif (metric.unit, metric.resolution) != (unit, storage_resolution):
                raise ValueError(f"metric {name!r} already has unit {metric.unit} at resolution {metric.resolution}")
            metric.values.append(number)

    def set_property(self, key: str, value: Any) -> None:
        """A member of the document that is no metric (a request id, a trace id): searchable in Logs Insights."""
        with self._lock:
            self._check_free({key: None}, kind="property")
            self._properties[key] = value

    def set_timestamp(self, when: datetime | float) -> None:
        """The metrics' time (a datetime or epoch seconds); by default, the time of the flush."""
        seconds = when.timestamp() if isinstance(when, datetime) else float(when)
        self._timestamp = int(seconds * 1000)

    def _check_free(self, names: Mapping[str, Any], kind: str) -> None:
        taken = {
            "dimension": {key for named in self._sets for key in named},
            "metric": set(self._metrics),
            "property": set(self._properties),
        }
        for name in names:
            if name == "_aws":
                raise ValueError('"_aws" is the document\'s metadata')
            for other, keys in taken.items():
                if other != kind and name in keys:
                    raise ValueError(f"{name!r} is already a {other}: a {kind} needs a name of its own")

    # -- documents ---------------------------------------------------------------------------------------------

    def documents(self) -> list[dict[str, Any]]:
        """The EMF documents the recorded metrics make (what ``flush`` writes), without clearing anything."""
        with self._lock:
            return self._documents(self._timestamp or int(time.time() * 1000))

    def _documents(self, timestamp: int) -> list[dict[str, Any]]:
        remaining = {name: metric.values for name, metric in self._metrics.items() if metric.values}
        root: dict[str, Any] = {**self._properties}
        for named in self._sets:
            root.update(named)
        dimension_sets = [list(named) for named in self._sets] or [[]]
        documents = []
        while remaining:
            names = list(remaining)[:MAX_METRICS]
            definitions = []
            values: dict[str, Any] = {}
            for name in names:
                metric = self._metrics[name]
                chunk, rest = remaining[name][:MAX_VALUES], remaining[name][MAX_VALUES:]
                if rest:
                    remaining[name] = rest
                else:
                    del remaining[name]
                definition: dict[str, Any] = {"Name": name, "Unit": metric.unit}
                if metric.resolution == 1:
                    definition["StorageResolution"] = 1
                definitions.append(definition)
                values[name] = chunk[0] if len(chunk) == 1 else chunk
            directive = {"Namespace": self.namespace, "Dimensions": dimension_sets, "Metrics": definitions}
            documents.append({"_aws": {"Timestamp": timestamp, "CloudWatchMetrics": [directive]}, **root, **values})
        return documents

    def flush(self) -> int:
        """Write the recorded metrics as EMF documents and start afresh; returns how many were written."""
        with self._lock:
            timestamp = self._timestamp or int(time.time() * 1000)
            documents = self._documents(timestamp)
            for metric in self._metrics.values():
                metric.values = []
            self._metrics.clear()
            self._properties.clear()
            self._timestamp = None
        for document in documents:
            self._write(timestamp, orjson.dumps(document, default=str).decode())
        return len(documents)

    def __enter__(self) -> EmbeddedMetrics:
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush()

    # -- where documents go ------------------------------------------------------------------------------------

    def _write(self, timestamp: int, line: str) -> None:
        if self._stream is not None:
            self._stream.write(line + "\n")
            self._stream.flush()
        elif self._handler is None and in_lambda():
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        else:
            handler = self._handler or shipping_handler(self._log_group or default_log_group(self.namespace))
            record = logging.LogRecord("vigil.metrics.emf", logging.INFO, __file__, 0, line, None, None)
            record.created = timestamp / 1000
            handler.handle(record)


def default_log_group(namespace: str) -> str:
    return os.environ.get("VIGIL_EMF_LOG_GROUP") or f"{namespace}-metrics"


def shipping_handler(log_group: str) -> CloudWatchHandler:
    """The ``CloudWatchHandler`` documents of ``log_group`` go through: one per log group, made on first use,
    writing each document as it is (no JSON record around it). Endpoint, region and credentials as boto3
    finds them (``AWS_ENDPOINT_URL_CLOUDWATCH_LOGS``, ``AWS_ENDPOINT_URL``, ``AWS_REGION``)."""
    with _handlers_lock:
        handler = _handlers.get(log_group)
        if handler is None:
            # Imported here: shipping needs botocore, which the rest of this module does not.
            from vigil.sdk.shipping.config import CloudWatchConfig
            from vigil.sdk.shipping.handler import CloudWatchHandler

            handler = CloudWatchHandler(CloudWatchConfig(log_group=log_group), format=logging.Formatter("%(message)s"))
            _handlers[log_group] = handler
        return handler


def flush_embedded(timeout: float | None = None) -> bool:
    """Deliver every document shipped so far (at the end of a serverless handler outside Lambda)."""
    with _handlers_lock:
        handlers = list(_handlers.values())
    return all(handler.flush(timeout) for handler in handlers)
