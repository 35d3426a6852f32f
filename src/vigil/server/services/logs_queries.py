"""CloudWatch Logs Insights operations: queries, query definitions, log records and log group fields."""

from __future__ import annotations

from vigil.engine.logs.groups import LogGroups
from vigil.engine.queries.definitions import QueryDefinitions
from vigil.engine.queries.insights import InsightsQueries
from vigil.engine.queries.records import LogRecords
from vigil.engine.queries.runner import QueryRun, Rows
from vigil.server.services.base import Params, RequestContext, Result, Service, operation, with_next_token
from vigil.store.queries import QueryDefinition


def _statistics(found: Rows | None) -> Result:
    return {
        "recordsMatched": float(found.records_matched) if found else 0.0,
        "recordsScanned": float(found.records_scanned) if found else 0.0,
        "bytesScanned": float(found.bytes_scanned) if found else 0.0,
    }


def _query_info(run: QueryRun) -> Result:
    info: Result = {
        "queryLanguage": run.language,
        "queryId": run.id,
        "queryString": run.query_string,
        "status": run.status,
        "createTime": run.create_time,
    }
    if run.group_names:
        info["logGroupName"] = run.group_names[0]
    if run.duration_ms is not None:
        info["queryDuration"] = run.duration_ms
    if run.result is not None:
        info["bytesScanned"] = float(run.result.bytes_scanned)
    return info


def _definition(definition: QueryDefinition) -> Result:
    return {
        "queryLanguage": definition.query_language,
        "queryDefinitionId": definition.id,
        "name": definition.name,
        "queryString": definition.query_string,
        "lastModified": definition.last_modified,
        "logGroupNames": definition.log_group_names,
        "parameters": definition.parameters,
    }


class LogsQueriesService(Service):
    name = "logs"

    def __init__(
        self, groups: LogGroups, queries: InsightsQueries, definitions: QueryDefinitions, records: LogRecords
    ) -> None:
        self.groups = groups
        self.queries = queries
        self.definitions = definitions
        self.records = records

    # ---- queries ---------------------------------------------------------------------------------

    @operation("StartQuery")
    def start_query(self, ctx: RequestContext, p: Params) -> Result:
        query_id = self.queries.start(
            ctx.scope,
            p["queryString"],
            start_s=p["startTime"],
            end_s=p["endTime"],
            group_name=p.get("logGroupName"),
            group_names=p.get("logGroupNames"),
            identifiers=p.get("logGroupIdentifiers"),
            limit=p.get("limit"),
            language=p.get("queryLanguage"),
        )
        return {"queryId": query_id}

    @operation("GetQueryResults")
    def get_query_results(self, ctx: RequestContext, p: Params) -> Result:
        page = self.queries.results(ctx.scope, p["queryId"], token=p.get("nextToken"), max_items=p.get("maxItems"))
        out: Result = {
            "queryLanguage": page.language,
            "results": [[{"field": f, "value": v} for f, v in row] for row in page.rows],
            "statistics": _statistics(page.result),
            "status": page.status,
        }
        return with_next_token(out, page.next_token)

    @operation("StopQuery")
    def stop_query(self, ctx: RequestContext, p: Params) -> Result:
        self.queries.stop(ctx.scope, p["queryId"])
        return {"success": True}

    @operation("DescribeQueries")
    def describe_queries(self, ctx: RequestContext, p: Params) -> Result:
        page = self.queries.describe(
            ctx.scope,
            group_name=p.get("logGroupName"),
            status=p.get("status"),
            language=p.get("queryLanguage"),
            token=p.get("nextToken"),
            limit=p.get("maxResults", 1000),
        )
        out: Result = {"queries": [_query_info(run) for run in page.items]}
        return with_next_token(out, page.next_token)

    @operation("ListLogGroupsForQuery")
    def list_log_groups_for_query(self, ctx: RequestContext, p: Params) -> Result:
        page = self.queries.group_arns(ctx.scope, p["queryId"], token=p.get("nextToken"), limit=p.get("maxResults", 50))
        out: Result = {"logGroupIdentifiers": page.items}
        return with_next_token(out, page.next_token)

    # ---- query definitions -----------------------------------------------------------------------

    @operation("PutQueryDefinition")
    def put_query_definition(self, ctx: RequestContext, p: Params) -> Result:
        definition_id = self.definitions.put(
            ctx.scope,
            definition_id=p.get("queryDefinitionId"),
            name=p["name"],
            query_string=p["queryString"],
            group_names=p.get("logGroupNames"),
            language=p.get("queryLanguage"),
            parameters=p.get("parameters"),
            client_token=p.get("clientToken"),
        )
        return {"queryDefinitionId": definition_id}

    @operation("DescribeQueryDefinitions")
    def describe_query_definitions(self, ctx: RequestContext, p: Params) -> Result:
        page = self.definitions.describe(
            ctx.scope,
            prefix=p.get("queryDefinitionNamePrefix"),
            language=p.get("queryLanguage"),
            token=p.get("nextToken"),
            limit=p.get("maxResults", 1000),
        )
        out: Result = {"queryDefinitions": [_definition(d) for d in page.items]}
        return with_next_token(out, page.next_token)

    @operation("DeleteQueryDefinition")
    def delete_query_definition(self, ctx: RequestContext, p: Params) -> Result:
        self.definitions.delete(ctx.scope, p["queryDefinitionId"])
        return {"success": True}

    # ---- records and fields ----------------------------------------------------------------------

    @operation("GetLogRecord")
    def get_log_record(self, ctx: RequestContext, p: Params) -> Result:
        return {"logRecord": self.records.record(ctx.scope, p["logRecordPointer"])}

    @operation("GetLogGroupFields")
    def get_log_group_fields(self, ctx: RequestContext, p: Params) -> Result:
        group = self.groups.resolve(ctx.scope, p.get("logGroupName"), p.get("logGroupIdentifier"))
        shares = self.records.field_shares(group, p.get("time"))
        return {"logGroupFields": [{"name": s.name, "percent": s.percent} for s in shares]}
