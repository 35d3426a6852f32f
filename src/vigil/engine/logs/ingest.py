"""PutLogEvents as AWS documents it: whole-batch rules fail the call, per-event time rules reject
events one by one, and what remains is stored before the call returns.

The checks are vectorised (numpy over timestamps, Arrow over message bytes): a batch holds up to
10,000 events and this is the hottest path of the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vigil.engine.clock import now_ms
from vigil.engine.logs import limits
from vigil.engine.logs.groups import LogGroups
from vigil.engine.logs.scope import Scope
from vigil.errors import invalid_parameter

_TIMESTAMP, _MESSAGE = itemgetter("timestamp"), itemgetter("message")


@dataclass(frozen=True)
class Rejected:
    too_new_start: int | None = None
    too_old_end: int | None = None
    expired_end: int | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.too_new_start, self.too_old_end, self.expired_end))


@dataclass(frozen=True)
class IngestSettings:
    max_event_bytes: int = limits.MAX_EVENT_BYTES


class Ingest:
    def __init__(self, groups: LogGroups, settings: IngestSettings | None = None) -> None:
        self.groups = groups
        self.settings = settings or IngestSettings()

    def put(self, scope: Scope, group_name: str, stream_name: str, events: list[dict[str, Any]]) -> Rejected:
        # map(itemgetter) walks the events in C; a generator would run a Python frame per event.
        timestamps = np.fromiter(map(_TIMESTAMP, events), dtype=np.int64, count=len(events))
        messages = pa.array(list(map(_MESSAGE, events)), pa.string())
        self._check_batch(timestamps, messages)
        group = self.groups.get(scope, group_name, sized=False)
        stream = self.groups.stream(group, stream_name)
        now = now_ms()
        # Events are in time order, so too-old and expired events form a prefix, too-new ones a suffix.
        # AWS's indexes: ``tooNewLogEventStartIndex`` is the first too-new event (inclusive);
        # ``tooOldLogEventEndIndex`` and ``expiredLogEventEndIndex`` end their prefix exclusively, i.e.
        # they are the index of the first event that is not too old (not expired), which is also how many
        # events the rule rejected.
        too_old_end = int(np.searchsorted(timestamps, now - limits.MAX_AGE_MS, side="left"))
        expired_end = 0
        if group.retention_days is not None:
            expired_end = int(np.searchsorted(timestamps, now - group.retention_days * limits.DAY_MS, side="left"))
        too_new_start = int(np.searchsorted(timestamps, now + limits.MAX_FUTURE_MS, side="right"))
        first = max(too_old_end, expired_end)
        if first < too_new_start:
            self.groups.store.append(
                group.id, stream.id, timestamps[first:too_new_start], messages[first:too_new_start]
            )
        return Rejected(
            too_new_start=too_new_start if too_new_start < len(events) else None,
            too_old_end=too_old_end if too_old_end > 0 else None,
            expired_end=expired_end if expired_end > 0 else None,
        )

    def _check_batch(self, timestamps: np.ndarray, messages: pa.StringArray) -> None:
        if len(timestamps) > 1 and bool(np.any(np.diff(timestamps) < 0)):
            raise invalid_parameter("Log events in a single PutLogEvents request must be in chronological order.")
        if len(timestamps) and int(timestamps[-1] - timestamps[0]) > limits.MAX_BATCH_SPAN_MS:
            raise invalid_parameter(
                "The batch of log events in a single PutLogEvents request cannot span more than 24 hours."
            )
        sizes = pc.binary_length(messages)
        largest = pc.max(sizes).as_py() or 0
        if largest > self.settings.max_event_bytes:
            raise invalid_parameter(
                f"Log event too large: {largest} bytes exceeds limit of {self.settings.max_event_bytes}"
            )
        total = (pc.sum(sizes).as_py() or 0) + limits.EVENT_OVERHEAD_BYTES * len(messages)
        if total > limits.MAX_BATCH_BYTES:
            raise invalid_parameter(f"Upload too large: {total} bytes exceeds limit of {limits.MAX_BATCH_BYTES}")
