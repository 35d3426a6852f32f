"""A reference for a subset of Logs Insights: fields, filter (comparisons, and/or/not, like, in, ispresent),
stats (count, count_distinct, sum, avg, min, max, pct) by fields and bin(), sort and limit, over events whose
JSON fields are discovered with dotted paths. Semantics follow the decisions in docs/insights.md.

Not modelled, so the generated events avoid them: JSON fragments inside text lines (no text line holds a
`{`), Lambda platform lines, and numbers whose JSON text differs from Python's repr (`1.50`, `1e3`)."""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any, Protocol

from reference import Event

ACCOUNT = "000000000000"
ROW_CAP = 10_000  # StartQuery's default limit
DEFAULT_COLUMNS = ("@timestamp", "@message", "@logStream", "@log")
UNIT_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000}
NUMERIC = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}

Scalar = str | int | float  # a field's value; an absent field is simply not in the record
Fields = dict[str, Scalar]


@dataclass(frozen=True)
class Measured:
    """A computed number (sum, avg, min, max, pct): compared with a tolerance, not as text."""

    value: float


Row = dict[str, Scalar | Measured]
Cell = str | float  # a result value as the tests compare it: exact text, or a number within a tolerance


def literal(value: Scalar) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def name(column: str) -> str:
    """A column as a query names it: backticked unless it is letters, digits, `_`, `@` and `.` only."""
    return column if re.fullmatch(r"[\w@.]+", column) else f"`{column}`"


def show(value: Scalar) -> str:
    """A value as results print it: numbers as their JSON text."""
    return value if isinstance(value, str) else repr(value)


def cell(value: Scalar | Measured) -> Cell:
    return value.value if isinstance(value, Measured) else show(value)


def search(regex: str, text: str) -> bool:
    """An RE2 search: there `$` matches only at the very end, where Python's also matches before a final
    newline (the regexes the tests write never escape a `$`)."""
    return re.search(regex.replace("$", r"\Z"), text) is not None


def timestamp_text(ms: int) -> str:
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%d %H:%M:%S") + f".{ms % 1000:03d}"


def as_number(value: Scalar) -> float | None:
    if isinstance(value, int | float):
        return value
    return float(value) if NUMERIC.fullmatch(value) else None


def compare(op: str, left: Scalar | None, right: Scalar) -> bool:
    """Two strings compare as strings; otherwise both sides must be numbers. A missing side is false."""
    if left is None:
        return False
    if isinstance(left, str) and isinstance(right, str):
        return OPERATORS[op](left, right)
    a, b = as_number(left), as_number(right)
    return a is not None and b is not None and OPERATORS[op](a, b)


def natural_key(value: Scalar | Measured) -> tuple[Any, ...]:
    """AWS's natural sort: numbers, and strings of digits only, come after every other value, by value
    and then by text; other strings compare run by run, digit runs by length and then value, other runs
    by code point."""
    if isinstance(value, Measured):
        return (1, value.value, "")
    if not isinstance(value, str):
        return (1, value, show(value))
    if re.fullmatch(r"[0-9]+", value):
        return (1, int(value), value)
    runs = re.findall(r"[0-9]+|[^0-9]+", value)
    # A digit run sorts where its first character would: after "/" (47) and before ":" (58).
    return (0, [(48, len(r), int(r)) if "0" <= r[0] <= "9" else (ord(r[0]), r) for r in runs])


# ---- filter expressions ---------------------------------------------------------------------------


class Predicate(Protocol):
    precedence: int

    def text(self) -> str: ...

    def holds(self, fields: Fields) -> bool: ...


def wrap(predicate: Predicate, precedence: int) -> str:
    """The predicate's text, parenthesised only where the documented precedence needs it."""
    text = predicate.text()
    return f"({text})" if predicate.precedence < precedence else text


@dataclass(frozen=True)
class Compare:
    field: str
    op: str
    value: Scalar
    precedence = 4

    def text(self) -> str:
        return f"{self.field} {self.op} {literal(self.value)}"

    def holds(self, fields: Fields) -> bool:
        return compare(self.op, fields.get(self.field), self.value)


@dataclass(frozen=True)
class Like:
    field: str
    pattern: str
    regex: bool = False
    negated: bool = False
    precedence = 4

    def text(self) -> str:
        pattern = f"/{self.pattern}/" if self.regex else literal(self.pattern)
        return f"{self.field} {'not like' if self.negated else 'like'} {pattern}"

    def holds(self, fields: Fields) -> bool:
        if self.field not in fields:
            return False
        value = show(fields[self.field])
        found = search(self.pattern, value) if self.regex else self.pattern in value
        return found != self.negated


