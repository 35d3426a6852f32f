"""Metric math text -> tokens, each with its 1-based position in the expression (syntax errors name it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from vigil.errors import ServiceError


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "string", "name", "op", "end"
    text: str  # a string token's text is its content, quotes removed
    position: int


_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = ("==", "!=", "<=", ">=", "&&", "||", "+", "-", "*", "/", "^", "<", ">", "(", ")", "[", "]", ",")
# Typeset quotes appear in AWS's own examples (METRICS(“4xx”)), so they close what they open.
_QUOTES = {"'": "'", '"': '"', "\u201c": "\u201d"}


def syntax_error(query_id: str, position: int, detail: str) -> ServiceError:
    message = f"Error in expression {query_id}: Syntax error at position {position}: {detail}"
    return ServiceError("ValidationError", message)


def tokenize(text: str, query_id: str) -> list[Token]:
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
            continue
        position = index + 1
        if char in _QUOTES:
            content, index = _string(text, index, _QUOTES[char], query_id)
            tokens.append(Token("string", content, position))
            continue
        if number := _NUMBER.match(text, index):
            tokens.append(Token("number", number.group(), position))
            index = number.end()
            continue
        if name := _NAME.match(text, index):
            tokens.append(Token("name", name.group(), position))
            index = name.end()
            continue
        operator = next((op for op in _OPERATORS if text.startswith(op, index)), None)
        if operator is None:
            raise syntax_error(query_id, position, f"unexpected character {char!r}")
        tokens.append(Token("op", operator, position))
        index += len(operator)
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _string(text: str, start: int, closing: str, query_id: str) -> tuple[str, int]:
    """The content of the string opening at ``start`` and the index after it. A backslash keeps the character
    after it inside the string; the escapes themselves are kept for SEARCH, whose exact terms use them, except
    an escaped closing quote, which becomes the quote."""
    parts: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            parts.append(following if following == closing else char + following)
            index += 2
            continue
        if char == closing:
            return "".join(parts), index + 1
        parts.append(char)
        index += 1
    raise syntax_error(query_id, start + 1, "the string opened here is never closed")
