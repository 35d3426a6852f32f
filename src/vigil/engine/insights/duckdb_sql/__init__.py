"""The DuckDB generator: a Plan -> the SQL statements that run it. All DuckDB-specific SQL text of the
Insights engine lives in this package, so another store (ClickHouse) is another generator.

One statement computes the result rows: a CTE per stage over the scan of `log_events`. Two cheaper
ones give the statistics: events scanned and their bytes, and, when filters ran, the events matched.
"""

from __future__ import annotations

from collections.abc import Iterable

from vigil.engine.insights.context import EVENT_ID, GROUP_ID, MESSAGE, STREAM_ID, TIMESTAMP
from vigil.engine.insights.duckdb_sql import prefilter, scan
from vigil.engine.insights.duckdb_sql.expressions import Renderer
from vigil.engine.insights.finish import expressions, walk
from vigil.engine.insights.plan import Plan, Scan, Stage, X

POINTER_COLUMNS = (GROUP_ID, STREAM_ID, TIMESTAMP, EVENT_ID)


def _stage(render: Renderer, stage: Stage, previous: str) -> str:
    columns = [f"{render.sql(value)} AS {name}" for name, value in stage.columns]
    if not stage.aggregate:
        columns.insert(0, "*")
    sql = f"SELECT {', '.join(columns)} FROM {previous}"
    if stage.where is not None:
        sql += f" WHERE {render.sql(stage.where)}"
    if stage.aggregate:
        has_keys = any(not _has_aggregate(value) and value.op != "matched_total" for _, value in stage.columns)
        sql += " GROUP BY ALL" if has_keys else " HAVING count(*) > 0"
    if stage.qualify is not None:
        sql += f" QUALIFY {render.sql(stage.qualify)}"
    if stage.limit is not None:
        sql += f" ORDER BY {render.order(stage.order)} LIMIT {stage.limit}"
    return sql


def _has_aggregate(value: X) -> bool:
    return value.op == "agg" or any(_has_aggregate(arg) for arg in value.args)


def _with(ctes: list[tuple[str, str]], materialized: set[str]) -> str:
    return "WITH " + ",\n".join(
        f"{name} AS {'' if name in materialized else 'NOT '}MATERIALIZED ({sql})" for name, sql in ctes
    )


def _materialized(plan: Plan) -> set[str]:
    """Stages that capture with a regex. Inlined, their `regexp_extract` would run once for the filter
    that reads a capture and again for each later use (measured: twice the time of one evaluation)."""
    return {
        f"s{index}"
        for index, stage in enumerate(plan.stages)
        if any(node.op == "regex_struct" for _, value in stage.columns for node in walk(value))
    }


def _pure_filter(stage: Stage) -> bool:
    return stage.where is not None and not (stage.columns or stage.aggregate or stage.qualify or stage.limit)


def _json_fields(values: Iterable[X | None]) -> set[int]:
    """The discovered JSON fields (indexes into the scan's paths) that ``values`` read."""
    read = (node for value in values if value is not None for node in walk(value))
    return {node.value for node in read if node.op.startswith("jfield_")}


def _stage_values(stage: Stage) -> list[X | None]:
    return [value for _, value in stage.columns] + [term.key for term in stage.order] + [stage.where, stage.qualify]


def _reads_object_messages(plan: Plan) -> bool:
    """Whether the query reads a JSON object message for more than the fields ingest stored."""
    if plan.scan.lambda_fields or not all(map(prefilter.keyed_column, plan.scan.json_paths)):
        return True
    return any(node.op == "col" and node.value == MESSAGE for value in expressions(plan) for node in walk(value))


def _late_stage(plan: Plan, leading: int, late: list[int]) -> int:
    """Where the other JSON fields are read: before the first stage that needs them (or groups, dropping
    the events' columns), so that a sort and limit that need none of them (`sort @timestamp desc |
    limit 100`) run first and the fields are read for the rows kept only."""
    for index in range(leading, len(plan.stages)):
        stage = plan.stages[index]
        if stage.aggregate or _json_fields(_stage_values(stage)) & set(late):
            return index
    return len(plan.stages)


def _narrowing(plan: Plan) -> tuple[int, prefilter.Narrowing]:
    """How many stages, from the first, only filter, and what they imply about the stored events."""
    leading = 0
    while leading < len(plan.stages) and _pure_filter(plan.stages[leading]):
        leading += 1
    return leading, prefilter.narrowing(plan.scan, plan.stages[:leading], "e.message", "e.")


