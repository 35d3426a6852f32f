"""Space-delimited patterns: ``[ip, user, ..., status = 4*, bytes > 1000]``.

Each entry names one field of the event, or is ``...`` for any number of unnamed fields. A field may
carry conditions on itself, joined with ``&&`` and ``||`` (``status = 404 || status = 410``).
"""

from __future__ import annotations

import re

from vigil.engine.patterns.ast import And, Condition, DelimitedPattern, Field, FieldTest, Or, Skip
from vigil.engine.patterns.scanner import Scanner

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # not a number: $1 … $n name fields by position


class _DelimitedParser:
    def __init__(self, scanner: Scanner) -> None:
        self.scanner = scanner

    def pattern(self) -> DelimitedPattern:
        scanner = self.scanner
        scanner.expect("[")
        elements: list[Field | Skip] = []
        names: set[str] = set()
        while True:
            scanner.skip_space()
            at = scanner.pos
            if scanner.take("..."):
                if any(isinstance(e, Skip) for e in elements):
                    raise scanner.error("a pattern may hold only one '...'", at)
                elements.append(Skip())
            else:
                field = self.field(len(names) + 1)
                if field.name in names:
                    raise scanner.error(f"field {field.name!r} is named twice", at)
                names.add(field.name)
                elements.append(field)
            if scanner.take(","):
                continue
            if scanner.take("]"):
                break
            raise scanner.unexpected("',' or ']'")
        scanner.expect_end()
        return DelimitedPattern(tuple(elements))

    def name(self) -> str:
        scanner = self.scanner
        scanner.skip_space()
        match = _NAME.match(scanner.text, scanner.pos)
        if match is None:
            raise scanner.unexpected("a field name")
        scanner.pos = match.end()
        return match[0]

    def field(self, position: int) -> Field:
        name = self.name()
        self.scanner.skip_space()
        if self.scanner.peek() in ("", ",", "]"):
            return Field(name, position, None)
        return Field(name, position, self.disjunction(name, named=True))

    def disjunction(self, name: str, *, named: bool) -> Condition:
        parts = [self.conjunction(name, named=named)]
        while self.scanner.take("||"):
            parts.append(self.conjunction(name, named=False))
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self, name: str, *, named: bool) -> Condition:
        parts = [self.test(name, named=named)]
        while self.scanner.take("&&"):
            parts.append(self.test(name, named=False))
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def test(self, name: str, *, named: bool) -> FieldTest:
        """``OP VALUE``; after ``&&`` or ``||`` the field's name comes first again."""
        scanner = self.scanner
        if not named:
            scanner.skip_space()
            at = scanner.pos
            again = self.name()
            if again != name:
                raise scanner.error(f"a condition inside field {name!r} must test {name!r}, not {again!r}", at)
        return FieldTest(*scanner.comparison(repr(name)))


def parse_delimited(scanner: Scanner) -> DelimitedPattern:
    return _DelimitedParser(scanner).pattern()
