"""Saved Logs Insights queries: PutQueryDefinition, DescribeQueryDefinitions, DeleteQueryDefinition.

Query strings are stored as given, not parsed: AWS does not check them either, and a definition may hold
``{{parameter}}`` placeholders that only become a query once substituted.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from vigil.engine.clock import now_ms
from vigil.engine.logs.groups import Page
from vigil.engine.logs.scope import Scope
from vigil.engine.paging import decode_token, encode_token
from vigil.errors import ServiceError, invalid_parameter, not_found
from vigil.store.queries import QueriesStore, QueryDefinition

MAX_DEFINITIONS = 1000  # per account and region
DEFINITION_NOT_FOUND = "The specified query definition does not exist."


class QueryDefinitions:
    def __init__(self, store: QueriesStore) -> None:
        self.store = store

    def put(
        self,
        scope: Scope,
        *,
        definition_id: str | None,
        name: str,
        query_string: str,
        group_names: Sequence[str] | None,
        language: str | None,
        parameters: Sequence[dict[str, str]] | None,
        client_token: str | None,
    ) -> str:
        """Create a definition, or replace every field of the one ``definition_id`` names (fields left out
        of an update are emptied, as on AWS)."""
        definition = QueryDefinition(
            id=definition_id or str(uuid.uuid4()),
            name=name,
            query_string=query_string,
            query_language=language or "CWLI",
            log_group_names=list(group_names or []),
            parameters=[dict(p) for p in parameters or []],
            last_modified=now_ms(),
        )
        try:
            stored = self.store.put_definition(
                scope.account_id,
                scope.region,
                definition,
                create=definition_id is None,
                client_token=client_token,
                max_count=MAX_DEFINITIONS,
            )
        except OverflowError:
            raise ServiceError(
                "LimitExceededException", f"You can save at most {MAX_DEFINITIONS} query definitions."
            ) from None
        if stored is None:
            raise not_found(DEFINITION_NOT_FOUND)
        return stored

    def describe(
        self, scope: Scope, *, prefix: str | None, language: str | None, token: str | None, limit: int
    ) -> Page[QueryDefinition]:
        """Definitions sorted by name (then id), optionally only those whose names start with ``prefix``."""
        kind = f"DescribeQueryDefinitions:{prefix}:{language}"
        after = decode_token(token, kind)
        if after is not None and not (
            isinstance(after, list) and len(after) == 2 and all(isinstance(x, str) for x in after)
        ):
            raise invalid_parameter("The specified nextToken is invalid.")
        found = self.store.list_definitions(
            scope.account_id,
            scope.region,
            prefix=prefix,
            language=language,
            after=(after[0], after[1]) if after else None,
            limit=limit + 1,
        )
        page = found[:limit]
        more = len(found) > limit
        return Page(page, encode_token(kind, [page[-1].name, page[-1].id]) if more else None)

    def delete(self, scope: Scope, definition_id: str) -> None:
        if not self.store.delete_definition(scope.account_id, scope.region, definition_id):
            raise not_found(DEFINITION_NOT_FOUND)
