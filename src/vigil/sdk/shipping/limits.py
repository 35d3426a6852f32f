"""PutLogEvents' rules (AWS CloudWatch Logs API reference, PutLogEvents)."""

from __future__ import annotations

MAX_BATCH_BYTES = 1_048_576  # the sum of every event's UTF-8 message size plus 26 bytes each
EVENT_OVERHEAD_BYTES = 26
MAX_BATCH_EVENTS = 10_000
MAX_EVENT_BYTES = MAX_BATCH_BYTES - EVENT_OVERHEAD_BYTES  # one event alone must fit in a batch
MAX_BATCH_SPAN_MS = 24 * 60 * 60 * 1000  # a batch may not span more than 24 hours
MAX_AGE_MS = 14 * 24 * 60 * 60 * 1000  # events older than 14 days are rejected...
MAX_AHEAD_MS = 2 * 60 * 60 * 1000  # ...and so are events more than 2 hours in the future
