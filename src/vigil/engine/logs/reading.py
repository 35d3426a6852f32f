"""GetLogEvents and FilterLogEvents with AWS's paging.

GetLogEvents tokens are cursors between events: ``f/…`` reads the events after a position, ``b/…``
those before it. A forward read that finds nothing returns the token it was given, which is how
clients know they reached the end of the stream.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from vigil.engine.clock import now_ms
from vigil.engine.logs import limits
from vigil.engine.logs.groups import BAD_TOKEN, MAX_POSITION, LogGroups, is_position
from vigil.engine.logs.scope import Scope
from vigil.engine.paging import decode_token, encode_token
from vigil.engine.patterns import compile_pattern
from vigil.errors import invalid_parameter
from vigil.store.records import LogEvent, LogGroup

Key = tuple[int, int]  # (timestamp, event id)
_TOKEN = re.compile(r"([fb])/(\d{20})(\d{20})/s")
_LOWEST: Key = (0, 0)
_HIGHEST: Key = (MAX_POSITION, MAX_POSITION)


def format_cursor(direction: str, key: Key) -> str:
    return f"{direction}/{key[0]:020d}{key[1]:020d}/s"


def parse_cursor(token: str) -> tuple[str, Key]:
    """A cursor's direction and position. Twenty digits reach past what the store holds, so a position
    beyond it is taken as the highest one: every token a reader can be handed stays readable."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise invalid_parameter(BAD_TOKEN)
    return match[1], (min(int(match[2]), MAX_POSITION), min(int(match[3]), MAX_POSITION))


@dataclass(frozen=True)
class StreamPage:
    events: list[LogEvent]
    forward: str
    backward: str


@dataclass(frozen=True)
class FilteredPage:
    events: list[LogEvent]
    next_token: str | None


def _event_bytes(event: LogEvent) -> int:
    return len(event.message.encode()) + limits.EVENT_OVERHEAD_BYTES


def _within_bytes(events: list[LogEvent], *, keep_newest: bool) -> list[LogEvent]:
    """The longest run from the start (or, keeping the newest, the end) that fits in one 1 MB page."""
    ordered = reversed(events) if keep_newest else iter(events)
    total, count = 0, 0
    for event in ordered:
        total += _event_bytes(event)
        if total > limits.MAX_PAGE_BYTES and count:
            break
        count += 1
    return events[len(events) - count :] if keep_newest else events[:count]


def _retained_start(group: LogGroup, start: int | None) -> int | None:
    """``start`` moved past events older than the group's retention, which no read may return even
    before the sweeper has deleted them."""
    if group.retention_days is None:
        return start
    oldest = now_ms() - group.retention_days * limits.DAY_MS
    return oldest if start is None else max(start, oldest)


class Reader:
    def __init__(self, groups: LogGroups) -> None:
        self.groups = groups

    def stream_events(
        self,
        scope: Scope,
        group: LogGroup,
        stream_name: str,
        *,
        start: int | None,
        end: int | None,
        token: str | None,
        limit: int | None,
        start_from_head: bool,
    ) -> StreamPage:
        stream = self.groups.stream(group, stream_name)
        limit = limit or limits.MAX_PAGE_EVENTS
        if token is not None:
            direction, key = parse_cursor(token)
        else:
            direction, key = ("f", _LOWEST) if start_from_head else ("b", _HIGHEST)
        forward = direction == "f"
        events = self.groups.store.stream_events(
            stream.id,
            start=_retained_start(group, start),
            end=end,
            after=key if forward else None,
            before=None if forward else key,
            newest_first=not forward,
            limit=limit,
        )
        events = _within_bytes(events, keep_newest=not forward)
        if events:
            first = (events[0].timestamp, events[0].event_id)
            last = (events[-1].timestamp, events[-1].event_id)
            return StreamPage(events, format_cursor("f", last), format_cursor("b", first))
        if forward:
            # Nothing after ``key``: hand back the token given (AWS's end-of-stream signal); reading
            # backward from just past ``key`` includes the event at ``key`` itself.
            stay = token or format_cursor("f", key)
            return StreamPage([], stay, format_cursor("b", (key[0], min(key[1] + 1, MAX_POSITION))))
        if token is None:  # nothing in range yet: follow the forward token to see what arrives
            return StreamPage([], format_cursor("f", (start or 0, 0)), format_cursor("b", key))
        # Nothing before ``key``: the same backward token, and a forward one that starts at ``key``
        # (event ids start at 1, so id 0 already precedes every event of that millisecond).
        return StreamPage([], format_cursor("f", (key[0], max(key[1] - 1, 0))), token)

    def filter_events(
        self,
        scope: Scope,
        group: LogGroup,
        *,
        stream_names: Sequence[str] | None,
        stream_prefix: str | None,
        start: int | None,
        end: int | None,
        pattern: str | None,
        token: str | None,
        limit: int | None,
    ) -> FilteredPage:
        if stream_names and stream_prefix:
            raise invalid_parameter("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
        if start is not None and end is not None and end < start:
            raise invalid_parameter("endTime must be greater than or equal to startTime.")
        compiled = compile_pattern(pattern)
        stream_ids = None
        if stream_names:
            stream_ids = [s.id for s in self.groups.store.streams_named(group.id, stream_names)]
        elif stream_prefix:
            stream_ids = [
                s.id
                for s in self.groups.store.list_streams(
                    group.id,
                    prefix=stream_prefix,
                    by_last_event=False,
                    descending=False,
                    offset=0,
                    limit=1_000_000,
                )
            ]
        kind = f"FilterLogEvents:{group.id}"
        after = decode_token(token, kind)
        if after is not None and not (isinstance(after, list) and len(after) == 2 and all(map(is_position, after))):
            raise invalid_parameter(BAD_TOKEN)
        limit = limit or limits.MAX_PAGE_EVENTS
        events = self.groups.store.group_events(
            group.id,
            stream_ids=stream_ids,
            start=_retained_start(group, start),
            end=end,
            predicate_sql=compiled.predicate_sql,
            json_only=compiled.kind == "json",
            keyed_sql=compiled.keyed_sql,
            after=tuple(after) if after else None,
            limit=limit + 1,
        )
        more = len(events) > limit
        page = _within_bytes(events[:limit], keep_newest=False)
        more = more or len(page) < min(len(events), limit)
        next_token = encode_token(kind, [page[-1].timestamp, page[-1].event_id]) if more and page else None
        return FilteredPage(page, next_token)
