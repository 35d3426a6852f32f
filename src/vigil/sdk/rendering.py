"""Turning an event dict into bytes (JSON) or into a line for a person to read (console)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

# Non-string keys are rare (a nested dict keyed by numbers) and OPT_NON_STR_KEYS doubles the cost of every
# record: such a record takes the fallback path instead.


_MAX_DEPTH = 32


def _as_text(value: Any) -> Any:
    """orjson's ``default``: sets become lists, anything else its text."""
    if isinstance(value, set | frozenset):
        return list(value)
    try:
        return str(value)
    except Exception:  # a broken __str__ must not break logging
        return f"<unprintable {type(value).__name__}>"


def _safe_text(text: str) -> str:
    # orjson refuses lone surrogates (a mis-decoded file name, say): keep them visible as escapes.
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _plain(value: Any, depth: int = 0) -> Any:
    """A copy orjson can always encode: unknown objects, out-of-range integers and keys that are not text become
    text; nesting deeper than 32 levels (a value that contains itself, say) is cut off."""
    if depth > _MAX_DEPTH:
        return "<nested too deep>"
    if isinstance(value, Mapping):
        return {_safe_text(_as_text(k)): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64:
        return str(value)
    if isinstance(value, str):
        return _safe_text(value)
    if value is None or isinstance(value, int | float | bool):
        return value
    try:
        orjson.dumps(value, default=_as_text)
    except TypeError:
        return _safe_text(str(_as_text(value)))
    return value


def render_json(event: Mapping[str, Any]) -> bytes:
    """One JSON object, UTF-8, no trailing newline. Anything orjson cannot encode natively is rendered as text."""
    try:
        return orjson.dumps(event)
    except TypeError:  # something orjson does not know natively: a set, a custom object, a lone surrogate
        pass
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


_LINKS = {
    "cause": "The above exception was the direct cause of the following exception:",
    "context": "During handling of the above exception, another exception occurred:",
}


def traceback_text(exception: Mapping[str, Any]) -> str:
    """A structured exception (already redacted) written out the way Python prints a traceback."""
    text = ""
    for link, label in _LINKS.items():
        if isinstance(exception.get(link), Mapping):
            text = f"{traceback_text(exception[link])}\n\n{label}\n\n"
    lines = ["Traceback (most recent call last):"]
    for frame in exception.get("traceback", []):
        lines.append(f'  File "{frame.get("file")}", line {frame.get("line")}, in {frame.get("function")}')
        if frame.get("code"):
            lines.append(f"    {frame['code']}")
    message = exception.get("message")
    lines.append(f"{exception.get('type')}: {message}" if message else str(exception.get("type")))
    return text + "\n".join(lines)


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
