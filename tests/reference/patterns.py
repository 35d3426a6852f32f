"""A reference for filter patterns: term patterns (terms, quoted phrases, -exclusions, ?alternatives),
standalone %regex%, JSON patterns (= != < > <= >= against numbers, strings, wildcards and regexes; &&, ||,
parentheses; IS NULL, NOT EXISTS, IS TRUE, IS FALSE; `[n]` and `[*]` selectors) and space-delimited
patterns (one `...`, conditions joined with && or ||). Semantics follow the decisions in docs/filter-patterns.md."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from reference.insights import NUMERIC, OPERATORS, search

WILDCARD = "*"  # the `[*]` step of a JSON selector: any element of an array


class Pattern(Protocol):
    def text(self) -> str: ...

    def matches(self, message: str) -> bool: ...


def glob(pattern: str, text: str) -> bool:
    """A `*` wildcard value must cover the whole value; `*` matches any run of characters."""
    return re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), text, re.DOTALL) is not None


def as_number(text: str) -> float | None:
    return float(text) if NUMERIC.fullmatch(text) else None


# ---- term patterns and standalone regexes ---------------------------------------------------------


@dataclass(frozen=True)
class Term:
    word: str
    kind: str = ""  # "" required, "-" excluded, "?" alternative

    def text(self) -> str:
        return self.kind + (self.word if re.fullmatch(r"\w+", self.word) else f'"{self.word}"')


@dataclass(frozen=True)
class Terms:
    terms: tuple[Term, ...]

    def text(self) -> str:
        return " ".join(term.text() for term in self.terms)

    def matches(self, message: str) -> bool:
        """Case-sensitive substrings; `?` terms count only when every term is a `?` term; a blank phrase
        adds no condition."""
        terms = [t for t in self.terms if t.word.strip()]
        required = [t.word for t in terms if t.kind == ""]
        excluded = [t.word for t in terms if t.kind == "-"]
        if required or excluded or not terms:
            return all(w in message for w in required) and not any(w in message for w in excluded)
        return any(t.word in message for t in terms)


@dataclass(frozen=True)
class Regex:
    pattern: str

    def text(self) -> str:
        return f"%{self.pattern}%"

    def matches(self, message: str) -> bool:
        return search(self.pattern, message)


# ---- JSON patterns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """A JSON pattern's right-hand side. kind: number, string (quoted), word (bare), wildcard (holds `*`,
    written bare or with its quotes in ``raw``) or regex."""

    kind: str
    raw: str

    def text(self) -> str:
        if self.kind == "regex":
            return f"%{self.raw}%"
        return f'"{self.raw}"' if self.kind == "string" else self.raw

    def accepts(self, value: Any) -> bool:
        """Whether the JSON value has the type this pattern value compares with."""
        if isinstance(value, bool) or value is None:
            return False
        if self.kind == "number":
            return isinstance(value, int | float)
        if self.kind in ("string", "word", "regex"):
            return isinstance(value, str)
        return isinstance(value, str | int | float)

    def equals(self, value: Any) -> bool:
        if self.kind == "number":
            return float(value) == float(self.raw)
        if self.kind == "wildcard":
            return glob(self.raw.strip('"'), value if isinstance(value, str) else json.dumps(value))
        if self.kind == "regex":
            return search(self.raw, value)
        return value == self.raw


@dataclass(frozen=True)
class JsonTest:
    selector: tuple[str | int, ...]  # under `$`: keys, array indexes, and WILDCARD for `[*]`
    op: str  # = != < > <= >=, or IS NULL, NOT EXISTS, IS TRUE, IS FALSE
    value: Value | None = None

    def text(self) -> str:
        steps = "".join(
            f"[{step}]" if isinstance(step, int) or step == WILDCARD else f".{step}" for step in self.selector
        )
        return f"${steps} {self.op}" + (f" {self.value.text()}" if self.value else "")

    def holds(self, document: dict[str, Any]) -> bool:
        """With `[*]` the test holds when any element passes it (`!=` too); NOT EXISTS when none exists."""
        found: list[Any] = [document]
        for step in self.selector:
            if step == WILDCARD:
                found = [item for node in found if isinstance(node, list) for item in node]
            elif isinstance(step, int):
                found = [node[step] for node in found if isinstance(node, list) and step < len(node)]
            else:
                found = [node[step] for node in found if isinstance(node, dict) and step in node]
        if self.op == "NOT EXISTS":
            return not found
        return any(self.passes(value) for value in found)

    def passes(self, found: Any) -> bool:
        if self.op in ("IS NULL", "IS TRUE", "IS FALSE"):
            return found is {"IS NULL": None, "IS TRUE": True, "IS FALSE": False}[self.op]
        if isinstance(found, dict | list) or self.value is None or not self.value.accepts(found):
            return False
        if self.op == "=":
            return self.value.equals(found)
        if self.op == "!=":
            return not self.value.equals(found)
        return OPERATORS[self.op](float(found), float(self.value.raw))


@dataclass(frozen=True)
class JsonAnd:
    left: JsonTest | JsonAnd | JsonOr
    right: JsonTest | JsonAnd | JsonOr

    def text(self) -> str:
        return " && ".join(f"({p.text()})" if isinstance(p, JsonOr) else p.text() for p in (self.left, self.right))

    def holds(self, document: dict[str, Any]) -> bool:
        return self.left.holds(document) and self.right.holds(document)


@dataclass(frozen=True)
class JsonOr:
    left: JsonTest | JsonAnd | JsonOr
    right: JsonTest | JsonAnd | JsonOr

    def text(self) -> str:
        return f"{self.left.text()} || {self.right.text()}"

    def holds(self, document: dict[str, Any]) -> bool:
        return self.left.holds(document) or self.right.holds(document)


@dataclass(frozen=True)
class Json:
    condition: JsonTest | JsonAnd | JsonOr

    def text(self) -> str:
        return f"{{ {self.condition.text()} }}"

    def matches(self, message: str) -> bool:
        """Only a JSON object can match, whatever the condition."""
        try:
            document = json.loads(message)
        except ValueError:
            return False
        return isinstance(document, dict) and self.condition.holds(document)


# ---- space-delimited patterns ---------------------------------------------------------------------


def split_fields(message: str) -> list[tuple[int, str]]:
    """(offset, value) of each field of the event without its surrounding whitespace: runs of whitespace
    separate fields; a field that opens with `[` or `"` runs to the next `]` or `"` (even inside a word),
    which are dropped (unclosed, they are ordinary characters)."""
    fields = []
    for match in re.finditer(r'\[([^\]]*)\]|"([^"]*)"|[^ \t\r\n]+', message):
        value = match.group(1) if match.group(1) is not None else match.group(2)
        fields.append((match.start(), match.group(0) if value is None else value))
    return fields


@dataclass(frozen=True)
class Condition:
    op: str  # = != < > <= >=
    value: str  # a word, a number, a `*` wildcard or a %regex%

    def text(self, name: str) -> str:
        return f"{name} {self.op} {self.value}"

    def holds(self, field: str) -> bool:
        if self.value.startswith("%"):
            found = search(self.value[1:-1], field)
        elif "*" in self.value:
            found = glob(self.value, field)
        elif as_number(self.value) is not None and self.op not in ("=", "!="):
            number = as_number(field)
            return number is not None and OPERATORS[self.op](number, float(self.value))
        elif as_number(self.value) is not None:
            found = as_number(field) == float(self.value)
        else:
            found = field == self.value
        return found == (self.op == "=")


@dataclass(frozen=True)
class Field:
    name: str
    conditions: tuple[Condition, ...] = ()
    join: str = "&&"

    def text(self) -> str:
        if not self.conditions:
            return self.name
        return f" {self.join} ".join(c.text(self.name) for c in self.conditions)

    def holds(self, field: str) -> bool:
        combine: Callable[[Any], bool] = all if self.join == "&&" or not self.conditions else any
        return combine(c.holds(field) for c in self.conditions)


@dataclass(frozen=True)
class SpaceDelimited:
    fields: tuple[Field | None, ...]  # None is `...`, at most one

    def text(self) -> str:
        return "[" + ", ".join("..." if f is None else f.text() for f in self.fields) + "]"

    def matches(self, message: str) -> bool:
        """Without `...` the named fields take the first fields of the event and the last one takes the rest
        of the line; `...` absorbs any number of fields, those after it take the event's last fields."""
        message = message.strip(" \t\r\n")
        found = split_fields(message)
        named = [f for f in self.fields if f is not None]
        if len(found) < len(named):
            return False
        if None in self.fields:
            cut = self.fields.index(None)
            values = [v for _, v in found[:cut]] + [v for _, v in found[len(found) - (len(named) - cut) :]]
        else:
            values = [v for _, v in found[: len(named)]]
            if len(found) > len(named):
                values[-1] = message[found[len(named) - 1][0] :]
        return all(f.holds(v) for f, v in zip(named, values, strict=True))
