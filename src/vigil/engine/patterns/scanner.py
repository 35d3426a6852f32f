"""Reading a pattern's text left to right, and the errors that name where it went wrong."""

from __future__ import annotations

import math
import re

from vigil.engine.patterns.ast import Number, Operator, Regex, Text, Value, Wildcard
from vigil.engine.patterns.regex import regex_error, to_re2
from vigil.errors import ServiceError, invalid_parameter

NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
OPERATORS: tuple[Operator, ...] = ("!=", "<=", ">=", "=", "<", ">")  # two-character ones first
MAX_REGEXES = 2  # per JSON or space-delimited pattern
# A bare value ends at whitespace or at a character that means something in the pattern's grammar.
_BARE_STOP = frozenset('(){}[],&|"!=<>')


class Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.regexes = 0

    def error(self, what: str, pos: int | None = None, *, expected: str | None = None) -> ServiceError:
        """``what`` went wrong at ``pos`` (0-based; reported counting from 1)."""
        where = self.pos if pos is None else pos
        message = f'Invalid filter pattern: {what} at position {where + 1} in "{self.text}"'
        return invalid_parameter(message + (f" (expected {expected})" if expected else ""))

    def unexpected(self, expected: str | None = None) -> ServiceError:
        """An error about whatever comes next."""
        found = "end of pattern" if self.at_end() else repr(self.text[self.pos])
        return self.error(f"unexpected {found}", expected=expected)

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def take(self, literal: str) -> bool:
        """Consume ``literal`` (after any spaces) if it comes next."""
        self.skip_space()
        if self.text.startswith(literal, self.pos):
            self.pos += len(literal)
            return True
        return False

    def expect(self, literal: str) -> None:
        if not self.take(literal):
            raise self.unexpected(repr(literal))

    def expect_end(self) -> None:
        self.skip_space()
        if not self.at_end():
            raise self.unexpected()

    def word(self) -> str:
        """A run of letters (keywords such as ``IS`` and ``NULL``), or ''."""
        self.skip_space()
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos].isalpha():
            self.pos += 1
        return self.text[start : self.pos]

    def operator(self) -> Operator | None:
        self.skip_space()
        for op in OPERATORS:
            if self.text.startswith(op, self.pos):
                self.pos += len(op)
                return op
        return None

    def comparison(self, subject: str) -> tuple[Operator, Value]:
        """``OP VALUE`` after ``subject`` (a selector or a field name): ordering operators take numbers
        only."""
        operator = self.operator()
        if operator is None:
            raise self.unexpected(f"an operator after {subject}")
        self.skip_space()
        value_at = self.pos
        value = self.value(operator)
        if operator not in ("=", "!=") and not isinstance(value, Number):
            raise self.error(f"{operator!r} compares numbers only", value_at)
        return operator, value

    def quoted(self) -> str:
        """A double-quoted string; a backslash takes the next character literally."""
        start = self.pos
        self.pos += 1  # the opening quote
        chars: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == '"':
                self.pos += 1
                return "".join(chars)
            if char == "\\" and self.pos + 1 < len(self.text):
                self.pos += 1
                char = self.text[self.pos]
            chars.append(char)
            self.pos += 1
        raise self.error("unterminated quoted string", start)

    def regex(self) -> str:
        """``%regex%``, checked and translated to RE2; at most two per structured pattern."""
        start = self.pos
        self.pos += 1  # the opening %
        while self.pos < len(self.text) and self.text[self.pos] != "%":
            self.pos += 2 if self.text[self.pos] == "\\" else 1
        if self.pos >= len(self.text):
            raise self.error("unterminated regular expression", start, expected="a closing '%'")
        body = self.text[start + 1 : self.pos]
        self.pos += 1
        problem = regex_error(body)
        if problem is not None:
            what, offset = problem
            raise self.error(what, start + 1 + offset)
        return to_re2(body)

    def value(self, after: str) -> Value:
        """The value after an operator: ``"quoted"``, ``%regex%``, a number or a bare word; any of the
        strings may hold ``*`` wildcards."""
        self.skip_space()
        start = self.pos
        if self.peek() == '"':
            text = self.quoted()
            return Wildcard(text) if "*" in text else Text(text)
        if self.peek() == "%":
            self.regexes += 1
            if self.regexes > MAX_REGEXES:
                raise self.error(f"a pattern may hold at most {MAX_REGEXES} regular expressions", start)
            return Regex(self.regex())
        while self.pos < len(self.text) and not self.text[self.pos].isspace() and self.text[self.pos] not in _BARE_STOP:
            self.pos += 1
        bare = self.text[start : self.pos]
        if not bare:
            raise self.unexpected(f"a value after {after!r}")
        if NUMBER.fullmatch(bare):
            number = float(bare)
            if not math.isfinite(number):
                raise self.error(f"number {bare} is out of range", start)
            return Number(number, bare)
        return Wildcard(bare) if "*" in bare else Text(bare)
