"""Which log groups and which time window a StartQuery request names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from vigil.engine.logs.groups import LogGroups
from vigil.engine.logs.scope import Scope
from vigil.errors import ServiceError, invalid_parameter
from vigil.store.records import LogGroup

MAX_GROUPS = 50  # logGroupName(s) / logGroupIdentifiers
MAX_SOURCE_GROUPS = 10_000
MAX_SOURCE_PREFIXES = 5
DEFAULT_CLASS = "STANDARD"


class Source(Protocol):
    """The SOURCE command of a query, as the Insights parser gives it."""

    name_prefixes: Sequence[str]
    account_ids: Sequence[str]
    classes: Sequence[str]
    start_offset_ms: int | None
    end_offset_ms: int | None


@dataclass(frozen=True)
class Window:
    start_ms: int  # inclusive
    end_ms: int  # inclusive


def query_window(start_s: int, end_s: int, source: Source | None, now: int) -> Window:
    """StartQuery's times are whole epoch seconds and both ends are included, so the window runs to the
    last millisecond of ``endTime``. SOURCE's START/END offsets, when present, replace them."""
    start, end = start_s * 1000, end_s * 1000 + 999
    if source is not None and source.start_offset_ms is not None:
        start = now + source.start_offset_ms
    if source is not None and source.end_offset_ms is not None:
        end = now + source.end_offset_ms
    if start > end:
        raise invalid_parameter("The query's start time must not be after its end time.")
    return Window(start, end)


def named_groups(
    groups: LogGroups,
    scope: Scope,
    *,
    name: str | None,
    names: Sequence[str] | None,
    identifiers: Sequence[str] | None,
    source: Source | None,
) -> list[LogGroup]:
    """The groups StartQuery names: exactly one of its three parameters, or a SOURCE command."""
    given = [value for value in (name, names, identifiers) if value is not None]
    if source is not None:
        if given:
            raise invalid_parameter(
                "A query with a SOURCE command selects its own log groups: omit logGroupName, logGroupNames "
                "and logGroupIdentifiers."
            )
        return source_groups(groups, scope, source)
    if len(given) != 1 or not given[0]:
        raise invalid_parameter(
            "Exactly one of logGroupName, logGroupNames or logGroupIdentifiers must be specified, "
            "or the query must start with a SOURCE command."
        )
    if name is not None:
        wanted = [name]
    elif names is not None:
        wanted = list(names)
    else:
        wanted = [groups.name_from_identifier(scope, identifier) for identifier in identifiers or ()]
    wanted = list(dict.fromkeys(wanted))
    if len(wanted) > MAX_GROUPS:
        raise invalid_parameter(f"A query can name at most {MAX_GROUPS} log groups; {len(wanted)} were given.")
    found = []
    for group_name in wanted:
        group = groups.store.find_group(scope.account_id, scope.region, group_name)
        if group is None:
            raise ServiceError("ResourceNotFoundException", f"Log group '{group_name}' does not exist.")
        found.append(group)
    return found


def source_groups(groups: LogGroups, scope: Scope, source: Source) -> list[LogGroup]:
    """SOURCE logGroups(...): the caller's groups whose names start with any prefix (every group when no
    prefix is given) and whose class is listed (STANDARD when none is)."""
    if len(source.name_prefixes) > MAX_SOURCE_PREFIXES:
        raise ServiceError(
            "MalformedQueryException", f"SOURCE accepts at most {MAX_SOURCE_PREFIXES} namePrefix values."
        )
    if source.account_ids and scope.account_id not in source.account_ids:
        return []
    classes = set(source.classes or (DEFAULT_CLASS,))
    selected = groups.store.list_groups(
        scope.account_id,
        scope.region,
        patterns=[(True, prefix) for prefix in source.name_prefixes] or None,
        # There are two classes: naming both is the same as naming none.
        group_class=classes.pop() if len(classes) == 1 else None,
        limit=MAX_SOURCE_GROUPS + 1,
    )
    if len(selected) > MAX_SOURCE_GROUPS:
        raise ServiceError(
            "LimitExceededException", f"The SOURCE command matches more than {MAX_SOURCE_GROUPS} log groups."
        )
    return selected
