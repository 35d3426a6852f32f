"""``logging.Formatter`` faces of the pipeline, so any stdlib handler can write Vigil's records."""

from __future__ import annotations

import logging
import sys
from typing import IO, Any

from vigil.sdk.pipeline import Pipeline, current_pipeline
from vigil.sdk.processors import exception_text
from vigil.sdk.rendering import render_console


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
        event = (self.pipeline or current_pipeline()).event(record)
        trace = exception_text(record.exc_info) if record.exc_info and record.exc_info[1] is not None else None
        return render_console(event, colours=self.colours, exception_text=trace)


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
    return logging.Formatter(choice)
