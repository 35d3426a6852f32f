"""GetMetricData latency with 10 million datapoints stored: one series, and 100 series in one request (two
pages), each over the last 24 hours at 60 s.

The datapoints are built directly in DuckDB, in a database made by Vigil's own migrations (PutMetricData at
100,000 a second would take minutes): ``--series`` series of ``--points`` datapoints in all, spread evenly over
the last 24 hours and stored in arrival order (every series' datapoints of a minute together, as live traffic
leaves them). Then the real server opens that directory and boto3 asks. Prints one JSON line (milliseconds).

    .venv/bin/python bench/metric_reads.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import statistics
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

import orjson
from ingest import signed_request  # bench/ is the script's directory, so its sibling imports by name

from vigil.store.database import Database
from vigil.testing import VigilServer

DAY_MS = 86_400_000
TARGET = "GraniteServiceVersion20100801.GetMetricData"


def build(directory: Path, series: int, points: int) -> None:
    database = Database(directory)
    con = database.connection
    con.execute(
        "INSERT INTO metric_series (account_id, region, namespace, metric_name, dimensions, last_put) "
        "SELECT '000000000000', 'us-east-1', 'Bench', 'Latency', '{\"Host\":\"h' || range || '\"}', 0 "
        f"FROM range({series})"
    )
    con.execute(
        "INSERT INTO metric_dimensions SELECT series_id, 'Host', json_extract_string(dimensions, '$.Host') "
        "FROM metric_series"
    )
    end = int(time.time() * 1000) // 60_000 * 60_000
    per_series = points // series
    step = DAY_MS // per_series
    con.execute(
        f"""
        INSERT INTO metric_points (series_id, timestamp, value, sample_count, sum, minimum, maximum, unit,
                                   storage_resolution)
        SELECT range % {series} + 1, {end - DAY_MS} + range // {series} * {step}, v, 1, v, v, v, 'Milliseconds', 60
        FROM (SELECT range, (hash(range) % 1000)::DOUBLE AS v FROM range({per_series * series}))
        """
    )
    database.close()


def query(host: int, index: int) -> dict[str, Any]:
    return {
        "Id": f"q{index}",
        "MetricStat": {
            "Metric": {
                "Namespace": "Bench",
                "MetricName": "Latency",
                "Dimensions": [{"Name": "Host", "Value": f"h{host}"}],
            },
            "Period": 60,
            "Stat": "Average",
        },
    }


def timed(call: Any, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return round(statistics.median(times), 1), round(times[int(len(times) * 0.95) - 1], 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=7_000)
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        began = time.perf_counter()
        build(Path(directory), args.series, args.points)
        built_s = time.perf_counter() - began
        with VigilServer("--data-dir", directory) as server:
            cloudwatch = server.client("cloudwatch")
            end = dt.datetime.now(dt.UTC)
            window = {"StartTime": end - dt.timedelta(days=1), "EndTime": end}

            def one() -> None:
                answer = cloudwatch.get_metric_data(MetricDataQueries=[query(17, 0)], **window)
                assert len(answer["MetricDataResults"][0]["Values"]) > 1_000

            hosts = range(0, args.series, args.series // 100)
            queries = [query(h, i) for i, h in enumerate(hosts)][:100]

            def hundred() -> None:
                # 144,000 datapoints: past one answer's 100,800, so two pages, as boto3's paginator reads them.
                pages = cloudwatch.get_paginator("get_metric_data").paginate(MetricDataQueries=queries, **window)
                assert len({r["Id"] for page in pages for r in page["MetricDataResults"]}) == 100

            # The server's part of a page, without botocore's decoding of 100,800 timestamps and values (most of
            # the time boto3 takes): the same first page over awsJson 1.0, answered but not parsed.
            body = orjson.dumps(
                {"MetricDataQueries": queries, "StartTime": end.timestamp() - 86_400, "EndTime": end.timestamp()}
            )
            headers = signed_request(
                server.endpoint_url, body, TARGET, service="monitoring", content_type="application/x-amz-json-1.0"
            )
            address = urllib.parse.urlsplit(server.endpoint_url)
            connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)

            def hundred_raw() -> None:
                connection.request("POST", "/", body=body, headers=headers)
                response = connection.getresponse()
                assert response.status == 200 and len(response.read()) > 1_000_000

            one()
            one_median, one_p95 = timed(one, args.repeat)
            hundred()
            hundred_median, hundred_p95 = timed(hundred, max(3, args.repeat // 4))
            hundred_raw()
            raw_median, raw_p95 = timed(hundred_raw, args.repeat)
    print(
        json.dumps(
            {
                "benchmark": "metric_reads",
                "date": dt.date.today().isoformat(),
                "stored_datapoints": args.points,
                "series": args.series,
                "build_s": round(built_s, 1),
                "one_series_24h_60s_ms": {"median": one_median, "p95": one_p95},
                "hundred_series_24h_60s_boto3_two_pages_ms": {"median": hundred_median, "p95": hundred_p95},
                "hundred_series_24h_60s_server_first_page_ms": {"median": raw_median, "p95": raw_p95},
            }
        )
    )


if __name__ == "__main__":
    main()
