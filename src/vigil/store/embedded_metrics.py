"""The SELECT of the datapoints embedded metric format documents give, over a range of stored events
(``stored_events``, see store/emitted_points.py), in the columns of ``emitted_points``.

One statement for the whole range: DuckDB parses each candidate message once, into a map of its root members
(name -> JSON text); the directives, dimension sets and metric definitions are small JSON values taken apart
from there, as lists unnested, and every target is a lookup in that map: no join on member names. A document
that breaks any rule (engine/metrics/embedded.py) is left out whole: its event is stored, it gives no datapoint.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import duckdb

from vigil.store.emitted_points import EMITTED_COLUMNS


@dataclass(frozen=True)
class EmbeddedRules:
    """The limits a document must keep (all inclusive)."""

    max_metrics: int  # MetricDefinitions per directive
    max_dimensions: int  # keys per DimensionSet
    max_values: int  # numbers in a metric's array
    max_name: int  # namespace, metric name and dimension name length
    max_dimension_value: int
    value_limit: float  # |value|
    past_ms: int  # how far before the event's ingestion a metric's timestamp may be
    future_ms: int  # and after
    units: Collection[str]
    resolutions: Sequence[int]


_NUMBER = "('UBIGINT', 'BIGINT', 'DOUBLE')"


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def batch_has_documents(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether any event of the range (``stored_events``) may be a document: most ranges have none, and are
    spared the statement below."""
    rows = cur.execute(
        "SELECT EXISTS (SELECT 1 FROM stored_events WHERE is_json AND contains(message, '\"_aws\"'))"
    ).fetchall()
    return bool(rows[0][0])


