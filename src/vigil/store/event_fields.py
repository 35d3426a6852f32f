"""What ingest reads out of each message once, so that queries can narrow their scan without reading it.

Besides `is_json` and `size` (migration 003), every event records:

- the values of a few well-known JSON keys of a JSON object message, in columns of their own, as the
  JSON text `json_extract(message, '$."key"')` gives: the first occurrence of the key, written back
  canonically (`"ERROR"` with its quotes and no escapes left that JSON does not need, `1.5`, `null`).
  A filter such as `level = "ERROR"` then reads one small, dictionary-compressed column instead of
  every message, and Insights reads the field of a JSON object message from it without parsing.
- `json_fragment`: the message is not a JSON object but holds a `{`, so an object may be embedded in it
  (`INFO {"level": "ERROR"}`) and only its text can tell. A message that is neither has no JSON fields.
"""

from __future__ import annotations

# JSON key -> the log_events column holding its value (the design brief's "level, request id, trace id").
KEYED_FIELDS: dict[str, str] = {
    "level": "field_level",
    "request_id": "field_request_id",
    "trace_id": "field_trace_id",
}


def stored_string(text: str) -> str | None:
    """How a JSON string whose value is ``text`` is stored (canonical JSON text), or None when JSON escapes
    some of it (a quote, a backslash, a control character), whose stored spelling callers need not guess."""
    if any(c in ('"', "\\") or c < " " for c in text):
        return None
    return f'"{text}"'


def object_message(message: str, is_json: str) -> str:
    """SQL: the message is a JSON object, so it is its own document (the Insights `document` rule)."""
    return f"({is_json} AND {message} LIKE '{{%}}')"


def insert_events(source: str) -> str:
    """SQL inserting the events of ``source`` (the log_events columns up to `message`) with their facts.
    The keyed fields come from one parse of each JSON object message."""
    is_object = object_message("message", "is_json")
    paths = ", ".join(f"'$.\"{key}\"'" for key in KEYED_FIELDS)
    keyed = ", ".join(f"keyed[{position}]" for position in range(1, len(KEYED_FIELDS) + 1))
    return (
        "INSERT INTO log_events SELECT group_id, stream_id, event_id, timestamp, ingestion_time, message, is_json, "
        f"size, NOT {is_object} AND contains(message, '{{'), {keyed} FROM ("
        "SELECT *, json_valid(message) AS is_json, strlen(message) AS size, "
        f"CASE WHEN {is_object} THEN json_extract(message, [{paths}])::VARCHAR[] END AS keyed FROM {source})"
    )
