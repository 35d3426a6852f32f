"""The filter-pattern syntax tree: what a pattern means, before any SQL is written for it.

A pattern is one of five kinds, decided by its first character: nothing (every event), ``{`` (JSON),
``[`` (space-delimited), ``%`` (a regular expression) or anything else (terms).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# ---- values a property or field is compared with ----------------------------------------------------


@dataclass(frozen=True)
class Text:
    """An exact string: ``"quoted"`` or a bare word."""

    text: str


@dataclass(frozen=True)
class Number:
    value: float
    text: str


@dataclass(frozen=True)
class Wildcard:
    """A value holding ``*``: each ``*`` stands for any run of characters, and the whole value must match."""

    glob: str


@dataclass(frozen=True)
class Regex:
    """``%regex%``: an unanchored RE2 search, already checked against AWS's character rules."""

    regex: str


Value = Text | Number | Wildcard | Regex
Operator = Literal["=", "!=", "<", ">", "<=", ">="]


@dataclass(frozen=True)
class And:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Condition, ...]


# ---- unstructured text ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchAll:
    """The empty pattern (and ``" "``): every event."""


@dataclass(frozen=True)
class TermPattern:
    """Case-sensitive substrings. ``optional`` (``?term``) only counts when there is nothing else."""

    required: tuple[str, ...]
    excluded: tuple[str, ...]
    optional: tuple[str, ...]


@dataclass(frozen=True)
class RegexPattern:
    regex: str


# ---- JSON -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    name: str


@dataclass(frozen=True)
class Index:
    position: int


@dataclass(frozen=True)
class AnyMember:
    """``.*``"""


@dataclass(frozen=True)
class AnyElement:
    """``[*]``"""


Step = Key | Index | AnyMember | AnyElement


@dataclass(frozen=True)
class Selector:
    text: str  # as written, e.g. ``$.user.id``: the key TestMetricFilter reports values under
    steps: tuple[Step, ...]

    @property
    def has_wildcard(self) -> bool:
        return any(isinstance(step, AnyMember | AnyElement) for step in self.steps)


@dataclass(frozen=True)
class Comparison:
    selector: Selector
    operator: Operator
    value: Value


@dataclass(frozen=True)
class Check:
    selector: Selector
    test: Literal["IS NULL", "IS TRUE", "IS FALSE", "NOT EXISTS"]


@dataclass(frozen=True)
class JsonPattern:
    condition: Condition
    selectors: tuple[Selector, ...]  # each distinct selector once, in order of appearance


# ---- space-delimited ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldTest:
    operator: Operator
    value: Value


@dataclass(frozen=True)
class Field:
    name: str
    position: int  # 1-based among the pattern's fields (``...`` not counted): ``$1`` … ``$n``
    condition: Condition | None


@dataclass(frozen=True)
class Skip:
    """``...``: any number of fields, none included."""


@dataclass(frozen=True)
class DelimitedPattern:
    elements: tuple[Field | Skip, ...]

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(e for e in self.elements if isinstance(e, Field))


Condition = Comparison | Check | FieldTest | And | Or
Pattern = MatchAll | TermPattern | RegexPattern | JsonPattern | DelimitedPattern
