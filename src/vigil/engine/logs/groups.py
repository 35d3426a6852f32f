"""Log groups and log streams: their lifecycle, listing, retention and tags."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from vigil.engine.clock import now_ms
from vigil.engine.logs.limits import MAX_TAGS, RETENTION_DAYS
from vigil.engine.logs.scope import Scope
from vigil.engine.paging import decode_token, encode_token
from vigil.errors import ServiceError, invalid_parameter, not_found
from vigil.store.logs import LogsStore
from vigil.store.records import LogGroup, LogStream

GROUP_NOT_FOUND = "The specified log group does not exist."
BAD_TOKEN = "The specified nextToken is invalid."
MAX_POSITION = 2**63 - 1  # the largest offset or id the store's BIGINT columns can compare against
STREAM_NOT_FOUND = "The specified log stream does not exist."


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_token: str | None


class LogGroups:
    def __init__(self, store: LogsStore) -> None:
        self.store = store

    # ---- groups ----------------------------------------------------------------------------------

    def get(self, scope: Scope, name: str, *, sized: bool = True) -> LogGroup:
        """The group named ``name``; without ``sized`` its ``stored_bytes`` is left at 0 (cheaper)."""
        group = self.store.find_group(scope.account_id, scope.region, name, sized=sized)
        if group is None:
            raise not_found(GROUP_NOT_FOUND)
        return group

    def resolve(self, scope: Scope, name: str | None, identifier: str | None) -> LogGroup:
        """The group named by ``logGroupName`` or ``logGroupIdentifier`` (a name or an ARN)."""
        if name and identifier:
            raise invalid_parameter("LogGroup name and LogGroup identifier are mutually exclusive parameters.")
        if not name and not identifier:
            raise invalid_parameter("Either logGroupName or logGroupIdentifier must be specified.")
        return self.get(scope, name or self.name_from_identifier(scope, identifier or ""))

    @staticmethod
    def name_from_identifier(scope: Scope, identifier: str) -> str:
        if not identifier.startswith("arn:"):
            return identifier
        parts = identifier.split(":", 6)
        if len(parts) < 7 or parts[2] != "logs" or parts[5] != "log-group":
            raise invalid_parameter(f"Invalid log group ARN: {identifier}")
        if parts[3] != scope.region or parts[4] != scope.account_id:
            raise not_found(GROUP_NOT_FOUND)
        name = parts[6]
        return name[:-2] if name.endswith(":*") else name

    def create(
        self,
        scope: Scope,
        name: str,
        *,
        kms_key_id: str | None,
        group_class: str | None,
        tags: dict[str, str] | None,
        deletion_protection: bool,
    ) -> LogGroup:
        _check_tags(tags or {})
        group = self.store.create_group(
            scope.account_id,
            scope.region,
            name,
            now=now_ms(),
            kms_key_id=kms_key_id,
            group_class=group_class or "STANDARD",
            tags=tags or {},
            deletion_protection=deletion_protection,
        )
        if group is None:
            raise ServiceError("ResourceAlreadyExistsException", "The specified log group already exists")
        return group

    def delete(self, scope: Scope, name: str) -> None:
        group = self.get(scope, name)
        if group.deletion_protection:
            raise ServiceError(
                "OperationAbortedException", "Log group deletion is not allowed while deletion protection is enabled."
            )
        self.store.delete_group(group.id)

    def describe(
        self,
        scope: Scope,
        *,
        prefix: str | None,
        pattern: str | None,
        identifiers: Sequence[str] | None,
        group_class: str | None,
        token: str | None,
        limit: int,
    ) -> Page[LogGroup]:
        if prefix and pattern:
            raise invalid_parameter("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
        if identifiers and (prefix or pattern):
            raise invalid_parameter(
                "logGroupIdentifiers cannot be combined with logGroupNamePrefix or logGroupNamePattern."
            )
        names = self._listed_names(scope, identifiers) if identifiers else None
        return self._page(
            scope,
            "DescribeLogGroups",
            token,
            limit,
            names=names,
            prefix=prefix,
            patterns=[(False, pattern)] if pattern else None,
            group_class=group_class,
        )

    def _listed_names(self, scope: Scope, identifiers: Sequence[str]) -> list[str]:
        """The names ``logGroupIdentifiers`` select. An identifier for another account or region names
        no group here, so it filters everything out instead of failing the listing."""
        names = []
        for identifier in identifiers:
            try:
                names.append(self.name_from_identifier(scope, identifier))
            except ServiceError as error:
                if error.code != "ResourceNotFoundException":
                    raise
        return names

    def list(
        self, scope: Scope, *, pattern: str | None, group_class: str | None, token: str | None, limit: int
    ) -> Page[LogGroup]:
        """ListLogGroups: ``pattern`` holds up to five alternatives; ``^x`` is a prefix, ``x`` a substring."""
        patterns = None
        if pattern:
            patterns = [(p.startswith("^"), p.removeprefix("^")) for p in pattern.split("|")]
        return self._page(scope, "ListLogGroups", token, limit, patterns=patterns, group_class=group_class)

    def _page(self, scope: Scope, kind: str, token: str | None, limit: int, **filters: object) -> Page[LogGroup]:
        after = decode_token(token, kind)
        if after is not None and not isinstance(after, str):
            raise invalid_parameter(BAD_TOKEN)
        groups = self.store.list_groups(scope.account_id, scope.region, after=after, limit=limit + 1, **filters)
        more = len(groups) > limit
        groups = groups[:limit]
        return Page(groups, encode_token(kind, groups[-1].name) if more else None)

    def set_retention(self, scope: Scope, name: str, days: int | None) -> None:
        if days is not None and days not in RETENTION_DAYS:
            raise invalid_parameter(
                f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(map(str, RETENTION_DAYS))}]"
            )
        self.store.update_group(self.get(scope, name).id, retention_days=days)

    def set_deletion_protection(self, scope: Scope, identifier: str, enabled: bool) -> None:
        group = self.get(scope, self.name_from_identifier(scope, identifier))
        self.store.update_group(group.id, deletion_protection=enabled)

    # ---- tags ------------------------------------------------------------------------------------

    def group_for_arn(self, scope: Scope, arn: str) -> LogGroup:
        parts = arn.split(":", 6)
        if len(parts) < 7 or parts[0] != "arn" or parts[2] != "logs" or parts[5] != "log-group":
            raise invalid_parameter(f"Invalid resource ARN: {arn}")
        return self.get(scope, self.name_from_identifier(scope, arn))

    def tag(self, group: LogGroup, tags: dict[str, str]) -> None:
        merged = {**group.tags, **tags}
        _check_tags(merged)
        self.store.update_group(group.id, tags=merged)

    def untag(self, group: LogGroup, keys: Sequence[str]) -> None:
        self.store.update_group(group.id, tags={k: v for k, v in group.tags.items() if k not in set(keys)})

    # ---- streams ---------------------------------------------------------------------------------

    def stream(self, group: LogGroup, name: str) -> LogStream:
        stream = self.store.find_stream(group.id, name)
        if stream is None:
            raise not_found(STREAM_NOT_FOUND)
        return stream

    def create_stream(self, scope: Scope, group_name: str, name: str) -> LogStream:
        group = self.get(scope, group_name)
        stream = self.store.create_stream(group.id, name, now=now_ms())
        if stream is None:
            if self.store.find_group(scope.account_id, scope.region, group_name) is None:
                raise not_found(GROUP_NOT_FOUND)
            raise ServiceError("ResourceAlreadyExistsException", "The specified log stream already exists")
        return stream

    def delete_stream(self, scope: Scope, group_name: str, name: str) -> None:
        self.store.delete_stream(self.stream(self.get(scope, group_name), name).id)

    def describe_streams(
        self,
        group: LogGroup,
        *,
        prefix: str | None,
        order_by: str | None,
        descending: bool,
        token: str | None,
        limit: int,
    ) -> Page[LogStream]:
        by_last_event = order_by == "LastEventTime"
        if by_last_event and prefix:
            raise invalid_parameter("Cannot order by LastEventTime with a logStreamNamePrefix.")
        kind = f"DescribeLogStreams:{group.id}:{prefix}:{order_by}:{descending}"
        offset = decode_token(token, kind) or 0
        if not is_position(offset):
            raise invalid_parameter(BAD_TOKEN)
        streams = self.store.list_streams(
            group.id,
            prefix=prefix,
            by_last_event=by_last_event,
            descending=descending,
            offset=offset,
            limit=limit + 1,
        )
        more = len(streams) > limit
        return Page(streams[:limit], encode_token(kind, offset + limit) if more else None)


def is_position(value: object) -> bool:
    """Whether a value decoded from a token is an offset or id the store can use."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_POSITION


def _check_tags(tags: dict[str, str]) -> None:
    if len(tags) > MAX_TAGS:
        raise ServiceError("TooManyTagsException", f"A resource can have no more than {MAX_TAGS} tags.")
    for key in tags:
        if key.lower().startswith("aws:"):
            raise invalid_parameter(f"Tag keys beginning with 'aws:' are reserved: {key}")
