"""Turning an event dict into bytes (JSON) or into a line for a person to read (console)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

# Non-string keys are rare (a nested dict keyed by numbers) and OPT_NON_STR_KEYS doubles the cost of every
# record: such a record takes the fallback path instead.


def _as_text(value: Any) -> str:
    try:
        return str(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"


def _plain(value: Any) -> Any:
    """A copy orjson can always encode: unknown objects and out-of-range integers become strings."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64:
        return str(value)
    if isinstance(value, str):
        # orjson refuses lone surrogates (a mis-decoded file name, say): keep them visible as escapes.
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if value is None or isinstance(value, int | float | bool):
        return value
    try:
        orjson.dumps(value)
    except TypeError:
        return _as_text(value)
    return value


def render_json(event: Mapping[str, Any]) -> bytes:
    """One JSON object, UTF-8, no trailing newline. Anything orjson cannot encode natively is rendered as text."""
    try:
        return orjson.dumps(event, default=_as_text)
    except TypeError:
        return orjson.dumps(_plain(event))


_LEVEL_COLOURS = {
    "DEBUG": "\x1b[2m",
    "INFO": "\x1b[32m",
    "WARNING": "\x1b[33m",
    "ERROR": "\x1b[31m",
    "CRITICAL": "\x1b[1;41m",
}
_RESET = "\x1b[0m"
_HEADLINE = frozenset({"timestamp", "level", "logger", "message", "exception", "stack"})
_SOURCE = frozenset({"module", "function", "line", "process_id", "thread_id"})


def traceback_text(exception: Mapping[str, Any]) -> str:
    """A structured exception (already redacted) written out the way Python prints a traceback."""
    parts: list[str] = []
    current: Mapping[str, Any] | None = exception
    while current is not None:
        lines = ["Traceback (most recent call last):"]
        for frame in current.get("traceback", []):
            lines.append(f'  File "{frame.get("file")}", line {frame.get("line")}, in {frame.get("function")}')
            if frame.get("code"):
                lines.append(f"    {frame['code']}")
        message = current.get("message")
        lines.append(f"{current.get('type')}: {message}" if message else str(current.get("type")))
        parts.insert(0, "\n".join(lines))
        current = current.get("cause")
    return "\n\nThe above exception was the direct cause of the following exception:\n\n".join(parts)


def render_console(event: Mapping[str, Any], colours: bool = False) -> str:
    """``12:34:56.789 INFO     my_app  Processing request  user_id=user123`` with the traceback below."""
    level = str(event.get("level", ""))
    timestamp = str(event.get("timestamp", ""))
    clock = timestamp[11:23] if len(timestamp) >= 23 else timestamp
    label = f"{level:<8}"
    if colours and level in _LEVEL_COLOURS:
        label = f"{_LEVEL_COLOURS[level]}{label}{_RESET}"
    fields = " ".join(
        f"{key}={_field_text(value)}" for key, value in event.items() if key not in _HEADLINE and key not in _SOURCE
    )
    line = f"{clock} {label} {event.get('logger', '')}  {event.get('message', '')}"
    if fields:
        line = f"{line}  {fields}"
    if isinstance(event.get("exception"), Mapping):
        line = f"{line}\n{traceback_text(event['exception'])}"
    if "stack" in event:
        line = f"{line}\n{event['stack']}"
    return line


def _field_text(value: Any) -> str:
    if isinstance(value, str):
        return value if value and " " not in value else orjson.dumps(value).decode()
    return render_json(value).decode() if isinstance(value, Mapping | list | tuple) else _as_text(value)
