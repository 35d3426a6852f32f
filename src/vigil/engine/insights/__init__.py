"""CloudWatch Logs Insights: the query language (docs/insights.md).

text --parser--> ast.Query --checks--> --planner--> plan.Plan --finish--> --duckdb_sql--> SQL --store--> rows
"""

from __future__ import annotations

from vigil.engine.insights.ast import Query, SourceCommand
from vigil.engine.insights.checks import check
from vigil.engine.insights.executor import QueryResults, QueryTarget, execute, validate
from vigil.engine.insights.parser import parse


def parse_query(text: str) -> Query:
    """The query, or ServiceError("MalformedQueryException", "… at line L, column C …")."""
    query = parse(text)
    check(query)
    validate(query)
    return query


__all__ = ["Query", "QueryResults", "QueryTarget", "SourceCommand", "execute", "parse_query"]
