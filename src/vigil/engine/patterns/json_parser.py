"""JSON patterns: ``{ SELECTOR OP VALUE }``, ``IS NULL|TRUE|FALSE``, ``NOT EXISTS``, joined with ``&&``
and ``||`` (``&&`` binds tighter) and grouped with parentheses."""

from __future__ import annotations

from vigil.engine.patterns.ast import (
    And,
    AnyElement,
    AnyMember,
    Check,
    Comparison,
    Condition,
    Index,
    JsonPattern,
    Key,
    Or,
    Selector,
    Step,
)
from vigil.engine.patterns.scanner import Scanner

MAX_WILDCARDS_PER_SELECTOR = 1
MAX_WILDCARDS_PER_PATTERN = 3
# Characters that end a bare property name (``$.client-ip`` and ``$.@timestamp`` are fine).
_KEY_STOP = frozenset(".[]=!<>()&|{}\"'*,%")


class _JsonParser:
    def __init__(self, scanner: Scanner) -> None:
        self.scanner = scanner
        self.selectors: dict[str, Selector] = {}
        self.wildcards = 0

    def pattern(self) -> JsonPattern:
        self.scanner.expect("{")
        condition = self.disjunction()
        self.scanner.expect("}")
        self.scanner.expect_end()
        return JsonPattern(condition, tuple(self.selectors.values()))

    def disjunction(self) -> Condition:
        parts = [self.conjunction()]
        while self.scanner.take("||"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self) -> Condition:
        parts = [self.operand()]
        while self.scanner.take("&&"):
            parts.append(self.operand())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def operand(self) -> Condition:
        if self.scanner.take("("):
            inner = self.disjunction()
            self.scanner.expect(")")
            return inner
        self.scanner.skip_space()
        if self.scanner.peek() != "$":
            raise self.scanner.unexpected("a selector starting with '$'")
        return self.comparison(self.selector())

    def comparison(self, selector: Selector) -> Condition:
        scanner = self.scanner
        scanner.skip_space()
        at = scanner.pos
        keyword = scanner.word().upper()
        if keyword == "IS":
            test = scanner.word().upper()
            if test == "NULL":
                return Check(selector, "IS NULL")
            if test == "TRUE":
                return Check(selector, "IS TRUE")
            if test == "FALSE":
                return Check(selector, "IS FALSE")
            raise scanner.error("IS must be followed by NULL, TRUE or FALSE (IS NOT is not supported)", at)
        if keyword == "NOT":
            if scanner.word().upper() == "EXISTS":
                return Check(selector, "NOT EXISTS")
            raise scanner.error("NOT must be followed by EXISTS", at)
        if keyword:
            raise scanner.error(f"unexpected {scanner.text[at : scanner.pos]!r} after {selector.text}", at)
        return Comparison(selector, *scanner.comparison(selector.text))

    def selector(self) -> Selector:
        scanner = self.scanner
        start = scanner.pos
        scanner.pos += 1  # the $
        steps: list[Step] = []
        while True:
            if scanner.text.startswith(".*", scanner.pos):
                scanner.pos += 2
                steps.append(AnyMember())
            elif scanner.text.startswith(".[", scanner.pos):
                scanner.pos += 1
                steps.append(self.bracket())
            elif scanner.peek() == "[":
                steps.append(self.bracket())
            elif scanner.peek() == ".":
                scanner.pos += 1
                name_at = scanner.pos
                while not scanner.at_end() and not scanner.peek().isspace() and scanner.peek() not in _KEY_STOP:
                    scanner.pos += 1
                if scanner.pos == name_at:
                    raise scanner.unexpected("a property name after '.'")
                steps.append(Key(scanner.text[name_at : scanner.pos]))
            else:
                break
        if not steps:
            raise scanner.unexpected("'.' or '[' after '$'")
        wildcards = sum(isinstance(step, AnyMember | AnyElement) for step in steps)
        if wildcards > MAX_WILDCARDS_PER_SELECTOR:
            raise scanner.error("a selector may hold only one wildcard ([*] or .*)", start)
        self.wildcards += wildcards
        if self.wildcards > MAX_WILDCARDS_PER_PATTERN:
            raise scanner.error(f"a pattern may hold at most {MAX_WILDCARDS_PER_PATTERN} wildcard selectors", start)
        selector = Selector(scanner.text[start : scanner.pos], tuple(steps))
        self.selectors.setdefault(selector.text, selector)
        return selector

    def bracket(self) -> Step:
        """``[*]``, ``[n]`` or ``['key.with.dots']``."""
        scanner = self.scanner
        scanner.pos += 1  # the [
        at = scanner.pos
        step: Step
        if scanner.peek() == "*":
            scanner.pos += 1
            step = AnyElement()
        elif scanner.peek().isdigit():
            while scanner.peek().isdigit():
                scanner.pos += 1
            step = Index(int(scanner.text[at : scanner.pos]))
        elif scanner.peek() in ("'", '"'):
            quote = scanner.peek()
            end = scanner.text.find(quote, at + 1)
            if end < 0:
                raise scanner.error("unterminated quoted property name", at)
            step = Key(scanner.text[at + 1 : end])
            scanner.pos = end + 1
        else:
            raise scanner.unexpected("'*', an index or a quoted property name after '['")
        if scanner.peek() != "]":
            raise scanner.unexpected("']'")
        scanner.pos += 1
        return step


def parse_json(scanner: Scanner) -> JsonPattern:
    return _JsonParser(scanner).pattern()


def parse_selector(text: str) -> Selector:
    """A lone selector such as ``$.user.id`` (metric values and dimensions name them)."""
    parser = _JsonParser(Scanner(text))
    if parser.scanner.peek() != "$":
        raise parser.scanner.unexpected("a selector starting with '$'")
    selector = parser.selector()
    parser.scanner.expect_end()
    return selector
