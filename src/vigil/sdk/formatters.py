"""``logging.Formatter`` faces of the pipeline, so any stdlib handler can write Vigil's records."""

from __future__ import annotations

import logging
import sys
from typing import IO, Any

from vigil.sdk.pipeline import Pipeline, current_pipeline
from vigil.sdk.rendering import render_console, traceback_text


class JSONFormatter(logging.Formatter):
    """One JSON object per record, from the pipeline (the current ``vigil.configure`` one unless given)."""

    def __init__(self, pipeline: Pipeline | None = None) -> None:
        super().__init__()
        self.pipeline = pipeline

    def render(self, record: logging.LogRecord) -> bytes:
        return (self.pipeline or current_pipeline()).json(record)

    def format(self, record: logging.LogRecord) -> str:
        return self.render(record).decode()


class ConsoleFormatter(logging.Formatter):
    """A readable line per record with its fields and traceback; coloured when asked to."""

    def __init__(self, pipeline: Pipeline | None = None, colours: bool = False) -> None:
        super().__init__()
        self.pipeline = pipeline
        self.colours = colours

    def format(self, record: logging.LogRecord) -> str:
        return render_console((self.pipeline or current_pipeline()).event(record), colours=self.colours)


class TemplateFormatter(logging.Formatter):
    """A ``%``-style format string (``LOG_FORMAT``) filled from the processed event, not the raw record.

    So ``%(message)s`` is the redacted message, ``%(request_id)s`` works for context fields, an ``extra=``
    secret prints masked, and the traceback below the line is the redacted one.
    """

    def __init__(self, fmt: str, datefmt: str | None = None, pipeline: Pipeline | None = None) -> None:
        super().__init__(fmt, datefmt, style="%", validate=True)
        self.pipeline = pipeline

    def format(self, record: logging.LogRecord) -> str:
        event = (self.pipeline or current_pipeline()).event(record)
        values = {key: value for key, value in record.__dict__.items() if key not in ("msg", "args")}
        values.update(event)
        if self.usesTime():
            values["asctime"] = self.formatTime(record, self.datefmt)
        text = self._fmt % values if self._fmt else str(event["message"])
        if isinstance(event.get("exception"), dict):
            text = f"{text}\n{traceback_text(event['exception'])}"
        return text


def is_terminal(stream: IO[Any]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def make_formatter(spec: str | logging.Formatter | None, stream: IO[Any] | None = None) -> logging.Formatter:
    """A formatter from a destination's ``format=``.

    ``"json"``; ``"console"`` (or ``"text"``); ``"auto"``/``None``: console on a terminal, JSON otherwise; a
    ``logging.Formatter``; anything else is a ``%``-style format string, as ``LOG_FORMAT`` is in the stdlib.
    """
    if isinstance(spec, logging.Formatter):
        return spec
    choice = (spec or "auto").strip()
    if choice.lower() == "auto":
        terminal = is_terminal(stream if stream is not None else sys.stderr)
        return ConsoleFormatter(colours=True) if terminal else JSONFormatter()
    if choice.lower() == "json":
        return JSONFormatter()
    if choice.lower() in ("console", "text", "pretty"):
        return ConsoleFormatter(colours=is_terminal(stream) if stream is not None else False)
    return TemplateFormatter(choice)
