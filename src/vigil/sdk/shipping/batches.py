"""Turning queued records into PutLogEvents batches that AWS accepts by construction.

Every rule of the API is applied here, so the endpoint never has a reason to reject an event: oversized
messages are split (or truncated), timestamps outside the accepted window are moved inside it, events are put
in time order, and batches are cut before 10,000 events, 1,048,576 bytes (26 per event included) or a span of
24 hours.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from vigil.sdk.shipping.limits import (
    EVENT_OVERHEAD_BYTES,
    MAX_AGE_MS,
    MAX_AHEAD_MS,
    MAX_BATCH_BYTES,
    MAX_BATCH_EVENTS,
    MAX_BATCH_SPAN_MS,
    MAX_EVENT_BYTES,
)

# A queued record: its time in epoch milliseconds and its UTF-8 message.
Event = tuple[int, bytes]

# Keep clear of the window's edges: the endpoint's clock is not ours, and a batch takes time to arrive.
WINDOW_MARGIN_MS = 5 * 60 * 1000
TRUNCATION_MARK = b" [truncated]"


def _boundary(data: bytes, end: int) -> int:
    """The largest cut at or before ``end`` that does not split a UTF-8 character."""
    while 0 < end < len(data) and data[end] & 0xC0 == 0x80:
        end -= 1
    return end


def fit(message: bytes, policy: str = "split", limit: int = MAX_EVENT_BYTES) -> list[bytes]:
    """``message`` as one or more messages of at most ``limit`` bytes: split in order, or truncated with a mark."""
    if len(message) <= limit:
        return [message]
    if limit < 4:
        raise ValueError("limit must hold at least one UTF-8 character (4 bytes)")
    if policy == "truncate":
        return [message[: _boundary(message, limit - len(TRUNCATION_MARK))] + TRUNCATION_MARK]
    parts, start = [], 0
    while start < len(message):
        end = _boundary(message, start + limit) if start + limit < len(message) else len(message)
        parts.append(message[start:end])
        start = end
    return parts


def within_window(timestamp: int, now_ms: int) -> int:
    """``timestamp`` moved into the span PutLogEvents accepts (14 days back, 2 hours ahead), with a margin."""
    earliest = now_ms - MAX_AGE_MS + WINDOW_MARGIN_MS
    latest = now_ms + MAX_AHEAD_MS - WINDOW_MARGIN_MS
    return min(max(timestamp, earliest), latest)


def prepare(events: Iterable[Event], now_ms: int, oversize: str = "split") -> list[Event]:
    """Fitted, windowed and in time order (records with equal times keep their logging order)."""
    events = list(events)
    if not events:
        return events
    # The usual case, checked with C-level builtins: nothing to fit, nothing to move, already in order.
    timestamps = [timestamp for timestamp, _ in events]
    if (
        max(map(len, (message for _, message in events))) <= MAX_EVENT_BYTES
        and now_ms - MAX_AGE_MS + WINDOW_MARGIN_MS <= min(timestamps)
        and max(timestamps) <= now_ms + MAX_AHEAD_MS - WINDOW_MARGIN_MS
        and timestamps == sorted(timestamps)
    ):
        return events
    ready = [
        (within_window(timestamp, now_ms), part) for timestamp, message in events for part in fit(message, oversize)
    ]
    ready.sort(key=lambda event: event[0])
    return ready


def batches(events: list[Event], max_events: int = MAX_BATCH_EVENTS) -> Iterator[list[Event]]:
    """Cut time-ordered, fitted events into batches that obey PutLogEvents' count, size and span limits."""
    max_events = min(max_events, MAX_BATCH_EVENTS)
    if not events:
        return
    if (
        len(events) <= max_events
        and sum(map(len, (message for _, message in events))) + EVENT_OVERHEAD_BYTES * len(events) <= MAX_BATCH_BYTES
        and events[-1][0] - events[0][0] < MAX_BATCH_SPAN_MS
    ):
        yield events  # fits in one request as it is: no need to walk it event by event
        return
    current: list[Event] = []
    size = 0
    first = 0
    for event in events:
        cost = len(event[1]) + EVENT_OVERHEAD_BYTES
        if current and (
            len(current) >= max_events or size + cost > MAX_BATCH_BYTES or event[0] - first >= MAX_BATCH_SPAN_MS
        ):
            yield current
            current, size = [], 0
        if not current:
            first = event[0]
        current.append(event)
        size += cost
    if current:
        yield current
