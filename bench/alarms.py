"""Alarm evaluation at scale: 10,000 metric alarms over 1,000 metrics (ten alarms a metric: five statistics, two
periods, thresholds on either side of the data, some M-of-N, some treating missing data as breaching), ten
minutes of one-minute data for each metric, then evaluation ticks run through ``POST /_vigil/alarms/tick`` and
timed at the client (target: one tick over 10,000 alarms in at most 1 s). The first tick moves every alarm out of
INSUFFICIENT_DATA (10,000 transitions written with their history); the later ones are the steady state, as of
the next minutes. Prints one JSON line.

    .venv/bin/python bench/alarms.py

Part 2, the delay from a breaching datapoint's arrival to a webhook receiving the notification (target 2 s
with a 1 s tick): a server with ``--alarm-tick 1``, an SNS topic with an http subscription (confirmed through the
handshake) to a local receiver, ``--breaches`` alarms on metrics of their own with that topic as AlarmAction; for
each, the time from the PutMetricData of a breaching value to the receiver's request carrying its ALARM.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from vigil.testing import VigilServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from http_receiver import HttpReceiver  # the tests' receiver: a real HTTP server on 127.0.0.1

METRICS = 1_000
ALARMS_PER_METRIC = 10
MINUTES = 10
STATISTICS = ["Average", "Sum", "Minimum", "Maximum", "SampleCount"]


def put_data(cloudwatch: Any, end: dt.datetime) -> None:
    data = [
        {
            "MetricName": "Latency",
            "Dimensions": [{"Name": "Shard", "Value": str(metric)}],
            "Timestamp": end - dt.timedelta(minutes=MINUTES - minute) + dt.timedelta(seconds=30),
            "Value": float((minute * 7 + metric * 13) % 100),
        }
        for metric in range(METRICS)
        for minute in range(MINUTES)
    ]
    for start in range(0, len(data), 1_000):
        cloudwatch.put_metric_data(Namespace="Bench", MetricData=data[start : start + 1_000])


def alarm_request(index: int) -> dict[str, Any]:
    metric, variant = divmod(index, ALARMS_PER_METRIC)
    request: dict[str, Any] = {
        "AlarmName": f"bench-{index:05d}",
        "Namespace": "Bench",
        "MetricName": "Latency",
        "Dimensions": [{"Name": "Shard", "Value": str(metric)}],
        "Statistic": STATISTICS[variant % len(STATISTICS)],
        "Period": 60 if variant < 5 else 300,
        "EvaluationPeriods": 3,
        "DatapointsToAlarm": 3 if variant % 2 else 2,
        "Threshold": float(25 + 50 * (variant % 2)),
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "breaching" if variant == 9 else "missing",
    }
    return request


def run_tick(server: VigilServer, at: dt.datetime) -> tuple[float, dict[str, int]]:
    body = json.dumps({"at": round(at.timestamp() * 1000)}).encode()
    request = urllib.request.Request(f"{server.endpoint_url}/_vigil/alarms/tick", data=body, method="POST")
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        report = json.loads(response.read())
    return time.perf_counter() - started, report


def breach_to_delivery(breaches: int) -> list[float]:
    """Seconds from each breaching PutMetricData to the webhook receiving its alarm's notification."""
    with HttpReceiver() as receiver, VigilServer("--ephemeral", "--alarm-tick", "1") as server:
        sns, cloudwatch = server.client("sns"), server.client("cloudwatch")
        topic = sns.create_topic(Name="oncall")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url + "/sns")
        with urllib.request.urlopen(receiver.wait_for(1)[0].json()["SubscribeURL"], timeout=10):
            pass
        for index in range(breaches):
            cloudwatch.put_metric_alarm(
                AlarmName=f"breach-{index}",
                Namespace="Bench",
                MetricName=f"Breach{index}",
                Statistic="Maximum",
                Period=60,
                EvaluationPeriods=1,
                Threshold=10.0,
                ComparisonOperator="GreaterThanThreshold",
                TreatMissingData="notBreaching",
                AlarmActions=[topic],
            )
        time.sleep(2.5)  # every alarm settles in OK (no data, not breaching) first
        delays = []
        for index in range(breaches):
            seen = len(receiver.requests)
            started = time.perf_counter()
            cloudwatch.put_metric_data(Namespace="Bench", MetricData=[{"MetricName": f"Breach{index}", "Value": 99.0}])
            while True:
                arrived = [json.loads(r.json()["Message"]) for r in receiver.wait_for(seen + 1, timeout=30)[seen:]]
                if any(m.get("AlarmName") == f"breach-{index}" and m["NewStateValue"] == "ALARM" for m in arrived):
                    break
                seen += 1
            delays.append(time.perf_counter() - started)
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ticks", type=int, default=5, help="steady-state ticks timed after the first")
    parser.add_argument("--breaches", type=int, default=10, help="alarms timed from breach to webhook")
    args = parser.parse_args()
    delays = breach_to_delivery(args.breaches)
    with VigilServer("--ephemeral", env={"VIGIL_ALARM_TICK": "3600"}) as server:
        cloudwatch = server.client("cloudwatch")
        end = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=2)
        put_data(cloudwatch, end)
        started = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            clients = [server.client("cloudwatch") for _ in range(8)]
            list(
                pool.map(
                    lambda i: clients[i % 8].put_metric_alarm(**alarm_request(i)),
                    range(METRICS * ALARMS_PER_METRIC),
                )
            )
        created = time.perf_counter() - started
        first, first_report = run_tick(server, end)
        steady = [run_tick(server, end + dt.timedelta(minutes=1 + i))[0] for i in range(args.ticks)]
    print(
        json.dumps(
            {
                "alarms": METRICS * ALARMS_PER_METRIC,
                "metrics": METRICS,
                "put_metric_alarm_s": round(created, 2),
                "first_tick_s": round(first, 3),
                "first_tick": first_report,
                "steady_tick_median_s": round(statistics.median(steady), 3),
                "steady_tick_max_s": round(max(steady), 3),
                "breach_to_webhook_tick_1s": {
                    "median_s": round(statistics.median(delays), 2),
                    "max_s": round(max(delays), 2),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
