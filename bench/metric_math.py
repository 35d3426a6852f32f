"""GetMetricData with metric math: ten MetricStat queries over 24 h at 60 s (one datapoint a minute each, so
1,440 periods apiece) and one expression over all ten, ``(m0 + m1 + ... + m9) / 10``, the only result returned.
The data is put first; then the request is timed ``--reads`` times (after one warm-up). Prints one JSON line.

    .venv/bin/python bench/metric_math.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time

from vigil.testing import VigilServer

SERIES = 10
MINUTES = 1_440


def put_day(cloudwatch: object, end: dt.datetime) -> None:
    """One value a minute for each series over the 24 h before ``end``, 1,000 datums a request."""
    data = [
        {
            "MetricName": "Latency",
            "Dimensions": [{"Name": "Shard", "Value": str(series)}],
            "Timestamp": end - dt.timedelta(minutes=MINUTES - minute) + dt.timedelta(seconds=30),
            "Value": float((minute * 7 + series * 13) % 1000),
        }
        for series in range(SERIES)
        for minute in range(MINUTES)
    ]
    for start in range(0, len(data), 1_000):
        cloudwatch.put_metric_data(Namespace="Bench", MetricData=data[start : start + 1_000])  # type: ignore[attr-defined]


def queries() -> list[dict[str, object]]:
    metrics = [
        {
            "Id": f"m{series}",
            "MetricStat": {
                "Metric": {
                    "Namespace": "Bench",
                    "MetricName": "Latency",
                    "Dimensions": [{"Name": "Shard", "Value": str(series)}],
                },
                "Period": 60,
                "Stat": "Average",
            },
            "ReturnData": False,
        }
        for series in range(SERIES)
    ]
    total = " + ".join(f"m{series}" for series in range(SERIES))
    return [*metrics, {"Id": "mean", "Expression": f"({total}) / {SERIES}", "Label": "Mean latency"}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reads", type=int, default=20)
    options = parser.parse_args()
    now = time.time()
    end = dt.datetime.fromtimestamp(now - now % 60, dt.UTC)  # on a minute: exactly 1,440 periods
    with VigilServer("--ephemeral") as server:
        cloudwatch = server.client("cloudwatch")
        put_day(cloudwatch, end)
        request = {"MetricDataQueries": queries(), "StartTime": end - dt.timedelta(minutes=MINUTES), "EndTime": end}
        returned = len(cloudwatch.get_metric_data(**request)["MetricDataResults"][0]["Values"])
        latencies = []
        for _ in range(options.reads):
            started = time.perf_counter()
            cloudwatch.get_metric_data(**request)
            latencies.append((time.perf_counter() - started) * 1000)
    print(
        json.dumps(
            {
                "benchmark": "metric_math",
                "date": time.strftime("%Y-%m-%d"),
                "get_metric_data_10_queries_one_expression_24h_60s": {
                    "datapoints_returned": returned,
                    "reads": options.reads,
                    "median_ms": round(statistics.median(latencies), 1),
                    "p95_ms": round(sorted(latencies)[max(0, int(len(latencies) * 0.95) - 1)], 1),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
