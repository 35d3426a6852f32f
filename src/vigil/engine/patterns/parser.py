"""Parsing a filter pattern: its first character decides its kind, and each kind has its own grammar."""

from __future__ import annotations

from vigil.engine.patterns.ast import MatchAll, Pattern, RegexPattern, TermPattern
from vigil.engine.patterns.delimited_parser import parse_delimited
from vigil.engine.patterns.json_parser import parse_json
from vigil.engine.patterns.scanner import Scanner


def parse_pattern(text: str | None) -> Pattern:
    """The syntax tree of ``text``; raises InvalidParameterException naming the offending part."""
    scanner = Scanner(text or "")
    if "\x00" in scanner.text:
        raise scanner.error("NUL character", scanner.text.index("\x00"))
    scanner.skip_space()
    first = scanner.peek()
    if first == "{":
        return parse_json(scanner)
    if first == "[":
        return parse_delimited(scanner)
    if first == "%":
        regex = scanner.regex()
        scanner.expect_end()
        return RegexPattern(regex)
    return _terms(scanner)


def _terms(scanner: Scanner) -> Pattern:
    """Space-separated terms and ``"quoted phrases"``, each optionally prefixed by ``-`` (must not
    appear) or ``?`` (any of them). A blank phrase such as ``" "`` constrains nothing."""
    required: list[str] = []
    excluded: list[str] = []
    optional: list[str] = []
    while True:
        scanner.skip_space()
        if scanner.at_end():
            break
        prefix = scanner.peek() if scanner.peek() in "-?" else ""
        start = scanner.pos
        scanner.pos += len(prefix)
        if scanner.peek() == '"':
            term = scanner.quoted()
        else:
            while not scanner.at_end() and not scanner.peek().isspace():
                scanner.pos += 1
            term = scanner.text[start + len(prefix) : scanner.pos]
            if not term:
                raise scanner.error(f"{prefix!r} without a term", start)
        if term.strip():
            {"": required, "-": excluded, "?": optional}[prefix].append(term)
    if not (required or excluded or optional):
        return MatchAll()
    return TermPattern(tuple(required), tuple(excluded), tuple(optional))