@dataclass(frozen=True)
class In:
    field: str
    items: tuple[Scalar, ...]
    negated: bool = False
    precedence = 4

    def text(self) -> str:
        items = ", ".join(literal(item) for item in self.items)
        return f"{self.field} {'not in' if self.negated else 'in'} [{items}]"

    def holds(self, fields: Fields) -> bool:
        if self.field not in fields:
            return False
        return any(compare("=", fields[self.field], item) for item in self.items) != self.negated


@dataclass(frozen=True)
class IsPresent:
    field: str
    precedence = 4

    def text(self) -> str:
        return f"ispresent({self.field})"

    def holds(self, fields: Fields) -> bool:
        return self.field in fields


@dataclass(frozen=True)
class Not:
    operand: Predicate
    precedence = 3

    def text(self) -> str:
        return f"not {wrap(self.operand, 3)}"

    def holds(self, fields: Fields) -> bool:
        return not self.operand.holds(fields)


@dataclass(frozen=True)
class And:
    left: Predicate
    right: Predicate
    precedence = 2

    def text(self) -> str:
        return f"{wrap(self.left, 2)} and {wrap(self.right, 2)}"

    def holds(self, fields: Fields) -> bool:
        return self.left.holds(fields) and self.right.holds(fields)


@dataclass(frozen=True)
class Or:
    left: Predicate
    right: Predicate
    precedence = 1

    def text(self) -> str:
        return f"{self.left.text()} or {self.right.text()}"

    def holds(self, fields: Fields) -> bool:
        return self.left.holds(fields) or self.right.holds(fields)


# ---- stats ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agg:
    function: str  # count, count_distinct, sum, avg, min, max or pct
    field: str | None = None  # None: count(*)
    percent: int = 50  # pct only
    alias: str | None = None

    def expression(self) -> str:
        argument = "*" if self.field is None else self.field
        if self.function == "pct":
            argument += f", {self.percent}"
        return f"{self.function}({argument})"

    @property
    def column(self) -> str:
        return self.alias or self.expression()

    def text(self) -> str:
        return f"{self.expression()} as {self.alias}" if self.alias else self.expression()

    def over(self, members: Sequence[Fields]) -> int | Measured | None:
        """Counts are exact; the numeric aggregates read the values that convert to numbers."""
        if self.field is None:
            return len(members)
        values = [fields[self.field] for fields in members if self.field in fields]
        if self.function == "count":
            return len(values)
        if self.function == "count_distinct":
            return len(set(values))
        numbers = sorted(n for n in map(as_number, values) if n is not None)
        if not numbers:
            return None
        if self.function == "pct":  # nearest rank
            return Measured(numbers[max(1, math.ceil(Fraction(self.percent, 100) * len(numbers))) - 1])
        total = math.fsum(numbers)
        found = {"sum": total, "avg": total / len(numbers), "min": numbers[0], "max": numbers[-1]}
        return Measured(found[self.function])


