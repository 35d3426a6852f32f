"""Records waiting on disk while the endpoint is unreachable, replayed oldest first when it answers again.

A spool is a directory per log group and stream holding segment files, named by creation time so that names
sort in time order. Each line of a segment is one record, ``[timestamp_ms, "message"]``. Replay progress is a
byte offset kept next to the segment (``<segment>.offset``, replaced atomically), so a crash during replay
re-sends at most the batch in flight. A process holds an exclusive ``flock`` on a segment while it writes or
replays it; a segment nobody holds (its process died) is picked up by the next process shipping to the same
stream, so records spooled before a crash or an exit arrive on the next run.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from pathlib import Path
from typing import IO
from urllib.parse import quote

import orjson

from vigil.sdk.shipping.batches import Event
from vigil.sdk.shipping.limits import EVENT_OVERHEAD_BYTES

_SUFFIX = ".spool"
_SEGMENT_BYTES = 16 * 1024 * 1024


class Spool:
    def __init__(self, root: Path, group: str, stream: str, max_bytes: int) -> None:
        self.directory = root / quote(group, safe="") / quote(stream, safe="")
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._held: dict[Path, IO[bytes]] = {}  # segments this process has claimed, with their locked handles
        self._active: Path | None = None
        self._known_bytes: int | None = None

    # -- writing -----------------------------------------------------------------------------------------------

    def append(self, events: list[Event]) -> int:
        """Write ``events`` at the end of the spool; returns how many fitted under ``max_bytes`` (the rest are not
        written: the caller counts them as dropped)."""
        if not events:
            return 0
        lines = [orjson.dumps([timestamp, message.decode("utf-8", "replace")]) + b"\n" for timestamp, message in events]
        with self._lock:
            used = self._used_bytes()
            fitting = 0
            for line in lines:
                if used + len(line) > self.max_bytes:
                    break
                used += len(line)
                fitting += 1
            if fitting:
                handle = self._active_handle()
                handle.write(b"".join(lines[:fitting]))
                handle.flush()
                self._known_bytes = used
                if handle.tell() >= _SEGMENT_BYTES:
                    self._active = None  # the next append starts a new segment; this one stays held until replayed
        return fitting

    def _active_handle(self) -> IO[bytes]:
        if self._active is None or self._active not in self._held:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"{time.time_ns():020d}-{os.getpid()}{_SUFFIX}"
            handle = path.open("a+b")
            fcntl.flock(handle, fcntl.LOCK_EX)
            self._held[path] = handle
            self._active = path
        handle = self._held[self._active]
        handle.seek(0, os.SEEK_END)
        return handle

    def _used_bytes(self) -> int:
        if self._known_bytes is None:
            self._known_bytes = sum(path.stat().st_size - _offset(path) for path in self._segments() if path.exists())
        return self._known_bytes

    # -- replaying ---------------------------------------------------------------------------------------------

    def _segments(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob(f"*{_SUFFIX}"))

    def _claim(self, path: Path) -> IO[bytes] | None:
        handle = self._held.get(path)
        if handle is not None:
            return handle
        try:
            handle = path.open("a+b")
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()  # another live process is writing or replaying it
            return None
        self._held[path] = handle
        return handle

    def has_backlog(self) -> bool:
        with self._lock:
            return self._next() is not None

    def _next(self) -> tuple[Path, IO[bytes], int] | None:
        for path in self._segments():
            handle = self._claim(path)
            if handle is None:
                continue
            offset = _offset(path)
            handle.seek(0, os.SEEK_END)
            if handle.tell() > offset:
                return path, handle, offset
            if path != self._active:
                self._retire(path)
        return None

    def read(self, max_events: int, max_bytes: int) -> tuple[Path, int, list[Event]] | None:
        """The oldest unsent records (at most ``max_events``, and ``max_bytes`` counted as PutLogEvents counts),
        their segment and the offset to ``commit`` once they are delivered; ``None`` when the spool is empty."""
        with self._lock:
            while (found := self._next()) is not None:
                path, handle, offset = found
                events, position = _read_lines(handle, offset, max_events, max_bytes)
                if events or position != offset:
                    return path, position, events
                if path == self._active:
                    return None
                # Only a line cut short by a crash is left: its record never arrived whole. The segment is done.
                self._retire(path)
            return None

    def commit(self, path: Path, offset: int) -> None:
        """Mark everything before ``offset`` in ``path`` as delivered."""
        with self._lock:
            previous = _offset(path)
            temporary = path.with_name(path.name + ".offset.tmp")
            temporary.write_bytes(str(offset).encode())
            os.replace(temporary, path.with_name(path.name + ".offset"))
            if self._known_bytes is not None:
                self._known_bytes = max(0, self._known_bytes - (offset - previous))
            handle = self._held.get(path)
            if handle is not None and path != self._active:
                handle.seek(0, os.SEEK_END)
                if handle.tell() <= offset:
                    self._retire(path)

    def _retire(self, path: Path) -> None:
        handle = self._held.pop(path, None)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + ".offset").unlink()
        if handle is not None:
            handle.close()
        if self._active == path:
            self._active = None

    def close(self) -> None:
        """Sync and release every segment (what is left is picked up by the next process)."""
        with self._lock:
            for path, handle in list(self._held.items()):
                with contextlib.suppress(OSError):
                    handle.flush()
                    os.fsync(handle.fileno())
                if not path.exists() or path.stat().st_size <= _offset(path):
                    self._retire(path)
                else:
                    handle.close()
            self._held.clear()
            self._active = None

    def after_fork_in_child(self) -> None:
        """The parent keeps its segments and their locks; the child starts with none of its own."""
        self._lock = threading.Lock()
        self._held = {}
        self._active = None
        self._known_bytes = None


def _offset(path: Path) -> int:
    try:
        return int(path.with_name(path.name + ".offset").read_bytes() or b"0")
    except (FileNotFoundError, ValueError):
        return 0


def _read_lines(handle: IO[bytes], offset: int, max_events: int, max_bytes: int) -> tuple[list[Event], int]:
    """Records from ``offset`` on, within the limits, and the offset after the last one read."""
    handle.seek(offset)
    events: list[Event] = []
    size = 0
    position = offset
    for line in handle:
        if not line.endswith(b"\n"):
            break  # a line cut short by a crash mid-write: the rest of it never arrived
        try:
            timestamp, text = orjson.loads(line)
            event = (int(timestamp), text.encode("utf-8"))
        except (orjson.JSONDecodeError, ValueError, TypeError, AttributeError):
            position += len(line)  # a damaged line cannot be sent; skip it rather than block the rest
            continue
        cost = len(event[1]) + EVENT_OVERHEAD_BYTES
        if events and (len(events) >= max_events or size + cost > max_bytes):
            break
        events.append(event)
        size += cost
        position += len(line)
    return events, position
