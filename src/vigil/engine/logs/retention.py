"""The background job that enforces retention: expired events leave every read path."""

from __future__ import annotations

import logging

from vigil.engine.clock import now_ms
from vigil.engine.periodic import Periodic
from vigil.store.logs import LogsStore

log = logging.getLogger(__name__)


class RetentionSweeper(Periodic):
    def __init__(self, store: LogsStore, interval_seconds: float) -> None:
        super().__init__("retention", interval_seconds, self.sweep)
        self.store = store

    def sweep(self) -> int:
        deleted = self.store.expire(now_ms())
        if deleted:
            log.info("retention removed %d expired events", deleted)
        return deleted
