"""The parsed form of a Logs Insights query: expressions and commands as typed, frozen dataclasses.

Every expression keeps the source text it was parsed from (`text`), because a result column without an
alias is named after the expression as written (`count(*)`, `avg(latency)`, `bin(5m)`), and `offset`, so
later checks can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias


@dataclass(frozen=True)
class Node:
    text: str = field(default="", kw_only=True, compare=False)
    offset: int = field(default=0, kw_only=True, compare=False)


# ---- expressions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldRef(Node):
    segments: tuple[str, ...]  # `a.b.0`, or `` json.`user.id` `` as ("json", "user.id")

    @property
    def name(self) -> str:
        return ".".join(self.segments)


@dataclass(frozen=True)
class StringLit(Node):
    value: str


@dataclass(frozen=True)
class NumberLit(Node):
    value: int | float


@dataclass(frozen=True)
class RegexLit(Node):
    pattern: str


@dataclass(frozen=True)
class Duration(Node):
    amount: int
    unit: str  # canonical: ms s m h d w mo q y


@dataclass(frozen=True)
class ListLit(Node):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "-" or "not"
    operand: Expr


@dataclass(frozen=True)
class Binary(Node):
    op: str  # + - * / % ^ = != < <= > >= and or
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Like(Node):
    operand: Expr
    pattern: Expr  # StringLit (substring) or RegexLit (search)
    negated: bool


@dataclass(frozen=True)
class In(Node):
    operand: Expr
    items: tuple[Expr, ...]
    negated: bool


@dataclass(frozen=True)
class Call(Node):
    name: str  # lower-cased
    args: tuple[Expr, ...]
    star: bool = False  # count(*)


@dataclass(frozen=True)
class Index(Node):
    base: Expr
    index: Expr  # list[i] / map["key"]


Expr: TypeAlias = (
    FieldRef | StringLit | NumberLit | RegexLit | Duration | ListLit | Unary | Binary | Like | In | Call | Index
)


# ---- commands ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item(Node):
    """One `expr [as alias]` of fields, display and stats; ``name`` is the column it produces."""

    expr: Expr
    alias: str | None = None

    @property
    def name(self) -> str:
        if self.alias is not None:
            return self.alias
        return self.expr.name if isinstance(self.expr, FieldRef) else self.expr.text


@dataclass(frozen=True)
class Fields(Node):
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Display(Node):
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Filter(Node):
    condition: Expr
    keyword: str  # filter, where or filterindex


@dataclass(frozen=True)
class Stats(Node):
    items: tuple[Item, ...]
    by: tuple[Item, ...]


@dataclass(frozen=True)
class SortKey(Node):
    expr: Expr
    descending: bool


@dataclass(frozen=True)
class Sort(Node):
    keys: tuple[SortKey, ...]


@dataclass(frozen=True)
class Limit(Node):
    count: int
    any: bool = False  # `limit any N`: no order is promised


@dataclass(frozen=True)
class Parse(Node):
    source: Expr | None  # None: @message
    pattern: str
    regex: bool  # /regex/ with named groups, or a "glob" whose `*`s capture into ``names``
    names: tuple[str, ...]


@dataclass(frozen=True)
class Dedup(Node):
    fields: tuple[Expr, ...]


@dataclass(frozen=True)
class Unnest(Node):
    expr: Expr
    into: str


@dataclass(frozen=True)
class Unmask(Node):
    pass


@dataclass(frozen=True)
class SourceCommand(Node):
    """`SOURCE logGroups(namePrefix: [...], accountIdentifiers: [...], class: [...]) [START=-1h END=0s]`."""

    name_prefixes: tuple[str, ...] = ()
    account_ids: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    start_offset_ms: int | None = None  # relative to the query's start time
    end_offset_ms: int | None = None


Command: TypeAlias = Fields | Display | Filter | Stats | Sort | Limit | Parse | Dedup | Unnest | Unmask


@dataclass(frozen=True)
class Query(Node):
    commands: tuple[Command, ...]
    source: SourceCommand | None = None