def embedded_select(rules: EmbeddedRules) -> str:
    """Every datapoint the range's documents give; see the module docstring."""
    units = ", ".join(_text(unit) for unit in sorted(rules.units))
    resolutions = ", ".join(str(int(r)) for r in rules.resolutions)
    names = ", ".join(column.split()[0] for column in EMITTED_COLUMNS.split(", "))

    def text_ok(expression: str, longest: int) -> str:
        # A control character would be escaped differently here than in PutMetricData's canonical JSON; AWS
        # does not support them in names and dimensions anyway.
        return (
            f"(length({expression}) BETWEEN 1 AND {int(longest)} "
            f"AND NOT regexp_matches({expression}, '[\\x00-\\x1f\\x7f]'))"
        )

    def each_ok(items: str, check: str) -> str:
        """Whether ``check`` (of ``x``) holds for every item of the list ``items`` (true for none)."""
        return f"len(list_filter({items}, lambda x: NOT coalesce({check}, false))) = 0"

    key = "json_extract_string(x, '$')"
    key_ok = f"json_type(x) = 'VARCHAR' AND {text_ok(key, rules.max_name)}"
    value = f"json_extract_string(root[{key}], '$')"
    value_ok = f"json_type(root[{key}]) = 'VARCHAR' AND {text_ok(value, rules.max_dimension_value)}"
    return f"""
SELECT {names} FROM (
WITH
-- Candidates: valid JSON (as ingest recorded) that is an object and mentions "_aws" (a plain substring test).
docs AS MATERIALIZED (
    SELECT e.event_id, e.timestamp AS event_time, e.ingestion_time, g.account_id, g.region,
           -- The root's members by name: the one full parse of each document. Targets are root members, never
           -- nested ones. NULL when a name is given twice, which makes a target ambiguous: a broken document.
           TRY_CAST(CAST(e.message AS JSON) AS MAP(VARCHAR, JSON)) AS root
    FROM stored_events e JOIN log_groups g ON g.id = e.group_id
    WHERE e.is_json AND contains(e.message, '"_aws"')
      AND starts_with(ltrim(e.message, ' ' || chr(9) || chr(10) || chr(13)), '{{')
),
-- The metrics' time: _aws.Timestamp (epoch milliseconds), else the event's own; out of the window
-- PutMetricData accepts, the document gives nothing.
heads AS MATERIALIZED (
    SELECT event_id, account_id, region, directives,
           CASE WHEN stamp IS NULL THEN event_time
                WHEN json_type(stamp) IN {_NUMBER} THEN TRY_CAST(floor(CAST(stamp AS DOUBLE)) AS BIGINT) END AS ts,
           ingestion_time
    FROM (
        SELECT *, TRY_CAST(parts[1] AS JSON[]) AS directives, parts[2] AS stamp FROM (
            SELECT *, json_extract(root['_aws'], ['$.CloudWatchMetrics', '$.Timestamp']) AS parts
            FROM docs WHERE json_type(root['_aws']) = 'OBJECT'
        )
    )
    WHERE directives IS NOT NULL
),
directives AS MATERIALIZED (
    SELECT event_id, account_id, region, ts, directive_id, json_type(directive) AS type,
           json_extract(directive, ['$.Namespace', '$.Dimensions', '$.Metrics']) AS parts
    FROM (
        SELECT *, unnest(directives) AS directive, generate_subscripts(directives, 1) AS directive_id FROM heads
        WHERE ts BETWEEN ingestion_time - {int(rules.past_ms)} AND ingestion_time + {int(rules.future_ms)}
    )
),
checked_directives AS MATERIALIZED (
    SELECT event_id, account_id, region, ts, directive_id, namespace, metrics, dimension_sets,
           coalesce(well_formed AND {text_ok("namespace", rules.max_name)}
                    AND NOT starts_with(namespace, 'AWS/') AND NOT starts_with(namespace, ':'), false) AS ok
    FROM (
        SELECT *, json_extract_string(parts[1], '$') AS namespace, TRY_CAST(parts[3] AS JSON[]) AS metrics,
               -- No DimensionSet at all (Dimensions missing or []): the metrics go without dimensions.
               CASE WHEN parts[2] IS NULL OR json_array_length(parts[2]) = 0 THEN ['[]'::JSON]
                    ELSE TRY_CAST(parts[2] AS JSON[]) END AS dimension_sets,
               type = 'OBJECT' AND json_type(parts[1]) = 'VARCHAR' AND json_type(parts[3]) = 'ARRAY'
                   AND (parts[2] IS NULL OR json_type(parts[2]) = 'ARRAY')
                   AND json_array_length(parts[3]) <= {int(rules.max_metrics)} AS well_formed
        FROM directives
    )
),
-- Each DimensionSet as its series' dimensions: a JSON object sorted by name, as PutMetricData keeps them.
series AS MATERIALIZED (
    SELECT event_id, directive_id, ok,
           '{{' || array_to_string(list_transform(list_sort(list_distinct(TRY_CAST(dimension_set AS VARCHAR[]))),
               lambda k: to_json(k) || ':' || to_json(json_extract_string(root[k], '$'))), ',') || '}}' AS dims
    FROM (
        SELECT *, coalesce(json_type(dimension_set) = 'ARRAY'
                           AND len(keys) <= {int(rules.max_dimensions)}
                           AND {each_ok("keys", key_ok + " AND " + value_ok)}, false) AS ok
        FROM (
            SELECT s.*, TRY_CAST(s.dimension_set AS JSON[]) AS keys, d.root FROM (
                SELECT event_id, directive_id, unnest(dimension_sets) AS dimension_set
                FROM checked_directives WHERE ok
            ) s JOIN docs d ON d.event_id = s.event_id
        )
    )
),
checked_metrics AS MATERIALIZED (
    SELECT event_id, directive_id, metric_id, name, unit, resolution, target_type, target,
           coalesce(well_formed AND {text_ok("name", rules.max_name)} AND unit IN ({units})
                    AND resolution IN ({resolutions})
                    AND (target_type IN {_NUMBER}
                         OR (target_type = 'ARRAY' AND json_array_length(target) <= {int(rules.max_values)})), false)
               AS ok
    FROM (
        SELECT *, json_type(target) AS target_type FROM (
            SELECT f.*, d.root[f.name] AS target FROM (
                SELECT *, json_extract_string(parts[1], '$') AS name,
                       coalesce(json_extract_string(parts[2], '$'), 'None') AS unit,
                       coalesce(TRY_CAST(parts[3] AS DOUBLE), 60) AS resolution,
                       json_type(definition) = 'OBJECT' AND json_type(parts[1]) = 'VARCHAR'
                           AND (parts[2] IS NULL OR json_type(parts[2]) = 'VARCHAR')
                           AND (parts[3] IS NULL OR json_type(parts[3]) IN {_NUMBER}) AS well_formed
                FROM (
                    SELECT *, json_extract(definition, ['$.Name', '$.Unit', '$.StorageResolution']) AS parts
                    FROM (
                        SELECT event_id, directive_id, unnest(metrics) AS definition,
                               generate_subscripts(metrics, 1) AS metric_id
                        FROM checked_directives WHERE ok
                    )
                )
            ) f JOIN docs d ON d.event_id = f.event_id
        )
    )
),
numbers AS MATERIALIZED (
    SELECT event_id, directive_id, metric_id, target_type AS type, TRY_CAST(target AS DOUBLE) AS v
    FROM checked_metrics WHERE ok AND target_type IN {_NUMBER}
    UNION ALL
    SELECT event_id, directive_id, metric_id, json_type(element), TRY_CAST(element AS DOUBLE)
    FROM (
        SELECT event_id, directive_id, metric_id, unnest(TRY_CAST(target AS JSON[])) AS element
        FROM checked_metrics WHERE ok AND target_type = 'ARRAY'
    )
),
-- A document with any part broken gives nothing at all.
malformed AS (
    SELECT event_id FROM docs WHERE root IS NULL
    UNION SELECT event_id FROM checked_directives WHERE NOT ok
    UNION SELECT event_id FROM series WHERE NOT ok
    UNION SELECT event_id FROM checked_metrics WHERE NOT ok
    UNION SELECT event_id FROM numbers WHERE type NOT IN {_NUMBER} OR NOT abs(v) <= {rules.value_limit!r}
)
SELECT d.account_id AS account_id, d.region AS region, d.namespace AS namespace, c.name AS metric_name,
       c.unit AS unit, d.ts AS timestamp, n.v AS v, s.dims AS dims, false AS is_default,
       CAST(c.resolution AS INTEGER) AS storage_resolution
FROM numbers n
JOIN checked_metrics c USING (event_id, directive_id, metric_id)
JOIN checked_directives d USING (event_id, directive_id)
JOIN series s USING (event_id, directive_id)
WHERE n.event_id NOT IN (SELECT event_id FROM malformed)
)"""
