"""The background job that enforces retention: expired events leave every read path."""

from __future__ import annotations

import logging
import threading

from vigil.engine.clock import now_ms
from vigil.store.logs import LogsStore

log = logging.getLogger(__name__)


class RetentionSweeper:
    def __init__(self, store: LogsStore, interval_seconds: float) -> None:
        self.store = store
        self.interval = interval_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="vigil-retention", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def sweep(self) -> int:
        deleted = self.store.expire(now_ms())
        if deleted:
            log.info("retention removed %d expired events", deleted)
        return deleted

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sweep()
            except Exception:
                log.exception("retention sweep failed")
