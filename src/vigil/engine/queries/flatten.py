"""The fields Insights discovers in a JSON log event, as plain strings: GetLogRecord and GetLogGroupFields
read a handful of events each, so this runs in Python rather than SQL."""

from __future__ import annotations

import json
from typing import Any

MAX_FIELDS = 200  # AWS extracts at most 200 fields from one event


def _reject_constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


def json_fields(message: str) -> dict[str, str]:
    """Every leaf of the JSON object in a message under its dotted path, arrays numbered from 0
    (``a.b.0.c``).

    As in queries, the object is the message itself or its first JSON fragment, from the first ``{`` to
    the last ``}`` (``2024-05-01 INFO {"a": 1}``). Numbers keep their JSON spelling, true/false become
    "true"/"false", and nulls and empty objects or arrays are left out. A name that already starts with
    ``@`` gets one more in front.
    """
    first, last = message.find("{"), message.rfind("}")
    if first < 0 or last < first:
        return {}
    try:
        document = json.loads(
            message[first : last + 1], parse_int=str, parse_float=str, parse_constant=_reject_constant
        )
    except ValueError:
        return {}
    if not isinstance(document, dict):
        return {}
    found: dict[str, str] = {}
    _walk(document, "", found)
    return found


def _walk(value: Any, path: str, found: dict[str, str]) -> None:
    if len(found) >= MAX_FIELDS:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _walk(item, f"{path}.{key}" if path else key, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}.{index}", found)
    elif value is not None:
        name = "@" + path if path.startswith("@") else path
        found[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
