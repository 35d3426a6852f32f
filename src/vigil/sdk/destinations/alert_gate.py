"""When an alert goes out: de-duplication of repeated errors and a rate limit, so that an error storm sends a
summary, not a thousand messages.

Pure policy: no I/O, time from an injectable clock (a function returning seconds), so every rule can be checked
with a clock a test moves by hand. The alert destinations ask ``admit`` about each record and ``due`` on each
tick of their background thread.

The rules, per fingerprint (logger, level, message template, exception type):

- The first record passes at once and opens a window of ``dedupe_window`` seconds.
- Records of that fingerprint while a window is open are counted, not sent.
- When a window closes with records counted, one summary is due: the latest record and the count. The summary
  opens the next window, so a storm that goes on sends one summary per window. A window that closes with nothing
  counted is forgotten: the next record of that fingerprint is a first again.

Across all fingerprints, at most ``max_per_minute`` alerts (first records and summaries together) pass in any
60 seconds. A first record over that limit is counted like a repeat, and its summary is due as soon as the limit
allows, without waiting for the window; a due summary over the limit waits, still counting, for the next tick the
limit allows. Due summaries go out in this order: fingerprints nothing was sent for yet, then the oldest windows.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

Clock = Callable[[], float]

RATE_PERIOD = 60.0
# A template longer than this is cut for the fingerprint: it is held for every fingerprint the gate remembers.
_TEMPLATE_LENGTH = 500


def fingerprint(record: logging.LogRecord) -> Hashable:
    """What makes two records "the same error": the message *template* (``record.msg``), so that
    ``"order %s failed"`` with a different order id each time is one error, not thousands."""
    exc_info = record.exc_info
    kind = exc_info[0] if exc_info else None
    exception = f"{kind.__module__}.{kind.__qualname__}" if kind is not None else None
    return (record.name, record.levelno, str(record.msg)[:_TEMPLATE_LENGTH], exception)


@dataclass(frozen=True)
class Summary(Generic[T]):
    """What a window held back: ``count`` records, the latest being ``sample``, over the last ``seconds``.

    ``announced`` is whether the window's first record was sent; when it was not (the rate limit held it), the
    count includes it.
    """

    sample: T
    count: int
    seconds: float
    announced: bool


@dataclass
class _Window(Generic[T]):
    opened: float
    count: int
    announced: bool
    sample: T


class AlertGate(Generic[T]):
    """The de-duplication and rate-limit policy of the module docstring. Thread-safe."""

    def __init__(
        self,
        dedupe_window: float = 300.0,
        max_per_minute: int = 10,
        *,
        max_fingerprints: int = 1000,
        clock: Clock = time.monotonic,
    ) -> None:
        if dedupe_window < 0:
            raise ValueError("dedupe_window must not be negative")
        if max_per_minute < 1 or max_fingerprints < 1:
            raise ValueError("max_per_minute and max_fingerprints must be at least 1")
        self.dedupe_window = dedupe_window
        self.max_per_minute = max_per_minute
        self.max_fingerprints = max_fingerprints
        self.clock = clock
        self._fresh_state()

    def _fresh_state(self) -> None:
        self._lock = threading.Lock()
        # Insertion order is the order windows opened: the first entry is the one to evict.
        self._windows: dict[Hashable, _Window[T]] = {}
        self._sent: deque[float] = deque()

    def reset_after_fork(self) -> None:
        """In a forked child: forget the parent's windows and rate-limit history, which are the parent's to
        report, and take a new lock (a parent's thread may have held the old one at the fork)."""
        self._fresh_state()

    def admit(self, key: Hashable, sample: T) -> bool:
        """``True``: send this record now. ``False``: it is counted, and a later summary will report it."""
        with self._lock:
            now = self.clock()
            window = self._windows.get(key)
            if window is not None and (window.count or now < window.opened + self.dedupe_window):
                window.count += 1
                window.sample = sample
                return False
            passes = self._spend(now)
            self._open(key, _Window(now, count=0 if passes else 1, announced=passes, sample=sample))
            return passes

    def due(self) -> list[Summary[T]]:
        """The summaries to send now (each one spends the rate limit), and windows that closed quiet forgotten."""
        with self._lock:
            now = self.clock()
            summaries: list[Summary[T]] = []
            for key, window in sorted(self._windows.items(), key=lambda item: (item[1].announced, item[1].opened)):
                closed = now >= window.opened + self.dedupe_window
                if not window.count:
                    if closed:
                        del self._windows[key]
                    continue
                if (closed or not window.announced) and self._spend(now):
                    summaries.append(Summary(window.sample, window.count, now - window.opened, window.announced))
                    self._open(key, _Window(now, count=0, announced=True, sample=window.sample))
            return summaries

    def held(self) -> int:
        """How many records are counted and not yet reported by a summary."""
        with self._lock:
            return sum(window.count for window in self._windows.values())

    def _spend(self, now: float) -> bool:
        """Take one alert from the rate limit, if any is left in the last ``RATE_PERIOD`` seconds."""
        sent = self._sent
        while sent and sent[0] <= now - RATE_PERIOD:
            sent.popleft()
        if len(sent) >= self.max_per_minute:
            return False
        sent.append(now)
        return True

    def _open(self, key: Hashable, window: _Window[T]) -> None:
        windows = self._windows
        windows.pop(key, None)
        if len(windows) >= self.max_fingerprints:
            # The oldest window goes, with whatever it counted: the price of bounded memory in a storm of
            # more distinct errors than the gate remembers.
            del windows[next(iter(windows))]
        windows[key] = window
