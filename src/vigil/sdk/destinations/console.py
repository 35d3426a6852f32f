"""The console: readable lines on a terminal, JSON lines when the output is a pipe or a file."""

from __future__ import annotations

import logging
import sys
from typing import IO, Any

from vigil.sdk.formatters import make_formatter


class ConsoleDestination(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to ``stream`` (standard output by default, as the seed's console destination does).

    ``format``: ``"auto"`` (console on a terminal, JSON otherwise), ``"json"``, ``"console"``, a format string
    or a ``logging.Formatter``. The stream is looked up at each write when not given, so that tools which swap
    ``sys.stdout`` (pytest's capture, for one) see the output.
    """

    def __init__(self, stream: IO[str] | None = None, level: int | str = logging.NOTSET, format: Any = "auto") -> None:
        super().__init__(stream if stream is not None else sys.stdout)
        self._follow_stdout = stream is None
        self.setLevel(level)
        self.setFormatter(make_formatter(format, self.stream))

    def emit(self, record: logging.LogRecord) -> None:
        if self._follow_stdout:
            self.stream = sys.stdout
        super().emit(record)
