"""GetLogRecord and GetLogGroupFields: one event's fields, and how often each field occurs in a group."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from vigil.engine.clock import now_ms
from vigil.engine.logs.pointers import decode_pointer
from vigil.engine.logs.scope import Scope
from vigil.engine.queries.flatten import json_fields
from vigil.errors import invalid_parameter, not_found
from vigil.store.queries import QueriesStore
from vigil.store.records import LogGroup

SYSTEM_FIELDS = ("@timestamp", "@message", "@logStream", "@log", "@ingestionTime")
FIELDS_SAMPLE = 10_000  # the newest events GetLogGroupFields reads in its window
FIELDS_AROUND_MS = 8 * 60_000  # GetLogGroupFields with a time: 8 minutes either side
FIELDS_RECENT_MS = 15 * 60_000  # without one: the last 15 minutes
DAY_MS = 86_400_000


@dataclass(frozen=True)
class FieldShare:
    name: str
    percent: int


class LogRecords:
    def __init__(self, store: QueriesStore) -> None:
        self.store = store

    def record(self, scope: Scope, pointer: str) -> dict[str, str]:
        """Every field of the event an ``@ptr`` names."""
        found = decode_pointer(pointer)
        if found is None:
            raise invalid_parameter("The specified log record pointer is invalid.")
        event = self.store.find_event(
            scope.account_id,
            scope.region,
            found.group_id,
            found.stream_id,
            found.timestamp,
            found.event_id,
            now=now_ms(),
        )
        if event is None:
            raise not_found("The specified log record does not exist.")
        record = json_fields(event.message)
        record.update(
            {
                "@timestamp": str(event.timestamp),
                "@ingestionTime": str(event.ingestion_time),
                "@log": f"{event.account_id}:{event.group_name}",
                "@logStream": event.stream_name,
                "@message": event.message,
            }
        )
        return record

    def field_shares(self, group: LogGroup, time_s: int | None) -> list[FieldShare]:
        """The fields of a group's events around ``time_s`` (or in the last 15 minutes), each with the
        whole percentage of sampled events that have it, most common first. A field found at all reports
        at least 1 %."""
        now = now_ms()
        if time_s is None:
            start, end = now - FIELDS_RECENT_MS, now
        else:
            start, end = time_s * 1000 - FIELDS_AROUND_MS, time_s * 1000 + FIELDS_AROUND_MS
        retention_start = now - group.retention_days * DAY_MS if group.retention_days is not None else None
        messages = self.store.newest_messages(
            group.id, start, end, retention_start=retention_start, limit=FIELDS_SAMPLE
        )
        if not messages:
            return []
        counts: Counter[str] = Counter({name: len(messages) for name in SYSTEM_FIELDS})
        # Infrequent Access groups get no field discovery.
        if group.log_group_class != "INFREQUENT_ACCESS":
            for message in messages:
                counts.update(json_fields(message).keys())
        shares = [FieldShare(name, max(1, round(100 * n / len(messages)))) for name, n in counts.items()]
        shares.sort(key=lambda share: (-share.percent, share.name))
        return shares
