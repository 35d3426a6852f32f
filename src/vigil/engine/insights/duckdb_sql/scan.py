"""The start of every statement: the events of the chosen groups and window, and the values read out of
their messages (JSON fields, Lambda platform fields), as CTEs the stages build on."""

from __future__ import annotations

from collections.abc import Sequence

from vigil.engine.insights.context import (
    EVENT_ID,
    GROUP_ID,
    INGESTION_TIME,
    MESSAGE,
    STREAM_ID,
    STREAM_NAME,
    TIMESTAMP,
)
from vigil.engine.insights.duckdb_sql.functions import json_paths
from vigil.engine.insights.duckdb_sql.prefilter import Narrowing, keyed_column, keyed_columns
from vigil.engine.insights.duckdb_sql.text import quote
from vigil.engine.insights.plan import Scan

Cte = tuple[str, str]

MAX_FRAGMENT_BRACES = 20  # how far the search for a line's first JSON object goes
LAMBDA_NAMES = (
    "type",
    "requestId",
    "duration",
    "billedDuration",
    "memorySize",
    "maxMemoryUsed",
    "initDuration",
    "xrayTraceId",
    "xraySegmentId",
)
# Lambda platform lines; the optional parts appear in this order in REPORT lines, X-Ray on the next line.
LAMBDA_LINE = (
    r"(?s)^(START|END|REPORT) RequestId: (\S+)(?:.*?\bDuration: ([0-9.]+) ms)?(?:.*?Billed Duration: ([0-9]+) ms)?"
    r"(?:.*?Memory Size: ([0-9]+) MB)?(?:.*?Max Memory Used: ([0-9]+) MB)?(?:.*?Init Duration: ([0-9.]+) ms)?"
    r"(?:.*?XRAY TraceId: (\S+)\s+SegmentId: (\S+))?"
)
M = MESSAGE


def where(scan: Scan) -> str:
    ranges = [
        f"(e.group_id IN ({', '.join(str(g) for g in w.group_ids)}) "
        f"AND e.timestamp BETWEEN {w.start_ms} AND {w.end_ms})"
        for w in scan.windows
    ]
    return " OR ".join(ranges) if ranges else "FALSE"


def events(scan: Scan, narrowing: Narrowing, *, object_messages: bool = True, embedded_only: bool = False) -> list[Cte]:
    """The scan of `log_events` (narrowed by what the leading filters imply), and the Lambda platform
    fields when the query reads any. Without ``object_messages`` (every field the query reads is stored
    at ingest, and it reads no message otherwise), JSON object messages found by their stored fields
    are not read at all; with ``embedded_only``, only the messages that may embed an object are."""
    join = " JOIN log_streams st ON st.id = e.stream_id" if scan.stream_names else ""
    stream = f", st.name AS {STREAM_NAME}" if scan.stream_names else ""
    keyed = "".join(f", e.{c} AS __{c}" for c in keyed_columns(scan))

    def select(message: str) -> str:
        return (
            f"SELECT e.group_id AS {GROUP_ID}, e.stream_id AS {STREAM_ID}, e.event_id AS {EVENT_ID}, "
            f"e.timestamp AS {TIMESTAMP}, e.ingestion_time AS {INGESTION_TIME}, {message} AS {M}, "
            f"e.is_json AS __is_json, e.json_fragment AS __json_fragment{stream}{keyed} "
            f"FROM log_events e{join} WHERE ({where(scan)})"
        )

    if narrowing.keyed:
        # Two scans, so that DuckDB pushes each one's conditions into its reads (an OR across the key
        # columns and the message would read every message): JSON objects by their key columns, then the
        # messages that may embed an object by their text.
        objects = "".join(f" AND {c}" for c in (*narrowing.keyed, *narrowing.unkeyed_text))
        embedded = "".join(f" AND {c}" for c in ("e.json_fragment", *narrowing.text))
        message = "e.message" if object_messages else "NULL::VARCHAR"
        body = f"{select('e.message')}{embedded}"
        if not embedded_only:
            body = f"{select(message)}{objects} UNION ALL {body}"
    else:
        body = select("e.message") + "".join(f" AND {c}" for c in narrowing.text)
    ctes = [("scan", body)]
    if scan.lambda_fields:
        names = ", ".join(quote(name) for name in LAMBDA_NAMES)
        ctes.append(
            (
                "platform",
                f"SELECT *, CASE WHEN {M}[1] IN ('S', 'E', 'R') "
                f"THEN regexp_extract({M}, {quote(LAMBDA_LINE)}, [{names}]) END AS __l FROM scan",
            )
        )
    return ctes


