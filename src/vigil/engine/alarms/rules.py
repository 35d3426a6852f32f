"""Composite alarm rules: ``ALARM(name)``, ``OK(name)``, ``INSUFFICIENT_DATA(name)``, ``TRUE``, ``FALSE``,
``NOT``, ``AND``, ``OR`` and parentheses (NOT binds tightest, then AND, then OR). A name may be an alarm name or
ARN, in double quotes or bare (AWS's PutCompositeAlarm reference). At most 100 children and 500 elements."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from vigil.errors import ServiceError

MAX_CHILDREN = 100
MAX_ELEMENTS = 500
_FUNCTIONS = ("ALARM", "OK", "INSUFFICIENT_DATA")


@dataclass(frozen=True)
class Constant:
    value: bool


@dataclass(frozen=True)
class StateOf:
    state: str
    reference: str  # as written: a name or an ARN


@dataclass(frozen=True)
class Not:
    operand: Rule


@dataclass(frozen=True)
class Both:
    left: Rule
    right: Rule


@dataclass(frozen=True)
class Either:
    left: Rule
    right: Rule


Rule = Constant | StateOf | Not | Both | Either


def _invalid(message: str) -> ServiceError:
    return ServiceError("ValidationError", f"Invalid AlarmRule: {message}")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.elements = 0

    def peek_word(self) -> str | None:
        match = re.compile(r"\s*([A-Za-z_]+)").match(self.text, self.at)
        return match.group(1) if match else None

    def skip(self, pattern: str) -> bool:
        match = re.compile(r"\s*" + pattern).match(self.text, self.at)
        if match:
            self.at = match.end()
        return bool(match)

    def expression(self) -> Rule:
        node = self.conjunction()
        while self.peek_word() == "OR":
            self.skip("OR")
            node = Either(node, self.conjunction())
        return node

    def conjunction(self) -> Rule:
        node = self.negation()
        while self.peek_word() == "AND":
            self.skip("AND")
            node = Both(node, self.negation())
        return node

    def negation(self) -> Rule:
        if self.peek_word() == "NOT":
            self.skip("NOT")
            return Not(self.negation())
        return self.primary()

    def primary(self) -> Rule:
        self.elements += 1
        if self.skip(r"\("):
            node = self.expression()
            if not self.skip(r"\)"):
                raise _invalid(f"expected ')' at position {self.at + 1}.")
            return node
        word = self.peek_word()
        if word in ("TRUE", "FALSE"):
            self.skip(word)
            return Constant(word == "TRUE")
        if word in _FUNCTIONS:
            self.skip(word)
            if not self.skip(r"\("):
                raise _invalid(f"expected '(' after {word} at position {self.at + 1}.")
            return StateOf(word, self.reference())
        raise _invalid(f"unexpected text at position {self.at + 1}: {self.text[self.at :].strip()[:40]!r}.")

    def reference(self) -> str:
        quoted = re.compile(r'\s*"((?:[^"\\]|\\.)*)"\s*\)').match(self.text, self.at)
        if quoted:
            self.at = quoted.end()
            name = quoted.group(1).replace('\\"', '"')
        else:
            bare = re.compile(r"([^()\"]*)\)").match(self.text, self.at)
            if not bare:
                raise _invalid(f"expected an alarm name and ')' at position {self.at + 1}.")
            self.at = bare.end()
            name = bare.group(1).strip()
        if not name:
            raise _invalid(f"an empty alarm name before position {self.at}.")
        return name


def parse_rule(text: str) -> Rule:
    parser = _Parser(text)
    rule = parser.expression()
    if text[parser.at :].strip():
        raise _invalid(f"unexpected text at position {parser.at + 1}: {text[parser.at :].strip()[:40]!r}.")
    if parser.elements > MAX_ELEMENTS:
        raise _invalid(f"the rule has {parser.elements} elements; at most {MAX_ELEMENTS} are allowed.")
    if len(references(rule)) > MAX_CHILDREN:
        raise _invalid(f"the rule names more than {MAX_CHILDREN} alarms.")
    return rule


def references(rule: Rule) -> list[str]:
    """The alarm references of ``rule``, each once, in the order written."""
    found: dict[str, None] = {}

    def walk(node: Rule) -> None:
        if isinstance(node, StateOf):
            found.setdefault(node.reference)
        elif isinstance(node, Not):
            walk(node.operand)
        elif isinstance(node, Both | Either):
            walk(node.left)
            walk(node.right)

    walk(rule)
    return list(found)


def holds(rule: Rule, state_of: Callable[[str], str | None]) -> bool:
    """Whether ``rule`` is true when each referenced alarm is in ``state_of(reference)``."""
    if isinstance(rule, Constant):
        return rule.value
    if isinstance(rule, StateOf):
        return state_of(rule.reference) == rule.state
    if isinstance(rule, Not):
        return not holds(rule.operand, state_of)
    if isinstance(rule, Both):
        return holds(rule.left, state_of) and holds(rule.right, state_of)
    return holds(rule.left, state_of) or holds(rule.right, state_of)
