"""``@ptr``: the opaque pointer to one stored event that Insights rows carry and GetLogRecord reads."""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass

_LAYOUT = struct.Struct(">4q")  # group id, stream id, timestamp, event id


@dataclass(frozen=True)
class RecordPointer:
    group_id: int
    stream_id: int
    timestamp: int
    event_id: int


def encode_pointer(group_id: int, stream_id: int, timestamp: int, event_id: int) -> str:
    raw = _LAYOUT.pack(group_id, stream_id, timestamp, event_id)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_pointer(text: str) -> RecordPointer | None:
    """The event a pointer names, or None when ``text`` is not a pointer this server issued."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != _LAYOUT.size or encode_pointer(*_LAYOUT.unpack(raw)) != text:
        return None
    return RecordPointer(*_LAYOUT.unpack(raw))