@dataclass(frozen=True)
class Bin:
    amount: int
    unit: str  # s, m or h

    @property
    def column(self) -> str:
        return f"bin({self.amount}{self.unit})"

    def of(self, timestamp: int) -> str:
        period = self.amount * UNIT_MS[self.unit]
        return timestamp_text(timestamp // period * period)


@dataclass(frozen=True)
class Stats:
    aggs: tuple[Agg, ...]
    by: tuple[str | Bin, ...] = ()

    @property
    def key_columns(self) -> list[str]:
        return [key if isinstance(key, str) else key.column for key in self.by]

    @property
    def columns(self) -> list[str]:
        return self.key_columns + [agg.column for agg in self.aggs]

    def text(self) -> str:
        text = "stats " + ", ".join(agg.text() for agg in self.aggs)
        return text + " by " + ", ".join(self.key_columns) if self.by else text

    def rows(self, records: Sequence[Record]) -> list[Row]:
        groups: dict[tuple[Scalar | None, ...], list[Fields]] = {}
        for record in records:
            key = tuple(k.of(record.timestamp) if isinstance(k, Bin) else record.fields.get(k) for k in self.by)
            groups.setdefault(key, []).append(record.fields)
        rows: list[Row] = []
        for key, members in groups.items():
            row: Row = {column: value for column, value in zip(self.key_columns, key, strict=True) if value is not None}
            for agg in self.aggs:
                value = agg.over(members)
                if value is not None:
                    row[agg.column] = value
            rows.append(row)
        for column in reversed(self.key_columns):  # stats rows come ordered by their keys, ascending
            rows = sort_rows(rows, column, descending=False)
        return rows


# ---- queries --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    fields: tuple[str, ...] = ()
    flags: tuple[Predicate, ...] = ()  # conditions as fields, named flag0, flag1 …: they read 1 or 0
    filters: tuple[Predicate, ...] = ()
    stats: Stats | None = None
    sort: tuple[tuple[str, bool | None], ...] = ()  # (column, descending); None writes no direction: asc
    limit: int | None = None
    cap: int = ROW_CAP  # StartQuery's limit

    def text(self) -> str:
        items = [*self.fields, *(f"({flag.text()}) as flag{i}" for i, flag in enumerate(self.flags))]
        commands = [f"fields {', '.join(items)}"] if items else []
        commands += [f"filter {predicate.text()}" for predicate in self.filters]
        if self.stats:
            commands.append(self.stats.text())
        if self.sort:
            keys = (name(column) + {None: "", True: " desc", False: " asc"}[d] for column, d in self.sort)
            commands.append("sort " + ", ".join(keys))
        if self.limit is not None:
            commands.append(f"limit {self.limit}")
        return " | ".join(commands)

    @property
    def columns(self) -> Sequence[str]:
        if self.stats:
            return self.stats.columns
        return [*self.fields, *(f"flag{i}" for i in range(len(self.flags)))] or DEFAULT_COLUMNS

    @property
    def row_cap(self) -> int:
        return min(self.limit or self.cap, self.cap)


@dataclass(frozen=True)
class Record:
    timestamp: int
    fields: Fields


def discover(event: Event, group: str) -> Fields:
    """System fields, and for a JSON object every leaf by its dotted path (array elements numbered from 0);
    JSON null is absent and true/false are the strings "true"/"false"."""
    fields: Fields = {
        "@timestamp": timestamp_text(event["timestamp"]),
        "@message": event["message"],
        "@logStream": event["stream"],
        "@log": f"{ACCOUNT}:{group}",
    }
    try:
        document = json.loads(event["message"])
    except ValueError:
        return fields
    if isinstance(document, dict):
        flatten(document, "", fields)
    return fields


def flatten(node: dict[str, Any] | list[Any], prefix: str, out: Fields) -> None:
    for key, value in node.items() if isinstance(node, dict) else enumerate(node):
        path = f"{prefix}{key}"
        if isinstance(value, dict | list):
            flatten(value, path + ".", out)
        elif isinstance(value, bool):
            out[path] = "true" if value else "false"
        elif value is not None:
            out[path] = value


def sort_rows(rows: list[Row], column: str, descending: bool) -> list[Row]:
    """A stable sort on one column; rows without the column go last in both directions."""
    present = [row for row in rows if column in row]
    present.sort(key=lambda row: natural_key(row[column]), reverse=descending)
    return present + [row for row in rows if column not in row]


def ordered_rows(query: Query, events: Sequence[Event], group: str) -> list[Row]:
    """Every row of the query's result in order, before any limit, as dicts that may hold more fields
    than the query's columns (non-stats rows keep all of an event's fields, for sorting)."""
    records = [Record(event["timestamp"], discover(event, group)) for event in reversed(events)]
    records.sort(key=lambda record: record.timestamp, reverse=True)  # ties: the newest event id first
    kept = [record for record in records if all(p.holds(record.fields) for p in query.filters)]
    if query.stats:
        rows = query.stats.rows(kept)
    else:
        flags = [{f"flag{i}": str(int(flag.holds(r.fields))) for i, flag in enumerate(query.flags)} for r in kept]
        rows = [{**record.fields, **flagged} for record, flagged in zip(kept, flags, strict=True)]
    for column, descending in reversed(query.sort):
        rows = sort_rows(rows, column, bool(descending))
    return rows


def project(query: Query, row: Row) -> list[tuple[str, Cell]]:
    """A row as GetQueryResults lists it (without @ptr): the query's columns in order, absent ones left out."""
    return [(column, cell(row[column])) for column in query.columns if column in row]


def evaluate(query: Query, events: Sequence[Event], group: str) -> list[list[tuple[str, Cell]]]:
    return [project(query, row) for row in ordered_rows(query, events, group)[: query.row_cap]]