def document(previous: str) -> list[Cte]:
    """`__doc`: the message when it is a JSON object, else its first JSON object (`… INFO {"a": 1}`), else
    NULL (or, for a JSON message that holds no `{`, the message: no field path reads anything from it).

    Ingest recorded which messages are JSON (`is_json`) and which others hold a `{` (`json_fragment`), so
    a JSON object message is used as it is and only the possible fragments are searched and validated."""
    fragment = (
        f"CASE WHEN __json_fragment "
        f"THEN substring({M}, strpos({M}, '{{'), length({M}) - strpos(reverse({M}), '}}') + 2 - strpos({M}, '{{')) "
        f"WHEN __is_json THEN {M} END"
    )
    # When the span from the first `{` to the last `}` is not JSON (two objects on a line), the first
    # object is the shortest valid prefix of it that ends at a `}`.
    first_object = (
        "list_transform([string_split(__frag, '}')], lambda p: list_filter(list_transform("
        f"range(1, least(len(p), {MAX_FRAGMENT_BRACES + 1})), lambda k: array_to_string(p[1:k], '}}') || '}}'), "
        "lambda c: json_valid(c))[1])[1]"
    )
    return [
        # Fields stored at ingest are the whole story of a message that embeds no object (NULL when it is no
        # JSON object either, as its document would give).
        ("fragment", f"SELECT *, {fragment} AS __frag, NOT __json_fragment AS __fields_stored FROM {previous}"),
        (
            "document",
            "SELECT *, CASE WHEN NOT __json_fragment THEN __frag WHEN json_valid(__frag) THEN __frag "
            f"WHEN __frag IS NOT NULL THEN {first_object} "
            "END AS __doc FROM fragment",
        ),
    ]


def _json_string_value(raw: str) -> str:
    """`json_extract_string`'s reading of stored JSON text: a string unquoted and unescaped, JSON null no
    value, anything else its JSON text."""
    return (
        f"CASE WHEN {raw} = 'null' THEN NULL WHEN prefix({raw}, '\"') THEN (CASE WHEN contains({raw}, '\\') "
        f"THEN json_extract_string({raw}, '$') ELSE {raw}[2:-2] END) ELSE {raw} END"
    )


def discovered(scan: Scan, indices: Sequence[int], previous: str, suffix: str) -> list[Cte]:
    """The JSON fields ``indices`` of ``scan.json_paths``, read from `__doc` in one pass, as columns
    `__t<i>` (text) and, when the query needs JSON types, `__n<i>` (is a number)."""
    paths = [scan.json_paths[i] for i in indices]
    values = f"__j{suffix}"
    typed = any(index in scan.json_typed for index in indices)
    if typed:
        extract = f"json_extract(__doc, {json_paths(paths)})::VARCHAR[]"
    else:
        extract = f"json_extract_string(__doc, {json_paths(paths)})"
    stored = [keyed_column(path) for path in paths]
    if all(stored):
        # A JSON object message has these fields stored at ingest: only the other documents are parsed.
        raws = [f"__{column}" for column in stored]
        read = ", ".join(raws if typed else map(_json_string_value, raws))
        extract = f"CASE WHEN __fields_stored THEN [{read}] ELSE {extract} END"
    columns = []
    for position, index in enumerate(indices, start=1):
        j = f"{values}[{position}]"
        if typed:
            # Strings lose their quotes (and escapes, when they have any); objects, arrays and null are no
            # value.
            columns.append(
                f"CASE WHEN prefix({j}, '\"') THEN (CASE WHEN contains({j}, '\\') "
                f"THEN json_extract_string({j}, '$') ELSE {j}[2:-2] END) "
                f"WHEN prefix({j}, '{{') OR prefix({j}, '[') OR {j} = 'null' THEN NULL ELSE {j} END AS __t{index}"
            )
            columns.append(f"coalesce(prefix({j}, '-') OR {j}[1] BETWEEN '0' AND '9', FALSE) AS __n{index}")
        else:
            columns.append(f"{j} AS __t{index}")
    return [
        (f"parsed{suffix}", f"SELECT *, {extract} AS {values} FROM {previous}"),
        (f"discovered{suffix}", f"SELECT *, {', '.join(columns)} FROM parsed{suffix}"),
    ]
