"""``CloudWatchHandler``: a logging handler that ships records to CloudWatch Logs or a Vigil server.

In the calling thread it only renders the record (once, through the pipeline) and appends it to a bounded
queue: it never waits on the network. The queue's thread does the rest (see ``shipper``). When the queue is
full the record is dropped and counted: a logging call must not stall the application, and the queue bound
(``max_queue_size``) is what keeps memory bounded while the endpoint is slow.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import weakref
from typing import Any

from vigil.sdk.background import BackgroundQueue
from vigil.sdk.formatters import JSONFormatter, make_formatter
from vigil.sdk.pipeline import current_pipeline
from vigil.sdk.shipping.batches import Event
from vigil.sdk.shipping.client import LogsClient
from vigil.sdk.shipping.config import CloudWatchConfig
from vigil.sdk.shipping.counters import ShippingCounters
from vigil.sdk.shipping.limits import MAX_BATCH_EVENTS
from vigil.sdk.shipping.shipper import Shipper

_handlers: weakref.WeakSet[CloudWatchHandler] = weakref.WeakSet()


class CloudWatchHandler(logging.Handler):
    def __init__(
        self,
        config: CloudWatchConfig | None = None,
        *,
        level: int | str = logging.NOTSET,
        format: Any = "json",
        client_factory: Any = LogsClient,
        **options: Any,
    ) -> None:
        """``CloudWatchHandler(CloudWatchConfig(log_group=...))`` or ``CloudWatchHandler(log_group=..., ...)``."""
        # Everything that can fail comes before Handler.__init__, which registers the handler for shutdown.
        self.config = config if config is not None else CloudWatchConfig(**options)
        self.counters = ShippingCounters()
        self.queue: BackgroundQueue[Event] = BackgroundQueue(
            f"cloudwatch:{self.config.log_group}",
            self._deliver,
            max_items=self.config.max_queue_size,
            # A batch goes once batch_size records wait; under load, one request carries all that waits.
            wake_at=self.config.batch_size,
            max_batch=MAX_BATCH_EVENTS,
            interval=self.config.flush_interval,
            exit_timeout=self.config.exit_timeout,
            on_tick=self._tick,
            threaded=self.config.async_upload,
        )
        self._shipper = Shipper(self.config, self.counters, self.queue.closing, client_factory)
        self._put = self.queue.put
        self._synchronous = not self.config.async_upload
        super().__init__(level)
        self.setFormatter(make_formatter(format))
        self._sync_lock = threading.Lock()
        self._closed = False
        _handlers.add(self)

    # -- the caller's side -------------------------------------------------------------------------------------

    def handle(self, record: logging.LogRecord) -> bool:  # type: ignore[override]
        # No handler lock: rendering is per record and the queue is thread-safe.
        if self.filters and not self.filter(record):
            return False
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        try:
            formatter = self.formatter
            if type(formatter) is JSONFormatter:
                message = (formatter.pipeline or current_pipeline()).json(record)
            else:
                message = self.format(record).encode("utf-8", "backslashreplace")
            if not self._put((int(record.created * 1000), message)):
                self._note_overflow()
                return
            if self._synchronous and self.queue.qsize() >= self.config.batch_size:
                self.flush()
        except RecursionError:
            raise
        except Exception:  # the stdlib contract: report it, never raise into the application
            self.handleError(record)

    def _note_overflow(self) -> None:
        self.counters.dropped += 1
        if self.counters.dropped == 1 or self.counters.dropped % 10_000 == 0:
            self._shipper.warn(
                "queue-full",
                f"queue full ({self.config.max_queue_size}): {self.counters.dropped} records dropped so far",
            )

    # -- the seed's introspection ------------------------------------------------------------------------------

    @property
    def _worker_thread(self) -> threading.Thread | None:
        return self.queue._thread

    def stats(self) -> dict[str, int]:
        """Counters (sent, retried, spooled, replayed, dropped, rejected, split) and the queue size."""
        return {**self.counters.as_dict(), "queued": self.queue.qsize()}

    # -- flushing and closing ----------------------------------------------------------------------------------

    def flush(self, timeout: float | None = None) -> bool:  # type: ignore[override]
        """Send everything logged so far (and anything spooled, if the endpoint answers); ``True`` when all of it
        is delivered or settled on disk within ``timeout`` seconds (default: no limit). For serverless
        handlers, call this before returning."""
        if self.config.async_upload:
            return self.queue.flush(timeout)
        with self._sync_lock:
            return self.queue.flush(timeout)

    def close(self) -> None:
        """Deliver within ``exit_timeout``; what is left goes to the spool; print the counters if anything was
        not delivered."""
        if self._closed:
            return
        self._closed = True
        try:
            self.queue.close(self.config.exit_timeout)
            leftover = self.queue.pending()
            if leftover:
                self._shipper.save_for_later(leftover)
            self._shipper.close()
            self._report()
        finally:
            _handlers.discard(self)
            super().close()

    def _report(self) -> None:
        counters = self.counters
        if counters.dropped or counters.spooled > counters.replayed or counters.rejected:
            summary = ", ".join(f"{name} {value}" for name, value in self.stats().items())
            sys.stderr.write(f"vigil: CloudWatch handler for {self.config.log_group} closed: {summary}\n")

    # -- the queue's thread ------------------------------------------------------------------------------------

    def _deliver(self, batch: list[Event]) -> None:
        self._shipper.deliver(batch)

    def _tick(self) -> None:
        self._shipper.tick()

    def _after_fork_in_child(self) -> None:
        self.counters.__init__()  # type: ignore[misc]
        self._shipper.after_fork_in_child()
        self._sync_lock = threading.Lock()


def _reset_after_fork() -> None:
    for handler in list(_handlers):
        handler._after_fork_in_child()


os.register_at_fork(after_in_child=_reset_after_fork)
