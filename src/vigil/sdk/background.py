"""A bounded queue drained by a background thread: what every slow destination hands its records to.

The caller never blocks: ``put`` appends to a deque or, when the queue is full, counts a drop and returns
``False``. One daemon thread per queue delivers items in batches, waking when a batch is ready or every
``interval`` seconds. After ``os.fork`` the child starts with an empty queue and a fresh thread (the items
queued before the fork are the parent's to deliver). At interpreter exit every open queue is flushed, each
within its own deadline, before ``logging.shutdown`` closes the handlers.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

_open_queues: weakref.WeakSet[BackgroundQueue[object]] = weakref.WeakSet()


@dataclass
class QueueCounters:
    dropped: int = 0


class BackgroundQueue(Generic[T]):
    """``deliver(batch)`` runs on the background thread with up to ``max_batch`` items, oldest first. The thread
    wakes when ``wake_at`` items wait (default: ``max_batch``) or every ``interval`` seconds; when more are
    waiting by then, a batch takes up to ``max_batch`` of them.

    ``deliver`` should not raise; if it does, the batch is counted as dropped and the thread carries on.
    ``on_tick`` runs after every wake-up, for work that does not wait for new items (retrying a backlog).
    While the queue is closing, ``closing`` is set: a deliverer that waits between retries should wait on it.
    With ``threaded=False`` there is no thread: ``flush`` delivers in the caller's thread.
    """

    def __init__(
        self,
        name: str,
        deliver: Callable[[list[T]], None],
        *,
        max_items: int = 10_000,
        max_batch: int = 100,
        interval: float = 5.0,
        exit_timeout: float = 5.0,
        on_tick: Callable[[], None] | None = None,
        threaded: bool = True,
        wake_at: int | None = None,
    ) -> None:
        if max_items < 1 or max_batch < 1:
            raise ValueError("max_items and max_batch must be at least 1")
        self.name = name
        self.deliver = deliver
        self.max_items = max_items
        self.max_batch = max_batch
        self.wake_at = min(wake_at or max_batch, max_batch)
        self.interval = interval
        self.exit_timeout = exit_timeout
        self.on_tick = on_tick
        self.threaded = threaded
        self.counters = QueueCounters()
        self._items: deque[T] = deque()
        self._fresh_state()
        _open_queues.add(self)  # type: ignore[arg-type]
        _multiprocessing.in_spawned_child()

    def _fresh_state(self) -> None:
        self._wake = threading.Event()
        self._wake_pending = False
        self.closing = threading.Event()
        self._idle = threading.Condition()
        self._busy = False
        self._closed = False
        self._abandoned = False  # close() gave up waiting: the thread stops after its current batch
        self._thread: threading.Thread | None = None

    # -- the caller's side -------------------------------------------------------------------------------------

    def put(self, item: T) -> bool:
        """Queue ``item``; ``False`` (and a counted drop) when the queue is full or closed. Never blocks."""
        items = self._items
        if len(items) >= self.max_items or self._closed:
            self.counters.dropped += 1
            return False
        items.append(item)
        if self._thread is None and self.threaded:
            self._start()
        if len(items) >= self.wake_at and not self._wake_pending:
            # Once per batch, not once per record: Event.set takes a lock.
            self._wake_pending = True
            self._wake.set()
        return True

    def start(self) -> None:
        """Start the thread now rather than at the first ``put`` (for owners that also use ``on_tick``)."""
        if self._thread is None and self.threaded:
            self._start()

    def qsize(self) -> int:
        return len(self._items)

    def flush(self, timeout: float | None = None) -> bool:
        """Deliver everything queued so far; ``True`` if that finished within ``timeout`` seconds."""
        if self._thread is None or not self._thread.is_alive():
            self._drain()  # no thread (closed, or not started): deliver here
            return not self._items
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._idle:
            self._wake.set()
            while self._items or self._busy:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._idle.wait(remaining if remaining is not None else 0.5)
                self._wake.set()
        return True

    def close(self, timeout: float | None = None) -> bool:
        """Flush within ``timeout`` (default ``exit_timeout``), then stop the thread. ``True`` if all was delivered.

        Whatever is still queued at the deadline stays queued: ``pending()`` hands it to the owner.
        """
        if self._closed:
            return not self._items
        timeout = self.exit_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        flushed = self.flush(timeout)
        self._closed = True
        self._abandoned = not flushed
        self.closing.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()) + 0.05)
        _open_queues.discard(self)  # type: ignore[arg-type]
        return flushed and not self._items

    def pending(self) -> list[T]:
        """Take every item still queued (after ``close``): the owner decides what becomes of them."""
        taken: list[T] = []
        while self._items:
            taken.append(self._items.popleft())
        return taken

    # -- the background thread ---------------------------------------------------------------------------------

    def _start(self) -> None:
        with self._idle:
            if self._thread is not None:
                return
            thread = threading.Thread(target=self._run, name=f"vigil-{self.name}", daemon=True)
            self._thread = thread
        thread.start()

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self.interval)
            self._wake.clear()
            self._wake_pending = False
            self._drain()
            if self.on_tick is not None and not self._closed:
                with contextlib.suppress(Exception):  # the same rule as for deliver
                    self.on_tick()

    def _drain(self) -> None:
        items = self._items
        while items:
            with self._idle:
                self._busy = True
            batch = [items.popleft() for _ in range(min(len(items), self.max_batch))]
            try:
                self.deliver(batch)
            except Exception:  # a failing destination must not kill the thread; the loss is counted
                self.counters.dropped += len(batch)
            finally:
                with self._idle:
                    self._busy = False
                    self._idle.notify_all()
            if self._abandoned:
                break
        with self._idle:
            self._idle.notify_all()

    def _after_fork_in_child(self) -> None:
        self._items.clear()
        self._fresh_state()


def _reset_after_fork() -> None:
    for queue in list(_open_queues):
        queue._after_fork_in_child()


def _close_at_exit() -> None:
    for queue in list(_open_queues):
        queue.close()


class _MultiprocessingHook:
    """A ``multiprocessing`` child ends with ``os._exit`` after running its finalizers, never ``atexit``: so in
    such a child the queues are closed by a finalizer, registered once the child has cleared its inherited ones."""

    registered = False

    def before_fork(self) -> None:
        util = sys.modules.get("multiprocessing.util")
        if util is not None and not self.registered:
            util.register_after_fork(self, _MultiprocessingHook.in_child)  # type: ignore[attr-defined]
            self.registered = True

    def in_child(self) -> None:
        util = sys.modules["multiprocessing.util"]
        util.Finalize(None, _close_at_exit, exitpriority=100)  # type: ignore[attr-defined]

    def in_spawned_child(self) -> None:
        multiprocessing = sys.modules.get("multiprocessing")
        if multiprocessing is not None and multiprocessing.parent_process() is not None and not self.registered:
            self.in_child()
            self.registered = True


_multiprocessing = _MultiprocessingHook()
os.register_at_fork(before=_multiprocessing.before_fork, after_in_child=_reset_after_fork)
atexit.register(_close_at_exit)