def _ctes(plan: Plan, *, capped: bool = False, embedded_only: bool = False) -> list[tuple[str, str]]:
    """The scan, then a CTE per stage. JSON fields the leading filters need are read before them; the
    others only for the events those filters keep, and as late as the stages allow."""
    render = Renderer(plan.scan)
    leading, narrowing = _narrowing(plan)
    ctes = scan.events(plan.scan, narrowing, object_messages=_reads_object_messages(plan), embedded_only=embedded_only)
    every = range(len(plan.scan.json_paths))
    early = sorted(_json_fields(stage.where for stage in plan.stages[:leading])) if leading else list(every)
    late = [index for index in every if index not in early]
    if early:
        ctes += scan.document(ctes[-1][0])
        ctes += scan.discovered(plan.scan, early, ctes[-1][0], "")
    reading = _late_stage(plan, leading, late) if late else None
    for index, stage in enumerate(plan.stages):
        if index == reading:
            ctes += _late(plan.scan, late, bool(early), ctes[-1][0])
        ctes.append((f"s{index}", _stage(render, stage, ctes[-1][0])))
    if reading == len(plan.stages):
        if capped and not _json_fields(term.key for term in plan.order) & set(late):
            # Only the result rows need the other fields: keep those rows first.
            order = f"ORDER BY {render.order(plan.order)} " if plan.order else ""
            ctes.append(("kept", f"SELECT * FROM {ctes[-1][0]} {order}LIMIT {plan.limit}"))
        ctes += _late(plan.scan, late, bool(early), ctes[-1][0])
    return ctes


def _late(scan_: Scan, late: list[int], documented: bool, previous: str) -> list[tuple[str, str]]:
    ctes = [] if documented else scan.document(previous)
    return ctes + scan.discovered(scan_, late, ctes[-1][0] if ctes else previous, "_late")


def rows(plan: Plan) -> str:
    """The result rows: output columns o0, o1, … in plan order, then the pointer columns of event rows,
    then the matched count when the plan carries one."""
    render = Renderer(plan.scan)
    ctes = _ctes(plan, capped=True)
    outputs = [f"{render.sql(output.value)} AS o{index}" for index, output in enumerate(plan.outputs)]
    if plan.events:
        outputs.extend(POINTER_COLUMNS)
    if plan.matched_column is not None:
        outputs.append(plan.matched_column)
    order = f" ORDER BY {render.order(plan.order)}" if plan.order else ""
    select = f"SELECT {', '.join(outputs) or 'NULL'} FROM {ctes[-1][0]}{order} LIMIT {plan.limit}"
    return f"{_with(ctes, _materialized(plan))}\n{select}"


def count(plan: Plan) -> str:
    """How many rows the plan's last stage holds. When the stages are nothing but equalities on fields
    stored at ingest, the messages with stored fields are counted on those columns alone."""
    leading, narrowing = _narrowing(plan)
    if leading == len(plan.stages) and narrowing.keyed and narrowing.exact:
        ctes = _ctes(plan, embedded_only=True)
        stored = (
            f"SELECT count(*) FROM log_events e WHERE ({scan.where(plan.scan)}) AND {' AND '.join(narrowing.keyed)}"
        )
        return f"{_with(ctes, _materialized(plan))}\nSELECT ({stored}) + (SELECT count(*) FROM {ctes[-1][0]})"
    ctes = _ctes(plan)
    return f"{_with(ctes, _materialized(plan))}\nSELECT count(*) FROM {ctes[-1][0]}"


def bounds(scan_: Scan) -> str:
    """(oldest, newest) event time of the groups the query reads, from their streams' records (no scan
    of the events; retention may have deleted the oldest since, which only shapes the time slices)."""
    ids = ", ".join(str(group) for window in scan_.windows for group in window.group_ids) or "NULL"
    return f"SELECT min(first_event_time), max(last_event_time) FROM log_streams WHERE group_id IN ({ids})"


def scanned(scan_: Scan) -> str:
    """(events, bytes) the query reads."""
    return f"SELECT count(*), coalesce(sum(e.size), 0) FROM log_events e WHERE {scan.where(scan_)}"
