"""SEARCH's search expressions: ``{Namespace, DimensionName, ...} SearchTerm``, parsed and matched.

The schema (optional) keeps the metrics of that namespace whose dimension names are exactly those named.
The search term (optional too, but one of the two is needed) is made of:

- partial terms (``errors``, ``CustomCount``): matched against the *tokens* of metric names, namespaces,
  dimension names and values. A name's tokens split at non-alphanumeric characters, at camel-case humps and
  where digits start; its whole text, lower-cased and without delimiters, is one more token. A term piece that
  is one token matches any token ignoring case; a piece of several tokens (``CustomCount``, ``Count1``) must
  match consecutive tokens with the same case.
- exact terms in double quotes (``"CustomCount1"``; escape ``" \\ ( )`` with a backslash): equal to a name.
- designators, ``MetricName=...``, ``Namespace=...`` or ``DimensionName=...``, with a partial or exact value or
  a parenthesised ``OR`` of values: the term must match that property.
- ``AND`` (also implied between terms), ``OR``, ``NOT`` (upper case) and parentheses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from vigil.errors import ServiceError


@dataclass(frozen=True)
class Candidate:
    """A stored metric as search sees it."""

    namespace: str
    metric_name: str
    dimensions: dict[str, str]

    def names(self) -> list[str]:
        return [self.namespace, self.metric_name, *self.dimensions.keys(), *self.dimensions.values()]


Matcher = Callable[[Candidate], bool]


@dataclass(frozen=True)
class Search:
    namespace: str | None
    dimension_names: tuple[str, ...] | None  # in the schema's order
    term: Matcher | None

    def matches(self, candidate: Candidate) -> bool:
        if self.namespace is not None and candidate.namespace != self.namespace:
            return False
        if self.dimension_names is not None and set(candidate.dimensions) != set(self.dimension_names):
            return False
        return self.term is None or self.term(candidate)


_PIECE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_DELIMITER = re.compile(r"[^A-Za-z0-9]+")


def _pieces(text: str) -> list[str]:
    return _PIECE.findall(text)


def _partial(term: str) -> Callable[[str], bool]:
    texts = [part for part in _DELIMITER.split(term) if part]
    parts = [_pieces(part) for part in texts]
    wanted = [(piece, len(part) == 1) for part in parts for piece in part]  # (piece, compare ignoring case)
    whole = texts[0].lower() if len(texts) == 1 else None  # may be a name's whole token
    if not wanted:
        return lambda name: False

    def matches(name: str) -> bool:
        pieces = _pieces(name)
        if whole is not None and whole == "".join(pieces).lower():
            return True
        for start in range(len(pieces) - len(wanted) + 1):
            window = pieces[start : start + len(wanted)]
            if all(
                (have.lower() == want.lower()) if loose else have == want
                for have, (want, loose) in zip(window, wanted, strict=True)
            ):
                return True
        return False

    return matches


def _value_test(value: str, exact: bool) -> Callable[[str], bool]:
    return (lambda name: name == value) if exact else _partial(value)


def _property(name: str, tests: list[Callable[[str], bool]]) -> Matcher:
    def read(candidate: Candidate) -> str | None:
        if name == "MetricName":
            return candidate.metric_name
        if name == "Namespace":
            return candidate.namespace
        return candidate.dimensions.get(name)

    def matches(candidate: Candidate) -> bool:
        found = read(candidate)
        return found is not None and any(test(found) for test in tests)

    return matches


class _Parser:
    def __init__(self, text: str, error: Callable[[str], ServiceError]) -> None:
        self._text = text
        self._at = 0
        self._error = error

    def fail(self, detail: str) -> ServiceError:
        return self._error(f"Syntax error in the SEARCH expression at position {self._at + 1}: {detail}")

    def _skip(self) -> None:
        while self._at < len(self._text) and self._text[self._at].isspace():
            self._at += 1

    def _peek(self) -> str:
        self._skip()
        return self._text[self._at] if self._at < len(self._text) else ""

    def _word(self, word: str) -> bool:
        """Whether the operator ``word`` (AND, OR, NOT) comes next, taking it if so."""
        self._skip()
        end = self._at + len(word)
        if self._text.startswith(word, self._at) and (end == len(self._text) or self._text[end] in ' \t\n()"'):
            self._at = end
            return True
        return False

    def parse(self) -> Search:
        namespace, dimensions = None, None
        if self._peek() == "{":
            namespace, dimensions = self._schema()
            if self._peek() == ",":
                self._at += 1
        term = None if self._peek() == "" else self._or()
        if self._peek() != "":
            raise self.fail(f"unexpected {self._text[self._at]!r}")
        if namespace is None and term is None:
            raise self.fail("give a metric schema {Namespace, ...}, a search term, or both")
        return Search(namespace, dimensions, term)

    def _schema(self) -> tuple[str, tuple[str, ...]]:
        self._at += 1
        names: list[str] = []
        while True:
            if self._peek() == '"':
                names.append(self._quoted())
            else:
                start = self._at
                while self._at < len(self._text) and self._text[self._at] not in ",}":
                    self._at += 1
                names.append(self._text[start : self._at].strip())
            if not names[-1]:
                raise self.fail("a name in the metric schema is empty")
            separator = self._peek()
            self._at += 1
            if separator == "}":
                return names[0], tuple(names[1:])
            if separator != ",":
                raise self.fail("the metric schema is not closed with }")

    def _quoted(self) -> str:
        self._at += 1
        parts: list[str] = []
        while self._at < len(self._text):
            char = self._text[self._at]
            if char == "\\" and self._at + 1 < len(self._text):
                parts.append(self._text[self._at + 1])
                self._at += 2
                continue
            self._at += 1
            if char == '"':
                return "".join(parts)
            parts.append(char)
        raise self.fail("a double-quoted term is never closed")

    def _or(self) -> Matcher:
        options = [self._and()]
        while self._word("OR"):
            options.append(self._and())
        return options[0] if len(options) == 1 else (lambda c: any(option(c) for option in options))

    def _and(self) -> Matcher:
        required = [self._not()]
        while self._peek() not in ("", ")") and not self._ahead("OR"):
            self._word("AND")
            required.append(self._not())
        return required[0] if len(required) == 1 else (lambda c: all(term(c) for term in required))

    def _ahead(self, word: str) -> bool:
        start = self._at
        found = self._word(word)
        self._at = start
        return found

    def _not(self) -> Matcher:
        if self._word("NOT"):
            inner = self._not()
            return lambda c: not inner(c)
        return self._primary()

    def _primary(self) -> Matcher:
        char = self._peek()
        if char == "(":
            self._at += 1
            inner = self._or()
            if self._peek() != ")":
                raise self.fail("a parenthesis is never closed")
            self._at += 1
            return inner
        if char == '"':
            text = self._quoted()
            if self._peek() == "=":
                return self._designated(text)
            return lambda c: text in c.names()
        if char in ("", ")"):
            raise self.fail("a search term is missing")
        start = self._at
        while self._at < len(self._text) and not self._text[self._at].isspace() and self._text[self._at] not in '()"=':
            self._at += 1
        text = self._text[start : self._at]
        if self._at < len(self._text) and self._text[self._at] == "=":
            return self._designated(text)
        if not text:
            raise self.fail(f"unexpected {self._text[self._at]!r}")
        test = _partial(text)
        return lambda c: any(test(name) for name in c.names())

    def _designated(self, name: str) -> Matcher:
        self._at += 1  # the "="
        if self._peek() == "(":
            self._at += 1
            tests = [self._value()]
            while self._word("OR"):
                tests.append(self._value())
            if self._peek() != ")":
                raise self.fail(f"the values of {name}= are not closed with )")
            self._at += 1
            return _property(name, tests)
        return _property(name, [self._value()])

    def _value(self) -> Callable[[str], bool]:
        if self._peek() == '"':
            return _value_test(self._quoted(), exact=True)
        start = self._at
        while self._at < len(self._text) and not self._text[self._at].isspace() and self._text[self._at] not in '()"':
            self._at += 1
        if start == self._at:
            raise self.fail("a value is missing after =")
        return _value_test(self._text[start : self._at], exact=False)


def parse_search(text: str, error: Callable[[str], ServiceError]) -> Search:
    return _Parser(text, error).parse()


def default_label(candidate: Candidate, order: list[str], several_names: bool) -> str:
    """A SEARCH result's label when the query gives none: its dimension values (the schema's dimensions
    first, in the schema's order, then the rest by name), then its metric name when the search found more
    than one metric name or the metric has no dimensions."""
    names = [name for name in order if name in candidate.dimensions]
    names += sorted(name for name in candidate.dimensions if name not in names)
    parts = [candidate.dimensions[name] for name in names]
    if several_names or not parts:
        parts.append(candidate.metric_name)
    return " ".join(parts)
