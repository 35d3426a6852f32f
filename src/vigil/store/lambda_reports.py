"""SQL for Lambda's platform metrics drawn from its log lines (engine/metrics/lambda_reports.py says which):
the SELECT over a range of stored events (``stored_events``, see store/emitted_points.py), and the names of log
groups by id."""

from __future__ import annotations

from collections.abc import Sequence

from vigil.store.database import Database
from vigil.store.emitted_points import EMITTED_COLUMNS


def group_names(database: Database, group_ids: Sequence[int]) -> dict[int, str]:
    """The names of the log groups that exist among ``group_ids``."""
    if not group_ids:
        return {}
    placeholders = ", ".join("?" * len(group_ids))
    rows = (
        database.cursor()
        .execute(f"SELECT id, name FROM log_groups WHERE id IN ({placeholders})", list(group_ids))
        .fetchall()
    )
    return {int(group_id): str(name) for group_id, name in rows}


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def lambda_select(group_ids: Sequence[int], prefix: str, namespace: str) -> str:
    """The datapoints of the Lambda log groups ``group_ids`` (named ``prefix`` + function name) in the range.

    Each invocation's REPORT line (text, or ``platform.report`` in the JSON log format) gives Invocations 1,
    Duration and Errors (1 when its status is ``error`` or ``timeout``, else 0), stamped with the invocation's
    start (the line's time less the duration). An unhandled exception the runtime prints, and the older
    runtimes' timeout and crash lines, give Errors 1 at their own time. Every datapoint goes both to the
    function's series (``FunctionName``) and to the account's series without dimensions.
    """
    ids = ", ".join(str(int(group_id)) for group_id in group_ids)
    names = ", ".join(column.split()[0] for column in EMITTED_COLUMNS.split(", "))
    # DuckDB may evaluate the terms of an AND in any order: a CASE keeps the JSON functions off other lines.
    json_report = (
        "starts_with(message, '{') AND contains(message, '\"platform.report\"') AND CASE WHEN json_valid(message) "
        "THEN json_extract_string(message, '$.type') = 'platform.report' ELSE false END"
    )
    # The runtime's own errors (``Runtime.ImportModuleError``...) also end the invocation with an error
    # status in its REPORT line: counted there, not twice.
    python_json_error = (
        "starts_with(message, '{') AND contains(message, '\"errorType\"') AND CASE WHEN json_valid(message) "
        "THEN json_extract_string(message, '$.level') = 'ERROR' AND json_type(message, '$.stackTrace') = 'ARRAY' "
        "AND NOT starts_with(json_extract_string(message, '$.errorType'), 'Runtime.') ELSE false END"
    )
    return f"""
SELECT {names} FROM (
    SELECT g.account_id AS account_id, g.region AS region, {_text(namespace)} AS namespace, m.metric AS metric_name,
           m.unit AS unit, o.at AS timestamp, m.v AS v,
           CASE WHEN d.per_function
                THEN '{{"FunctionName":' || to_json(substr(g.name, {len(prefix) + 1})) || '}}' ELSE '{{}}' END
               AS dims,
           false AS is_default, 60 AS storage_resolution
    FROM (
        SELECT group_id, report,
               CASE WHEN report THEN timestamp - CAST(round(coalesce(duration, 0)) AS BIGINT) ELSE timestamp END
                   AS at,
               duration, failed
        FROM (
            SELECT group_id, timestamp, true AS report,
                   TRY_CAST(regexp_extract(message, '^REPORT RequestId: \\S+\\s+Duration: ([0-9.]+) ms', 1)
                            AS DOUBLE) AS duration,
                   regexp_extract(message, '\\sStatus: (\\w+)', 1) IN ('error', 'timeout') AS failed
            FROM stored_events
            WHERE group_id IN ({ids}) AND starts_with(message, 'REPORT RequestId: ')
            UNION ALL
            SELECT group_id, timestamp, true,
                   TRY_CAST(json_extract(message, '$.record.metrics.durationMs') AS DOUBLE),
                   json_extract_string(message, '$.record.status') IN ('error', 'failure', 'timeout')
            FROM stored_events
            WHERE group_id IN ({ids}) AND {json_report}
            UNION ALL
            SELECT group_id, timestamp, false, NULL, true
            FROM stored_events
            WHERE group_id IN ({ids}) AND (
                -- Python's text log format: "[ERROR] ValueError: ..." and the traceback.
                (starts_with(message, '[ERROR] ') AND NOT starts_with(message, '[ERROR] Runtime.')
                 AND contains(message, 'Traceback (most recent call last):'))
                OR ({python_json_error})
                -- Node.js: "<time>\\t<request id>\\tERROR\\tInvoke Error \\t{{...}}".
                OR regexp_matches(message, '^\\S+\\t\\S+\\tERROR\\tInvoke Error')
                -- Older runtimes, before REPORT lines carried a status.
                OR regexp_matches(message, '^\\S+\\s+\\S+\\s+Task timed out after [0-9.]+ seconds')
                OR regexp_matches(message, '^RequestId: \\S+ Process exited before completing request')
            )
        )
    ) o
    JOIN log_groups g ON g.id = o.group_id,
    LATERAL (VALUES
        ('Invocations', 'Count', CASE WHEN o.report THEN 1.0 END),
        ('Duration', 'Milliseconds', o.duration),
        ('Errors', 'Count', CASE WHEN o.failed THEN 1.0 WHEN o.report THEN 0.0 END)
    ) m(metric, unit, v),
    (VALUES (true), (false)) d(per_function)
)"""
