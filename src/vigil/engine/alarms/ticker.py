"""The evaluation clock: every alarm each ``interval`` seconds (60 by default, as CloudWatch evaluates alarms
of a minute or more), high-resolution alarms every 10 seconds in between; faster for tests and benchmarks
(``--alarm-tick``)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from vigil.engine.alarms.evaluation import AlarmEvaluation

log = logging.getLogger(__name__)
HIGH_RESOLUTION_INTERVAL = 10.0


class AlarmTicker:
    def __init__(self, evaluation: AlarmEvaluation, interval: float, clock: Callable[[], int]) -> None:
        self._evaluation = evaluation
        self._interval = interval
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="vigil-alarms", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        fine = min(HIGH_RESOLUTION_INTERVAL, self._interval)
        start = time.monotonic()
        next_full, next_fine = start + self._interval, start + fine
        while not self._stop.wait(max(0.0, min(next_full, next_fine) - time.monotonic())):
            moment = time.monotonic()
            full = moment >= next_full
            try:
                self._evaluation.tick(self._clock(), high_resolution_only=not full)
            except Exception:
                log.exception("alarm evaluation failed")
            if full:
                next_full = max(next_full + self._interval, moment)
            next_fine = max(next_fine + fine, moment)
