"""The background side of the CloudWatch handler: batches out, retries with backoff, the spool in between.

Order is kept by one rule: while the spool holds records, new records join the end of the spool instead of
overtaking it. The spool drains (oldest first) as soon as the endpoint answers again; probes while it is down
back off exponentially. Nothing is dropped without being counted and reported on stderr.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from collections.abc import Callable

from vigil.sdk.shipping.batches import Event, batches, prepare
from vigil.sdk.shipping.client import LogsClient, Outcome, PutResult
from vigil.sdk.shipping.config import CloudWatchConfig
from vigil.sdk.shipping.counters import ShippingCounters
from vigil.sdk.shipping.limits import MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_EVENT_BYTES
from vigil.sdk.shipping.spool import Spool

_ORPHAN_CHECK_S = 60.0


def _now_ms() -> int:
    return int(time.time() * 1000)


def jittered(delay: float) -> float:
    """Half fixed, half random ("equal jitter"): spreads retries of many clients without ever waiting 0."""
    return delay / 2 + random.uniform(0, delay / 2)


class Shipper:
    def __init__(
        self,
        config: CloudWatchConfig,
        counters: ShippingCounters,
        closing: threading.Event,
        client_factory: Callable[[CloudWatchConfig], LogsClient] = LogsClient,
    ) -> None:
        self.config = config
        self.counters = counters
        self.closing = closing
        self._client_factory = client_factory
        self._client: LogsClient | None = None
        self._destination_ready = False
        self.spool = (
            Spool(config.spool_path(), config.log_group, config.stream_name, config.max_spool_bytes)
            if config.spool
            else None
        )
        self._backlog_checked_at = -_ORPHAN_CHECK_S
        self._backlog = False
        self._probe_at = 0.0
        self._probe_delay = max(config.retry_delay, 0.05)
        self._warned: dict[str, float] = {}

    # -- entry points (the queue's thread, or the caller's with async_upload=False) ----------------------------

    def deliver(self, items: list[Event]) -> None:
        events = prepare(items, _now_ms(), self.config.oversize)
        self.counters.split += sum(1 for _, message in items if len(message) > MAX_EVENT_BYTES)
        if self._spool_has_backlog():
            self.replay()
            if self._backlog:
                self._to_spool(events)
                return
        pending = list(batches(events))
        for index, batch in enumerate(pending):
            if not self._send(batch, retries=True):
                self._to_spool([event for rest in pending[index:] for event in rest])
                return

    def save_for_later(self, items: list[Event]) -> None:
        """Records that could not be sent before the exit deadline: onto the spool, for the next run."""
        self._to_spool(prepare(items, _now_ms(), self.config.oversize))

    def tick(self) -> None:
        """Called every flush interval: drains the spool when a probe is due, even with nothing new to send."""
        if self._spool_has_backlog() and time.monotonic() >= self._probe_at:
            self.replay()

    def replay(self) -> bool:
        """Send spooled records, oldest first, until the spool is empty (``True``) or the endpoint fails."""
        assert self.spool is not None
        while True:
            chunk = self.spool.read(MAX_BATCH_EVENTS, MAX_BATCH_BYTES)
            if chunk is None:
                self._backlog = False
                self._probe_delay = max(self.config.retry_delay, 0.05)
                return True
            path, offset, spooled = chunk
            events = prepare(spooled, _now_ms(), self.config.oversize)
            for batch in batches(events):
                if not self._send(batch, retries=False):
                    self._probe_at = time.monotonic() + jittered(self._probe_delay)
                    self._probe_delay = min(self._probe_delay * 2, self.config.max_retry_delay)
                    return False
            self.spool.commit(path, offset)
            self.counters.replayed += len(spooled)
            if self.closing.is_set():
                return False  # past the exit deadline: what is left stays on disk for the next run

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()
        if self._client is not None:
            self._client.close()

    def after_fork_in_child(self) -> None:
        self._client = None  # its connection pool belongs to the parent
        self._destination_ready = False
        self._backlog = False
        self._backlog_checked_at = -_ORPHAN_CHECK_S
        if self.spool is not None:
            self.spool.after_fork_in_child()

    # -- sending -----------------------------------------------------------------------------------------------

    def _send(self, batch: list[Event], retries: bool) -> bool:
        """``True`` when the batch is done with (stored, or refused for good and counted); ``False`` to keep it."""
        delays = self.config.retry_delays() if retries else []
        attempt = 0
        while True:
            result = self._put(batch)
            if result.outcome is Outcome.SENT:
                self.counters.sent += len(batch) - result.rejected
                if result.rejected:
                    self.counters.rejected += result.rejected
                    self.warn("rejected", f"the endpoint did not store {result.rejected} events of a batch")
                return True
            if result.outcome is Outcome.REJECT:
                self.counters.dropped += len(batch)
                self.warn("refused", f"dropped {len(batch)} records the endpoint refused: {result.detail}")
                return True
            if result.outcome is Outcome.HOLD:
                self.warn("hold", f"records kept on disk until this is fixed: {result.detail}")
                return False
            if attempt >= len(delays) or self.closing.is_set():
                self.warn("unreachable", f"{self._endpoint()} is not answering: {result.detail}")
                return False
            self.counters.retried += 1
            if self.closing.wait(jittered(delays[attempt])):
                return False
            attempt += 1

    def _put(self, batch: list[Event]) -> PutResult:
        config = self.config
        create = (config.create_log_group, config.create_log_stream)
        try:
            client = self._client or self._connect()
        except Exception as error:
            return PutResult(Outcome.HOLD, str(error))
        if not self._destination_ready:
            ready = client.ensure(
                config.log_group, config.stream_name, config.create_log_group, config.create_log_stream
            )
            if ready.outcome is not Outcome.SENT:
                return ready
            self._destination_ready = True
        result = client.put(config.log_group, config.stream_name, batch)
        if result.outcome is Outcome.MISSING:
            # Deleted while we were running, or never created: create it (where allowed) and try once more.
            client.ensure(config.log_group, config.stream_name, *create)
            result = client.put(config.log_group, config.stream_name, batch)
            if result.outcome is Outcome.MISSING:
                return PutResult(Outcome.HOLD, f"log group or stream does not exist: {result.detail}")
        return result

    def _connect(self) -> LogsClient:
        self._client = self._client_factory(self.config)
        return self._client

    def _endpoint(self) -> str:
        return self._client.endpoint_url if self._client is not None else "the CloudWatch Logs endpoint"

    # -- the spool ---------------------------------------------------------------------------------------------

    def _spool_has_backlog(self) -> bool:
        if self.spool is None:
            return False
        now = time.monotonic()
        if not self._backlog and now - self._backlog_checked_at >= _ORPHAN_CHECK_S:
            # Records a previous run (or a crashed process) left behind on disk for this stream.
            self._backlog_checked_at = now
            self._backlog = self.spool.has_backlog()
        return self._backlog

    def _to_spool(self, events: list[Event]) -> None:
        if not events:
            return
        if self.spool is None:
            self.counters.dropped += len(events)
            self.warn("no-spool", f"dropped {len(events)} records: the endpoint is unreachable and spool=False")
            return
        written = self.spool.append(events)
        self.counters.spooled += written
        if written:
            self._backlog = True
            self._probe_at = time.monotonic() + jittered(self._probe_delay)
        if written < len(events):
            self.counters.dropped += len(events) - written
            self.warn("spool-full", f"dropped {len(events) - written} records: the spool is full")

    def warn(self, kind: str, message: str) -> None:
        """One line on stderr per kind of trouble per minute: visible, but not a flood."""
        now = time.monotonic()
        if now - self._warned.get(kind, -60.0) >= 60.0:
            self._warned[kind] = now
            sys.stderr.write(f"vigil: CloudWatch handler for {self.config.log_group}: {message}\n")
