"""The Logs Insights API over the query runner: StartQuery, GetQueryResults, StopQuery, DescribeQueries
and ListLogGroupsForQuery."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vigil.engine.clock import now_ms
from vigil.engine.insights import QueryTarget, execute, parse_query
from vigil.engine.logs.groups import LogGroups, Page, is_position
from vigil.engine.logs.scope import Scope
from vigil.engine.paging import decode_token, encode_token
from vigil.engine.queries.runner import QueryRun, QueryRunner, Rows
from vigil.engine.queries.targets import named_groups, query_window
from vigil.errors import invalid_parameter

LANGUAGE = "CWLI"
DEFAULT_LIMIT = 10_000
PAGE_ROWS = 10_000
BAD_TOKEN = "The specified nextToken is invalid."


@dataclass(frozen=True)
class ResultsPage:
    status: str
    language: str
    result: Rows | None  # the finished query's rows and statistics
    rows: list[list[tuple[str, str]]]  # this page of them
    next_token: str | None


class InsightsQueries:
    def __init__(self, groups: LogGroups, runner: QueryRunner) -> None:
        self.groups = groups
        self.runner = runner

    def start(
        self,
        scope: Scope,
        query_string: str,
        *,
        start_s: int,
        end_s: int,
        group_name: str | None = None,
        group_names: Sequence[str] | None = None,
        identifiers: Sequence[str] | None = None,
        limit: int | None = None,
        language: str | None = None,
    ) -> str:
        if language not in (None, LANGUAGE):
            raise invalid_parameter(f"Vigil runs Logs Insights QL (queryLanguage {LANGUAGE}) only, not {language}.")
        # Parsed here so a malformed query fails StartQuery itself, as on AWS.
        query = parse_query(query_string)
        now = now_ms()
        window = query_window(start_s, end_s, query.source, now)
        groups = named_groups(
            self.groups, scope, name=group_name, names=group_names, identifiers=identifiers, source=query.source
        )
        target = QueryTarget(
            groups=groups, start_ms=window.start_ms, end_ms=window.end_ms, limit=limit or DEFAULT_LIMIT, now_ms=now
        )
        return self.runner.submit(
            scope,
            query_string,
            LANGUAGE,
            [g.name for g in groups],
            lambda cursor, publish: execute(query, target, cursor, publish),
        )

    def results(self, scope: Scope, query_id: str, *, token: str | None, max_items: int | None) -> ResultsPage:
        """A page of a query's rows: while it runs, what it has published so far; pages hold at most
        10,000."""
        run = self.runner.get(scope, query_id)
        offset = _offset(token, f"GetQueryResults:{query_id}")
        status = run.status  # before the result: see QueryRunner._finish
        result = run.result
        rows = result.rows if result is not None else []
        size = max_items or PAGE_ROWS
        more = offset + size < len(rows)
        return ResultsPage(
            status,
            run.language,
            result,
            rows[offset : offset + size],
            encode_token(f"GetQueryResults:{query_id}", offset + size) if more else None,
        )

    def stop(self, scope: Scope, query_id: str) -> None:
        self.runner.stop(scope, query_id)

    def describe(
        self,
        scope: Scope,
        *,
        group_name: str | None,
        status: str | None,
        language: str | None,
        token: str | None,
        limit: int,
    ) -> Page[QueryRun]:
        """Recent queries, newest first."""
        before = decode_token(token, "DescribeQueries")
        if before is not None and not is_position(before):
            raise invalid_parameter(BAD_TOKEN)
        runs = [
            run
            for run in self.runner.listing(scope)
            if (before is None or run.sequence < before)
            and (group_name is None or group_name in run.group_names)
            and (status is None or run.status == status)
            and (language is None or run.language == language)
        ]
        page = runs[:limit]
        more = len(runs) > limit
        return Page(page, encode_token("DescribeQueries", page[-1].sequence) if more else None)

    def group_arns(self, scope: Scope, query_id: str, *, token: str | None, limit: int) -> Page[str]:
        """ListLogGroupsForQuery: the ARNs of the groups a query searched."""
        run = self.runner.get(scope, query_id)
        offset = _offset(token, f"ListLogGroupsForQuery:{query_id}")
        arns = [scope.log_group_arn(name) for name in run.group_names]
        more = offset + limit < len(arns)
        return Page(
            arns[offset : offset + limit],
            encode_token(f"ListLogGroupsForQuery:{query_id}", offset + limit) if more else None,
        )


def _offset(token: str | None, kind: str) -> int:
    offset = decode_token(token, kind) or 0
    if not is_position(offset):
        raise invalid_parameter(BAD_TOKEN)
    return int(offset)
