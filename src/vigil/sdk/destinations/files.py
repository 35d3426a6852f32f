"""Log files: rotated by size or daily, and the three-file layout under ``LOG_DIR`` that applications expect.

The stdlib's rotating handlers already hold the handler lock across the size check, the rollover and the write,
so concurrent threads never interleave lines; these classes add Vigil's formatting and defaults, and create the
directory. Rotation is per process: several processes writing one file need one file each (or a shipper).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path
from typing import Any

from vigil.sdk.formatters import make_formatter

# Never lose a record to a character the encoding cannot take (a lone surrogate from a mis-decoded file name).
_ENCODING_ERRORS = "backslashreplace"


def _ensure_parent(path: str | os.PathLike[str]) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)


class SizeRotatedFile(logging.handlers.RotatingFileHandler):
    """Writes to ``path``; when the next record would take it past ``max_bytes``, it becomes ``path.1`` (the
    older ``path.1`` becomes ``path.2``, and so on), keeping ``backup_count`` of them.

    ``format``: ``"json"`` (one object per line), ``"console"``/``"text"`` (readable lines, no colours), a
    ``%``-format string or a ``logging.Formatter``; ``"auto"`` means JSON, since a file is not a terminal.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_bytes: int = 10 * 1024 * 1024,
        backup_count: int = 5,
        level: int | str = logging.NOTSET,
        format: Any = "json",
        encoding: str = "utf-8",
    ) -> None:
        _ensure_parent(path)
        super().__init__(path, maxBytes=max_bytes, backupCount=backup_count, encoding=encoding, errors=_ENCODING_ERRORS)
        self.setLevel(level)
        self.setFormatter(make_formatter(format, self.stream))


class DailyRotatedFile(logging.handlers.TimedRotatingFileHandler):
    """Writes to ``path``; at midnight (UTC unless ``utc=False``) it becomes ``path.YYYY-MM-DD``, named for the
    day it holds, keeping ``backup_count`` days. ``format`` as for ``SizeRotatedFile``."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        backup_count: int = 14,
        level: int | str = logging.NOTSET,
        format: Any = "json",
        utc: bool = True,
        encoding: str = "utf-8",
    ) -> None:
        _ensure_parent(path)
        super().__init__(
            path, when="midnight", backupCount=backup_count, encoding=encoding, utc=utc, errors=_ENCODING_ERRORS
        )
        self.setLevel(level)
        self.setFormatter(make_formatter(format, self.stream))


def log_dir_destinations(
    log_dir: str | os.PathLike[str],
    app_name: str = "app",
    *,
    level: int | str = logging.NOTSET,
    text_format: str | None = None,
) -> list[logging.Handler]:
    """The usual layout of an application's logs in ``log_dir``:

    - ``<app_name>.log``: every record as a readable line (``text_format``, a ``%``-format string such as
      ``LOG_FORMAT``, when given), rotated at 10 MB;
    - ``<app_name>_error.log``: ERROR and CRITICAL records, same lines, rotated daily;
    - ``<app_name>_structured.json``: every record as one JSON object per line, rotated at 20 MB.
    """
    directory = Path(log_dir)
    directory.mkdir(parents=True, exist_ok=True)
    text = text_format or "console"
    every = SizeRotatedFile(directory / f"{app_name}.log", level=level, format=text)
    errors = DailyRotatedFile(directory / f"{app_name}_error.log", level=logging.ERROR, format=text)
    if every.level > logging.ERROR:  # level=CRITICAL: the error file does not lower it
        errors.setLevel(every.level)
    structured = SizeRotatedFile(directory / f"{app_name}_structured.json", max_bytes=20 * 1024 * 1024, level=level)
    return [every, errors, structured]
