"""``MetricsPublisher``: a background thread that publishes the aggregated values with PutMetricData.

Every ``flush_interval`` seconds (and at ``flush()``, ``close()`` and interpreter exit) what was recorded
becomes datums, sent 1,000 per request (PutMetricData's limit), retried with backoff and jitter on
throttling, server errors and an unreachable endpoint. A request that still fails is counted and reported on
stderr: metrics are not spooled to disk the way logs are.
"""

from __future__ import annotations

import atexit
import os
import sys
import weakref
from dataclasses import asdict, dataclass
from typing import Any

from vigil.sdk.background import BackgroundQueue
from vigil.sdk.metrics.aggregate import Aggregator, SeriesKey
from vigil.sdk.shipping.client import Outcome, classify_code
from vigil.sdk.shipping.shipper import jittered

MAX_DATUMS_PER_REQUEST = 1_000

_publishers: weakref.WeakSet[MetricsPublisher] = weakref.WeakSet()


@dataclass
class MetricsCounters:
    published: int = 0  # datums PutMetricData accepted
    retried: int = 0
    dropped: int = 0  # datums of requests that failed for good


class MetricsPublisher:
    def __init__(
        self,
        namespace: str,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        flush_interval: float = 60.0,
        max_retries: int = 3,
        retry_delay: float = 1.0,
        exit_timeout: float = 5.0,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
    ) -> None:
        if not namespace or namespace.startswith("AWS/"):
            raise ValueError("namespace is required and may not start with 'AWS/' (CloudWatch reserves it)")
        self.namespace = namespace
        self._client_options = {
            "region_name": region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
            "endpoint_url": endpoint_url,
            "aws_access_key_id": aws_access_key_id,
            "aws_secret_access_key": aws_secret_access_key,
            "aws_session_token": aws_session_token,
        }
        self.max_retries = max_retries
        self.retry_delay = retry_delay
        self.aggregator = Aggregator()
        self.counters = MetricsCounters()
        self._client: Any = None
        self.queue: BackgroundQueue[dict[str, Any]] = BackgroundQueue(
            f"metrics:{namespace}",
            self._send,
            max_items=1_000_000,
            max_batch=MAX_DATUMS_PER_REQUEST,
            interval=flush_interval,
            exit_timeout=exit_timeout,
            on_tick=self._move,
        )
        _publishers.add(self)

    def record(self, key: SeriesKey, value: float, count: float = 1.0) -> None:
        """Never blocks on the network: the value joins the current window."""
        self.aggregator.record(key, float(value), count)
        self.queue.start()  # the thread publishes every flush_interval, even before the first batch

    def flush(self, timeout: float | None = None) -> bool:
        """Publish everything recorded so far; ``True`` if it was sent within ``timeout`` seconds."""
        self._move()
        return self.queue.flush(timeout)

    def close(self) -> None:
        self._move()
        self.queue.close()
        _publishers.discard(self)

    def stats(self) -> dict[str, int]:
        return {**asdict(self.counters), "pending": self.aggregator.pending() + self.queue.qsize()}

    # -- the publisher's thread --------------------------------------------------------------------------------

    def _move(self) -> None:
        for datum in self.aggregator.drain():
            if not self.queue.put(datum):
                self.counters.dropped += 1

    def _connect(self) -> Any:
        import botocore.config
        import botocore.session

        options = {key: value for key, value in self._client_options.items() if value is not None}
        options.setdefault("region_name", "us-east-1")
        self._client = botocore.session.get_session().create_client(
            "cloudwatch",
            config=botocore.config.Config(retries={"total_max_attempts": 1}, user_agent_extra="vigil-sdk"),
            **options,
        )
        return self._client

    def _send(self, datums: list[dict[str, Any]]) -> None:
        import botocore.exceptions

        for attempt in range(self.max_retries + 1):
            try:
                client = self._client or self._connect()
                client.put_metric_data(Namespace=self.namespace, MetricData=datums)
                self.counters.published += len(datums)
                return
            except botocore.exceptions.ClientError as error:
                response = error.response
                outcome = classify_code(
                    response.get("Error", {}).get("Code", ""),
                    response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0),
                    str(error),
                ).outcome
                detail = str(error)
            except Exception as error:  # connection refused, timeouts, no credentials: try again later
                outcome, detail = Outcome.RETRY, str(error)
            if outcome is not Outcome.RETRY or attempt == self.max_retries or self.queue.closing.is_set():
                break
            self.counters.retried += 1
            if self.queue.closing.wait(jittered(self.retry_delay * 2**attempt)):
                break
        self.counters.dropped += len(datums)
        sys.stderr.write(f"vigil: metrics for {self.namespace}: dropped {len(datums)} datums: {detail}\n")


def _drain_at_exit() -> None:
    # Before the queues' own exit hook (registered earlier, so it runs later): move what the windows hold.
    for publisher in list(_publishers):
        publisher._move()


def _reset_after_fork() -> None:
    for publisher in list(_publishers):
        publisher.aggregator = Aggregator()  # the parent publishes what it recorded
        publisher._client = None
        publisher.counters = MetricsCounters()


atexit.register(_drain_at_exit)
os.register_at_fork(after_in_child=_reset_after_fork)
