"""Column-wise validation of long lists: PutLogEvents' 10,000 events, PutMetricData's 1,000 datums.

Checking each member of each item through its own validator costs a call and a path string per value. Here a
list is checked one member at a time across all its items (nested lists and structures flattened into one
column), with C-speed passes: ``set(map(type, ...))``, ``min(map(len, ...))``. A column check returns the
values as the item-by-item validator would (converted in place where the wire's type differs, such as an
epoch number for a timestamp) or None when anything is unusual; then that validator runs and words the errors.
It must accept no less than the scalar checks do, and may refuse more.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import operator
from collections.abc import Callable
from typing import Any

from botocore.model import Shape

ColumnCheck = Callable[[list[Any]], list[Any] | None]

_LAST_FAST_SECOND = 10**11
_INT_BITS = {"integer": 32, "long": 64}

_built: dict[tuple[str, str, str], ColumnCheck | None] = {}
_building: set[tuple[str, str, str]] = set()


def column_check(service: str, shape: Shape, wire: str) -> ColumnCheck | None:
    """The column check of ``shape``, built once; None for what it does not cover (maps, blobs, unions,
    patterned strings, recursive shapes, and the query wire, whose every scalar is text)."""
    if wire == "query":
        return None
    key = (service, shape.name, wire)
    if key in _built:
        return _built[key]
    if key in _building:
        return None
    _building.add(key)
    try:
        check = _build(service, shape, wire)
    finally:
        _building.discard(key)
    _built[key] = check
    return check


def _build(service: str, shape: Shape, wire: str) -> ColumnCheck | None:
    kind, meta = shape.type_name, shape.metadata
    if kind == "structure":
        return _structures(service, shape, wire)
    if kind == "list":
        return _lists(service, shape, wire)
    if kind == "string" and not meta.get("pattern"):
        return _strings(meta.get("min"), meta.get("max"), frozenset(meta["enum"]) if meta.get("enum") else None)
    if kind in _INT_BITS:
        bound = 2 ** (_INT_BITS[kind] - 1)
        low, high = meta.get("min"), meta.get("max")
        low = -bound if low is None else max(low, -bound)
        return _integers(low, bound - 1 if high is None else min(high, bound - 1))
    if kind in ("double", "float") and meta.get("min") is None and meta.get("max") is None:
        return _doubles
    if kind == "boolean":
        return _booleans
    if kind == "timestamp":
        return _timestamps
    return None


def _strings(low: int | None, high: int | None, enum: frozenset[str] | None) -> ColumnCheck:
    def check(values: list[Any]) -> list[Any] | None:
        if set(map(type, values)) != {str}:  # exact types: no None, no subclasses
            return None
        if low is not None or high is not None:
            lengths = list(map(len, values))
            if (low is not None and min(lengths) < low) or (high is not None and max(lengths) > high):
                return None
        if enum is not None and not enum.issuperset(values):
            return None
        return values

    return check


def _integers(low: int, high: int) -> ColumnCheck:
    def check(values: list[Any]) -> list[Any] | None:
        if set(map(type, values)) != {int} or min(values) < low or max(values) > high:
            return None
        return values

    return check


def _doubles(values: list[Any]) -> list[Any] | None:
    types = set(map(type, values))
    if types == {float}:
        return values
    if not types <= {float, int}:  # bool is its own type here: refused, as the scalar check refuses it
        return None
    try:
        return list(map(float, values))
    except OverflowError:
        return None


def _booleans(values: list[Any]) -> list[Any] | None:
    return values if set(map(type, values)) == {bool} else None


def _timestamps(values: list[Any]) -> list[Any] | None:
    types = set(map(type, values))
    if types == {dt.datetime}:
        return [value if value.tzinfo else value.replace(tzinfo=dt.UTC) for value in values]
    # Epoch seconds from 1970 to 5138: fromtimestamp gives the very datetime ``_EPOCH + timedelta`` does (both
    # round to the microsecond half to even), three times faster; anything else goes the member-by-member way.
    if not types <= {float, int} or not all(map(math.isfinite, values)):
        return None
    if min(values) < 0 or max(values) >= _LAST_FAST_SECOND:
        return None
    return list(map(dt.datetime.fromtimestamp, values, itertools.repeat(dt.UTC)))


def _structures(service: str, shape: Shape, wire: str) -> ColumnCheck | None:
    if not shape.members or shape.metadata.get("union") or "min" in shape.metadata or "max" in shape.metadata:
        return None
    members: dict[str, ColumnCheck] = {}
    for name, member in shape.members.items():
        check = column_check(service, member, wire)
        if check is None:
            return None
        members[name] = check
    names = frozenset(members)
    required = tuple(shape.required_members)

    def check(items: list[Any]) -> list[Any] | None:
        # Every item a dict holding only members the model knows (none to drop) and every required one.
        if set(map(type, items)) != {dict} or not names.issuperset(itertools.chain.from_iterable(items)):
            return None
        for name in required:
            if not all(map(operator.contains, items, itertools.repeat(name))):
                return None
        for name, column in members.items():
            holders = [item for item in items if name in item]
            if not holders:
                continue
            values = [item[name] for item in holders]
            converted = column(values)
            if converted is None:
                return None
            if converted is not values:
                for item, value in zip(holders, converted, strict=True):
                    item[name] = value
        return items

    return check


def _lists(service: str, shape: Shape, wire: str) -> ColumnCheck | None:
    member = column_check(service, shape.member, wire)
    if member is None:
        return None
    low, high = shape.metadata.get("min"), shape.metadata.get("max")

    def check(lists: list[Any]) -> list[Any] | None:
        if set(map(type, lists)) != {list}:
            return None
        sizes = list(map(len, lists))
        if (low is not None and min(sizes) < low) or (high is not None and max(sizes) > high):
            return None
        flat = list(itertools.chain.from_iterable(lists))
        if not flat:
            return lists
        converted = member(flat)
        if converted is None:
            return None
        if converted is not flat:
            position = 0
            for values, size in zip(lists, sizes, strict=True):
                values[:] = converted[position : position + size]
                position += size
        return lists

    return check
