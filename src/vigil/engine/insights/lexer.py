"""Tokens of the Logs Insights language, read on demand.

The parser asks for one token at a time and says whether an operand may start there, because `/` is a
regex literal where an operand may start (`like /x/`, `parse @message /x/`) and division elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from vigil.errors import ServiceError


class T(Enum):
    IDENT = "field name"
    NUMBER = "number"
    DURATION = "duration"
    STRING = "string"
    REGEX = "regex"
    OP = "operator"
    END = "end of query"


@dataclass(frozen=True)
class Token:
    type: T
    text: str  # the source text of the token
    start: int  # offset of its first character
    end: int
    value: object = None  # str for strings/regexes, tuple of segments for names, (amount, unit) for durations

    def is_word(self, *words: str) -> bool:
        """An unquoted single-segment name equal to one of ``words``, ignoring case."""
        return self.type is T.IDENT and self.text.lower() in words

    def is_op(self, *ops: str) -> bool:
        return self.type is T.OP and self.text in ops

    def duration(self) -> tuple[int, str]:
        """(amount, canonical unit) of a DURATION token."""
        assert self.type is T.DURATION and isinstance(self.value, tuple)
        amount, unit = self.value
        return int(amount), str(unit)


# Canonical unit -> the spellings bin() and the duration literals accept (plural `s` on multi-letter forms).
UNITS: dict[str, tuple[str, ...]] = {
    "ms": ("ms", "msec", "msecs", "millisecond", "milliseconds"),
    "s": ("s", "sec", "secs", "second", "seconds"),
    "m": ("m", "min", "mins", "minute", "minutes"),
    "h": ("h", "hr", "hrs", "hour", "hours"),
    "d": ("d", "day", "days"),
    "w": ("w", "week", "weeks"),
    "mo": ("mo", "mon", "mons", "month", "months"),
    "q": ("q", "qtr", "qtrs", "quarter", "quarters"),
    "y": ("y", "yr", "yrs", "year", "years"),
}
_UNIT_OF = {spelling: unit for unit, spellings in UNITS.items() for spelling in spellings}

_OPS = ("=~", "!=", "<=", ">=", "|", ",", "(", ")", "[", "]", "=", "<", ">", "+", "-", "*", "/", "%", "^", ":", ".")
_NUMBER = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_WORD_START = re.compile(r"[A-Za-z_@]")
_WORD = re.compile(r"[A-Za-z0-9_@]+(?:\.[A-Za-z0-9_@]+)*")
_UNIT_WORD = re.compile(r"[A-Za-z]+")
_SEGMENT_AFTER_DOT = re.compile(r"\.(?=[A-Za-z0-9_@`])")


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def malformed(text: str, offset: int, detail: str) -> ServiceError:
    """MalformedQueryException naming the 1-based line and column of ``offset``."""
    line, column = position(text, offset)
    return ServiceError("MalformedQueryException", f"Query is malformed at line {line}, column {column}: {detail}")


class Lexer:
    def __init__(self, text: str) -> None:
        self.text = text

    def skip(self, offset: int) -> int:
        """The offset of the next meaningful character: whitespace and `#` comments (to line end) skipped."""
        text = self.text
        while offset < len(text):
            char = text[offset]
            if char.isspace():
                offset += 1
            elif char == "#":
                newline = text.find("\n", offset)
                offset = len(text) if newline < 0 else newline + 1
            else:
                break
        return offset

    def token(self, offset: int, *, operand: bool) -> Token:
        """The token at ``offset`` (after blanks). ``operand``: a regex literal may start here."""
        text = self.text
        start = self.skip(offset)
        if start >= len(text):
            return Token(T.END, "", start, start)
        char = text[start]
        if char in "\"'":
            return self._string(start, char)
        if char == "`" or _WORD_START.match(char):
            return self._name(start)
        if char == "/" and operand:
            return self._regex(start)
        number = _NUMBER.match(text, start)
        if number and (char.isdigit() or char == "."):
            return self._number(start, number.end())
        for op in _OPS:
            if text.startswith(op, start):
                return Token(T.OP, op, start, start + len(op))
        raise malformed(text, start, f"unexpected character {char!r}")

    def _number(self, start: int, end: int) -> Token:
        text = self.text
        number_text = text[start:end]
        unit = _UNIT_WORD.match(text, end)
        if unit:
            spelling = unit.group()
            canonical = _UNIT_OF.get(spelling.lower())
            if canonical is None or not number_text.isdigit():
                raise malformed(
                    text, start, f"expected a number or a duration such as 5m, found {text[start : unit.end()]!r}"
                )
            return Token(T.DURATION, text[start : unit.end()], start, unit.end(), (int(number_text), canonical))
        value: float | int = int(number_text) if number_text.isdigit() else float(number_text)
        return Token(T.NUMBER, number_text, start, end, value)

    def _string(self, start: int, quote: str) -> Token:
        # Only the quote itself and the backslash are escapes, so regex-like text ("\d", "\[") stays as written.
        text = self.text
        out: list[str] = []
        index = start + 1
        while index < len(text):
            char = text[index]
            if char == "\\" and index + 1 < len(text) and text[index + 1] in (quote, "\\"):
                out.append(text[index + 1])
                index += 2
            elif char == quote:
                return Token(T.STRING, text[start : index + 1], start, index + 1, "".join(out))
            else:
                out.append(char)
                index += 1
        raise malformed(text, start, "unterminated string")

    def _regex(self, start: int) -> Token:
        text = self.text
        out: list[str] = []
        index = start + 1
        while index < len(text):
            char = text[index]
            if char == "\\" and index + 1 < len(text):
                # `\/` is a slash inside the literal; every other escape belongs to the regex.
                out.append("/" if text[index + 1] == "/" else text[index : index + 2])
                index += 2
            elif char == "/":
                return Token(T.REGEX, text[start : index + 1], start, index + 1, "".join(out))
            elif char == "\n":
                break
            else:
                out.append(char)
                index += 1
        raise malformed(text, start, "unterminated regex")

    def _name(self, start: int) -> Token:
        """A field name: dot-separated segments, each plain or backticked (``json.`user.id` ``)."""
        text = self.text
        segments: list[str] = []
        index = start
        while True:
            if index < len(text) and text[index] == "`":
                close = text.find("`", index + 1)
                if close < 0:
                    raise malformed(text, index, "unterminated backticked name")
                segments.append(text[index + 1 : close])
                index = close + 1
            else:
                word = _WORD.match(text, index)
                if not word:
                    raise malformed(text, index, "expected a field name")
                segments.extend(word.group().split("."))
                index = word.end()
            if not _SEGMENT_AFTER_DOT.match(text, index):
                break
            index += 1
        return Token(T.IDENT, text[start:index], start, index, tuple(segments))
