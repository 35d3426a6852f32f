"""The planned query, independent of any SQL dialect: typed expressions over named columns, a chain of
stages, and what the result rows show. A dialect's generator (duckdb_sql) turns it into one statement.

An expression is an ``X``: an operation name the generator knows, its arguments, the kind of value it
yields and an optional constant payload. The planner decides every conversion between kinds, so the
generator only spells operations in its dialect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Kind(Enum):
    STR = "string"  # text
    NUM = "number"  # a double (or integer) value
    DYN = "value"  # a discovered value: text that may be a JSON number (op "dyn": text, is-number)
    BOOL = "boolean"  # rendered 1 / 0
    TIME = "timestamp"  # epoch milliseconds, rendered as a UTC timestamp
    JSON = "json"  # a map, list or scalar from jsonParse / split / unnest


@dataclass(frozen=True)
class X:
    op: str
    args: tuple[X, ...] = ()
    kind: Kind = Kind.STR
    value: Any = None

    def __repr__(self) -> str:  # readable plans in test failures and debugging
        inner = ", ".join(repr(a) for a in self.args)
        payload = f"={self.value!r}" if self.value is not None else ""
        return f"{self.op}{payload}({inner}):{self.kind.name}"


def col(name: str, kind: Kind) -> X:
    return X("col", kind=kind, value=name)


def lit(value: str | float | bool | None) -> X:
    if value is None:
        return X("null", kind=Kind.STR)
    if isinstance(value, bool):
        return X("bool", kind=Kind.BOOL, value=value)
    if isinstance(value, int | float):
        return X("number", kind=Kind.NUM, value=value)
    return X("string", kind=Kind.STR, value=value)


NULL = lit(None)


@dataclass(frozen=True)
class GroupWindow:
    """Log groups whose events count from ``start_ms`` (the query start or the retention cut-off)."""

    group_ids: tuple[int, ...]
    start_ms: int
    end_ms: int


@dataclass
class Scan:
    windows: list[GroupWindow]
    group_logs: dict[int, str]  # group id -> `account-id:log-group-name` for @log
    stream_names: bool = False  # @logStream is used
    json_paths: list[tuple[str | int, ...]] = field(default_factory=list)  # discovered JSON fields, in use order
    json_typed: set[int] = field(default_factory=set)  # discovered fields read with their JSON type
    lambda_fields: bool = False  # @type, @duration, ... are used


@dataclass
class OrderTerm:
    key: X
    descending: bool


@dataclass
class Stage:
    """``SELECT [*,] columns FROM previous [WHERE] [GROUP BY] [QUALIFY] [ORDER BY … LIMIT]``.

    A stats stage (``aggregate``) keeps none of the previous columns and groups by its columns that hold
    no aggregate; without such keys it yields one row, and none when no event matched.
    """

    columns: list[tuple[str, X]] = field(default_factory=list)
    aggregate: bool = False
    where: X | None = None
    qualify: X | None = None
    order: list[OrderTerm] = field(default_factory=list)
    limit: int | None = None


@dataclass
class Output:
    name: str
    value: X  # a text expression: the value as AWS renders it, NULL when absent


@dataclass
class Plan:
    scan: Scan
    stages: list[Stage]
    outputs: list[Output]
    order: list[OrderTerm]
    limit: int
    events: bool  # rows are events (they carry @ptr), not stats groups
    matched_stage: int | None  # rows of this stage are the events that matched; None: every scanned event
    # A column every result row carries with the number of events that matched (a stats query counts
    # them as it groups them), so no second pass is needed when rows come back.
    matched_column: str | None = None
    # The result rows are exactly the matched events (up to the row cap): no stats, limit, dedup or unnest.
    rows_are_matched: bool = False
