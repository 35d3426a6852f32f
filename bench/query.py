"""Logs Insights and FilterLogEvents against hand-written DuckDB SQL over the same events.

Builds a reproducible dataset (by default 5,000,000 events: 60 % JSON application logs, 40 % plain-text
lines, some with ERROR / Traceback / Exception), ingests it into a `vigil serve` data directory through
PutLogEvents, then times each Insights query end to end (StartQuery until GetQueryResults says Complete,
polling every 5 ms) and, in the same run, a hand-written DuckDB SQL statement answering the same question
over the same messages in a plain table (`events(timestamp, stream, message)` in its own DuckDB file). It prints one
line per pair with the ratio, then checks that both answers agree.

Where the rows of a query do not tell how many events matched (`filter … | sort … | limit 100`), the
hand-written side also counts them, as GetQueryResults reports `recordsMatched`; the count agrees with
Vigil's, and a second line gives the ratio against the rows statement alone.

    .venv/bin/python bench/query.py                    # 5M events, data kept in .bench/query-5000000
    .venv/bin/python bench/query.py --events 200000    # a quick run

The data directory is reused when it already holds the same dataset, so only the first run pays for
ingest.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import duckdb
import orjson
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from vigil.testing import CREDENTIALS, VigilServer

REGION = "us-east-1"
GROUP = "/bench/app"
NEEDLE_GROUP = "/bench/filter"
STREAMS = 8
SPAN_MS = 20 * 3_600_000  # the dataset covers 20 hours, so every batch stays within PutLogEvents' 24 h rule
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26
FILTER_EVENTS = 200_000
MARKER = "bench-dataset.json"
NEEDLE_INDEX = 1_234_567  # event number whose request id the needle query looks for (scaled into range)

# The dataset, as SQL over range(n) so that it is identical on every run and every machine.
# Event i: JSON when i % 5 < 3, plain text otherwise.
DATASET_SQL = """
SELECT
    i,
    {start} + (i * {span}) // {n} AS timestamp,
    'app-' || (i % {streams}) AS stream,
    CASE WHEN i % 5 < 3 THEN
        '{{"level":"' || (CASE WHEN i % 50 = 0 THEN 'ERROR' WHEN i % 10 = 1 THEN 'WARN' ELSE 'INFO' END)
        || '","message":"' || (['chat_request_received','chat_response_sent','db_query','cache_miss'])[1 + i % 4]
        || '","latency_ms":' || ((i * 7919) % 1000 + (i * 31) % 97) / 4.0
        || ',"status":' || (CASE WHEN i % 50 = 0 THEN 500 WHEN i % 17 = 0 THEN 404 ELSE 200 END)
        || ',"path":"/api/v1/items/' || (i % 100)
        || '","user_id":"user-' || lpad((((i // 5) * 7919) % 1000)::VARCHAR, 4, '0')
        || '","request_id":"req-' || md5(i::VARCHAR)[1:16]
        || '","ctx":{{"region":"' || (['eu-west-1','us-east-1','ap-south-1'])[1 + i % 3]
        || '","shard":' || (i % 16) || ',"tags":["a","b' || (i % 5) || '"]}}}}'
    ELSE
        'worker-' || (i % 12) || ' '
        || CASE WHEN i % 35 = 4 THEN 'ERROR Traceback (most recent call last): ValueError Exception in job ' || i
                ELSE 'INFO processed job ' || i || ' took ' || ((i * 104729) % 5000) || ' ms' END
    END AS message
FROM range({n}) t(i)
"""


@dataclass(frozen=True)
class Case:
    name: str
    insights: str
    sql: str  # over events(timestamp, stream, message); {start}/{end} are the query window in ms
    # For a query whose rows do not tell how many events matched: the hand-written count of them, which
    # GetQueryResults reports as recordsMatched ("Showing 100 of N records matched").
    count_sql: str | None = None


def cases(needle: str) -> list[Case]:
    window = "timestamp BETWEEN {start} AND {end}"
    return [
        Case(
            "filter JSON field + sort + limit",
            'fields @timestamp, level, message, latency_ms | filter level = "ERROR" | sort @timestamp desc | limit 100',
            f"""SELECT timestamp, json_extract_string(message, '$.level') AS level,
                       json_extract_string(message, '$.message') AS msg,
                       json_extract_string(message, '$.latency_ms') AS latency_ms
                FROM events WHERE {window} AND json_valid(message)
                  AND json_extract_string(message, '$.level') = 'ERROR'
                ORDER BY timestamp DESC LIMIT 100""",
            f"""SELECT count(*) FROM events WHERE {window} AND contains(message, 'ERROR') AND json_valid(message)
                  AND json_extract_string(message, '$.level') = 'ERROR'""",
        ),
        Case(
            "stats count, avg, pct 99 by bin(5m)",
            "stats count(*), avg(latency_ms), pct(latency_ms, 99) by bin(5m)",
            f"""SELECT timestamp // 300000 * 300000 AS bucket, count(*), avg(l), quantile_disc(l, 0.99)
                FROM (SELECT timestamp, TRY_CAST(CASE WHEN json_valid(message)
                          THEN json_extract_string(message, '$.latency_ms') END AS DOUBLE) AS l
                      FROM events WHERE {window})
                GROUP BY bucket ORDER BY bucket""",
        ),
        Case(
            "count by a field with 1,000 values",
            "stats count(*) as n by user_id | sort n desc | limit 1000",
            f"""SELECT u, count(*) AS n
                FROM (SELECT CASE WHEN json_valid(message) THEN json_extract_string(message, '$.user_id') END AS u
                      FROM events WHERE {window})
                GROUP BY u ORDER BY n DESC LIMIT 1000""",
        ),
        Case(
            "regex parse + stats",
            "parse @message /worker-(?<worker>\\d+) INFO processed job \\d+ took (?<took>\\d+) ms/ "
            "| filter ispresent(took) | stats avg(took) as avg_took, count(*) as jobs by worker",
            f"""SELECT worker, avg(took::DOUBLE), count(*)
                FROM (SELECT regexp_extract(message, 'worker-(\\d+) INFO processed job \\d+ took (\\d+) ms',
                                            ['worker', 'took']) AS m
                      FROM events WHERE {window})
                CROSS JOIN LATERAL (SELECT m.worker AS worker, m.took AS took)
                WHERE took <> '' GROUP BY worker ORDER BY worker""",
        ),
        Case(
            "needle: one request id",
            f'fields @timestamp, @message | filter request_id = "{needle}"',
            f"""SELECT timestamp, message FROM events
                WHERE {window} AND json_valid(message)
                  AND json_extract_string(message, '$.request_id') = '{needle}'
                ORDER BY timestamp DESC""",
        ),
    ]


def signed(endpoint: str, target: str, body: bytes) -> dict[str, str]:
    request = AWSRequest(
        method="POST",
        url=endpoint + "/",
        data=body,
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"Logs_20140328.{target}"},
    )
    SigV4Auth(
        Credentials(CREDENTIALS["aws_access_key_id"], CREDENTIALS["aws_secret_access_key"]), "logs", REGION
    ).add_auth(request)
    return dict(request.headers.items())


def post(conn: http.client.HTTPConnection, endpoint: str, target: str, payload: dict[str, Any]) -> None:
    body = orjson.dumps(payload)
    conn.request("POST", "/", body, signed(endpoint, target, body))
    response = conn.getresponse()
    answer = response.read()
    if response.status != 200 or b"rejectedLogEventsInfo" in answer:
        raise SystemExit(f"{target}: {response.status} {answer[:300]!r}")


def batches(rows: list[tuple[int, str]]) -> Iterator[list[dict[str, Any]]]:
    """Chronological PutLogEvents batches within the 10,000-event and 1 MiB limits."""
    batch: list[dict[str, Any]] = []
    size = 0
    for timestamp, message in rows:
        cost = len(message.encode()) + EVENT_OVERHEAD
        if batch and (len(batch) == 10_000 or size + cost > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append({"timestamp": timestamp, "message": message})
        size += cost
    if batch:
        yield batch


def ingest(endpoint: str, group: str, source: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Send every stream's events from ``sql`` (columns timestamp, stream, message) in parallel."""
    client = boto3.client("logs", endpoint_url=endpoint, region_name=REGION, **CREDENTIALS)
    client.create_log_group(logGroupName=group)
    streams = [row[0] for row in source.execute(f"SELECT DISTINCT stream FROM ({sql}) ORDER BY 1").fetchall()]

    def send(stream: str) -> None:
        client.create_log_stream(logGroupName=group, logStreamName=stream)
        rows = (
            source.cursor()
            .execute(f"SELECT timestamp, message FROM ({sql}) WHERE stream = ? ORDER BY timestamp, i", [stream])
            .fetchall()
        )
        url = urllib.parse.urlsplit(endpoint)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=300)
        for batch in batches(rows):
            post(conn, endpoint, "PutLogEvents", {"logGroupName": group, "logStreamName": stream, "logEvents": batch})
        conn.close()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(send, streams))


def median_time(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, answer = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        answer = run()
        times.append(time.perf_counter() - began)
    return statistics.median(times), answer


def run_insights(client: Any, group: str, query: str, start_ms: int, end_ms: int) -> dict[str, Any]:
    query_id = client.start_query(
        logGroupName=group, startTime=start_ms // 1000, endTime=end_ms // 1000, queryString=query, limit=10_000
    )["queryId"]
    while True:
        answer = client.get_query_results(queryId=query_id)
        if answer["status"] not in ("Scheduled", "Running"):
            break
        time.sleep(0.005)
    if answer["status"] != "Complete":
        raise SystemExit(f"{query!r} ended {answer['status']}")
    return answer


def dataset_identity(events: int, start: int) -> dict[str, int]:
    return {"events": events, "start": start, "version": 1}


def prepared_dir(args: argparse.Namespace, start: int) -> tuple[Path, bool]:
    data_dir = Path(args.data_dir or f".bench/query-{args.events}")
    marker = data_dir / MARKER
    if marker.exists() and json.loads(marker.read_text()) == dataset_identity(args.events, start):
        return data_dir, True
    if data_dir.exists():
        raise SystemExit(f"{data_dir} holds another dataset; remove it or pass --data-dir")
    return data_dir, False


def compare(case: Case, local: duckdb.DuckDBPyConnection, client: Any, start_ms: int, end_ms: int, repeat: int) -> None:
    sql = case.sql.format(start=start_ms, end=end_ms)
    rows_time, sql_rows = median_time(lambda: local.execute(sql).fetchall(), repeat)
    ins_time, answer = median_time(lambda: run_insights(client, GROUP, case.insights, start_ms, end_ms), repeat)
    ins_rows = answer["results"]
    problems = [] if len(ins_rows) == len(sql_rows) else [f"{len(ins_rows)} vs {len(sql_rows)} rows"]
    sql_time = rows_time
    if case.count_sql is not None:
        count_sql = case.count_sql.format(start=start_ms, end=end_ms)
        count_time, count = median_time(lambda: local.execute(count_sql).fetchall()[0][0], repeat)
        sql_time += count_time
        if answer["statistics"]["recordsMatched"] != count:
            problems.append(f"recordsMatched {answer['statistics']['recordsMatched']:.0f} vs {count}")
    agree = f"  MISMATCH: {'; '.join(problems)}" if problems else ""
    print(f"{case.name:<38} {ins_time:>11.3f} {sql_time:>11.3f} {ins_time / sql_time:>6.2f}  {len(ins_rows)}{agree}")
    if case.count_sql is not None:
        print(f"{'  (against the rows statement alone)':<38} {'':>11} {rows_time:>11.3f} {ins_time / rows_time:>6.2f}")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--data-dir", help="where the server keeps the dataset (reused across runs)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per query; the median is printed")
    args = parser.parse_args()

    # Whole hours, fixed per day, so the dataset (and a reused data directory) is the same all day long.
    start = (int(time.time() * 1000) // 86_400_000) * 86_400_000 - 2 * 86_400_000
    data_dir, ready = prepared_dir(args, start)
    dataset = DATASET_SQL.format(start=start, span=SPAN_MS, n=args.events, streams=STREAMS)
    filter_sql = DATASET_SQL.format(start=start, span=SPAN_MS, n=FILTER_EVENTS, streams=1)

    # The hand-written side reads a plain table in its own DuckDB file: stored on disk like Vigil's events.
    plain = data_dir.with_name(data_dir.name + "-plain.duckdb")
    plain.parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no .bench/ yet
    plain.unlink(missing_ok=True)
    local = duckdb.connect(str(plain))
    began = time.perf_counter()
    local.execute(f"CREATE TABLE events AS SELECT timestamp, stream, message FROM ({dataset}) ORDER BY timestamp")
    local.execute("CHECKPOINT")
    print(f"hand-written side: {args.events:,} events stored in {time.perf_counter() - began:.1f} s", file=sys.stderr)

    with VigilServer("--data-dir", str(data_dir)) as server:
        if not ready:
            began = time.perf_counter()
            ingest(server.endpoint_url, GROUP, local, dataset)
            # The FilterLogEvents group: 200,000 events, one of which holds the needle term.
            needle_sql = (
                f"SELECT timestamp, stream, CASE WHEN i = {FILTER_EVENTS // 2} THEN message || ' NEEDLE-42' "
                f"ELSE message END AS message, i FROM ({filter_sql})"
            )
            ingest(server.endpoint_url, NEEDLE_GROUP, local, needle_sql)
            seconds = time.perf_counter() - began
            print(f"ingested {args.events + FILTER_EVENTS:,} events in {seconds:.1f} s", file=sys.stderr)
            (data_dir / "bench-dataset.json").write_text(
                json.dumps({"events": args.events, "start": start, "version": 1})
            )
        client = server.client("logs")
        start_ms, end_ms = start, start + SPAN_MS + 999
        needle = local.execute(
            f"SELECT json_extract_string(message, '$.request_id') FROM ({dataset}) "
            f"WHERE i = {(NEEDLE_INDEX % args.events) // 5 * 5}"
        ).fetchone()[0]

        print(f"{'query':<38} {'insights s':>11} {'hand SQL s':>11} {'ratio':>6}  rows")
        for case in cases(needle):
            compare(case, local, client, start_ms, end_ms, args.repeat)

        page_time, page = median_time(
            lambda: client.filter_log_events(logGroupName=NEEDLE_GROUP, filterPattern="NEEDLE-42"), max(args.repeat, 5)
        )
        print(
            f"{'FilterLogEvents term page, 200k events':<38} {page_time:>11.3f} {'':>11} {'':>6}  {len(page['events'])}"
        )


if __name__ == "__main__":
    main()
