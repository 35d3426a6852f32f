"""How an event splits into the fields of a space-delimited pattern, and the regex that narrows the
events worth splitting.

An event is read left to right into tokens, like a scanner: a ``[`` with a ``]`` somewhere after it
opens a bracketed field that ends at that ``]``, a ``"`` with another ``"`` after it a quoted field,
and anything else is a run of non-space characters (so an unclosed ``[`` or ``"`` is an ordinary
character). Whitespace between tokens is dropped, and so are a field's brackets or quotes.
``regexp_extract_all`` with ``TOKEN`` does exactly that.

Splitting every event costs more than RE2's DFA deciding whether a regex matches, so conditions that
are plain text or wildcards are also written into a regex of the pattern's layout (``narrowed``). It
is looser than the pattern (it allows every way of splitting a line, not only the scanner's) and never
stricter, so only events it matches need splitting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vigil.engine.patterns.ast import And, Condition, DelimitedPattern, Field, FieldTest, Or, Skip, Text, Wildcard

TOKEN = r'\[[^\]]*\]|"[^"]*"|\S+'
_ANY_TOKEN = f"(?:{TOKEN})"
_NEVER = r"\b\B"  # a field no text can fill
_RE2_SPACE = frozenset("\t\n\f\r ")


def prefix(tokens: int) -> str:
    """The start of an event up to its ``tokens``-th token, whitespace after it included."""
    return rf"(?s)^\s*(?:{_ANY_TOKEN}\s*){{{tokens}}}" if tokens else r"^\s*"


@dataclass(frozen=True)
class _Shape:
    """One way a field's text can appear in an event."""

    opening: str
    closing: str
    char: str  # the regex for one character of the field's text
    allows: Callable[[str], bool]  # whether a literal character can be part of that text
    generic: str  # the regex for any text of this shape


_BRACKETED = _Shape(r"\[", r"\]", r"[^\]]", lambda c: c != "]", r"[^\]]*")
_QUOTED = _Shape('"', '"', r'[^"]', lambda c: c != '"', r'[^"]*')
_PLAIN = _Shape("", "", r"\S", lambda c: c not in _RE2_SPACE, r"\S+")
_REST = _Shape("", "", ".", lambda c: True, r".+")  # the last field without ``...``: the rest of the line

Content = Callable[[_Shape], str | None]  # a field's text in one shape; None when it cannot have it


def _escape(text: str) -> str:
    out = []
    for char in text:
        if char.isalnum() or not char.isascii():
            out.append(char)
        elif char.isprintable() and char != " ":
            out.append("\\" + char)
        else:
            out.append(f"\\x{ord(char):02x}")
    return "".join(out)


def _glob(glob: str) -> Content:
    pieces = glob.split("*")

    def content(shape: _Shape) -> str | None:
        if not all(shape.allows(c) for piece in pieces for c in piece):
            return None
        return f"{shape.char}*".join(_escape(piece) for piece in pieces)

    return content


def _any_of(parts: list[Content]) -> Content:
    def content(shape: _Shape) -> str | None:
        found = [text for text in (part(shape) for part in parts) if text is not None]
        return "(?:" + "|".join(found) + ")" if found else None

    return content


def _content(condition: Condition | None) -> Content | None:
    """What a condition requires of a field's text, as far as a regex can say it without being stricter
    than the condition; None when it requires nothing a regex can use."""
    if isinstance(condition, FieldTest) and condition.operator == "=":
        if isinstance(condition.value, Text):
            return _glob(condition.value.text)  # no * in it: an exact text
        if isinstance(condition.value, Wildcard):
            return _glob(condition.value.glob)
    if isinstance(condition, Or):
        parts = [_content(part) for part in condition.parts]
        return _any_of([p for p in parts if p is not None]) if all(p is not None for p in parts) else None
    if isinstance(condition, And):
        return next((c for c in map(_content, condition.parts) if c is not None), None)
    return None


def _field(content: Content | None, *, rest: bool) -> str:
    options = []
    for shape in (_BRACKETED, _QUOTED, _REST if rest else _PLAIN):
        text = shape.generic if content is None else content(shape)
        if text is not None:
            options.append(shape.opening + text + shape.closing)
    return "(?:" + "|".join(options) + ")" if options else _NEVER


def narrowed(pattern: DelimitedPattern) -> str | None:
    """A regex every matching event matches, or None when the conditions give it nothing to narrow by."""
    contents = {f.position: _content(f.condition) for f in pattern.fields}
    if all(content is None for content in contents.values()):
        return None
    rest = None if any(isinstance(e, Skip) for e in pattern.elements) else pattern.fields[-1]
    body = []
    for element in pattern.elements:
        if isinstance(element, Skip):
            body.append(rf"(?:{_ANY_TOKEN}\s*)*?")
        else:
            body.append(_field(contents[element.position], rest=element is rest) + r"\s*")
    return r"(?s)^\s*" + "".join(body) + "$"


@dataclass(frozen=True)
class Placement:
    """Where a field's token is: its index from the start (1-based) or, after ``...``, from the end
    (negative); ``rest`` when, as the last field without ``...``, it takes the rest of the line."""

    index: int
    rest: bool


def placements(pattern: DelimitedPattern) -> dict[int, Placement]:
    elements = pattern.elements
    skip = next((i for i, e in enumerate(elements) if isinstance(e, Skip)), None)
    fields = pattern.fields
    if skip is None:
        return {f.position: Placement(f.position, rest=f is fields[-1]) for f in fields}
    after = [e for e in elements[skip + 1 :] if isinstance(e, Field)]
    found = {f.position: Placement(f.position, rest=False) for f in elements[:skip] if isinstance(f, Field)}
    return found | {f.position: Placement(i - len(after), rest=False) for i, f in enumerate(after)}
