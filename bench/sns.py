"""SNS: Publish -> HTTP delivery latency, and Publish throughput to one topic with 10 HTTP subscribers.

Latency: one subscriber; each message is published, then the clock stops when the local receiver has it
(median and p95 over ``--latency-messages``). Throughput: 10 confirmed HTTP subscribers on one topic,
``--threads`` boto3 clients publishing ``--messages`` messages in all; publishes per second as acknowledged
(each acknowledged publish has its 10 deliveries committed to the outbox), and the time until all deliveries
reached the receivers. Prints one JSON line.

    .venv/bin/python bench/sns.py
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from http_receiver import HttpReceiver  # the tests' receiver, a real HTTP server

from vigil.testing import VigilServer


def confirm(sns: Any, topic: str, receiver: HttpReceiver, path: str) -> None:
    before = len(receiver.requests)
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url + path)
    envelope = receiver.wait_for(before + 1)[before].json()
    with urllib.request.urlopen(envelope["SubscribeURL"], timeout=10) as response:
        response.read()


def notifications(receiver: HttpReceiver) -> int:
    return sum(1 for r in receiver.requests if r.headers.get("x-amz-sns-message-type") == "Notification")


def wait_for_notifications(receiver: HttpReceiver, count: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while notifications(receiver) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {notifications(receiver)} of {count} notifications arrived")
        time.sleep(0.001)


def latency(server: VigilServer, messages: int) -> dict[str, float]:
    sns = server.client("sns")
    topic = sns.create_topic(Name="latency")["TopicArn"]
    with HttpReceiver() as receiver:
        confirm(sns, topic, receiver, "/one")
        samples = []
        for index in range(messages):
            started = time.perf_counter()
            sns.publish(TopicArn=topic, Message=f"message {index}")
            wait_for_notifications(receiver, index + 1)
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "publish_to_delivery_ms_median": round(statistics.median(samples), 2),
        "publish_to_delivery_ms_p95": round(samples[int(len(samples) * 0.95) - 1], 2),
    }


def throughput(server: VigilServer, messages: int, threads: int, subscribers: int) -> dict[str, float]:
    setup = server.client("sns")
    topic = setup.create_topic(Name="fan-out")["TopicArn"]
    with HttpReceiver() as receiver:
        for index in range(subscribers):
            confirm(setup, topic, receiver, f"/s{index}")
        clients = [server.client("sns") for _ in range(threads)]
        per_thread = messages // threads
        barrier = threading.Barrier(threads + 1)

        def publish(client: Any) -> None:
            barrier.wait()
            for index in range(per_thread):
                client.publish(TopicArn=topic, Message=f"fan-out {index}")

        with ThreadPoolExecutor(threads) as pool:
            futures = [pool.submit(publish, client) for client in clients]
            barrier.wait()
            started = time.perf_counter()
            for future in futures:
                future.result()
            published = time.perf_counter() - started
        wait_for_notifications(receiver, per_thread * threads * subscribers, timeout=600)
        delivered = time.perf_counter() - started
    total = per_thread * threads
    return {
        "publishes": total,
        "subscribers": subscribers,
        "publishes_per_s": round(total / published, 1),
        "deliveries_per_s": round(total * subscribers / delivered, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-messages", type=int, default=200)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--subscribers", type=int, default=10)
    args = parser.parse_args()
    with VigilServer("--ephemeral") as server:
        result = {"latency": latency(server, args.latency_messages)}
        server.reset()
        result["throughput"] = throughput(server, args.messages, args.threads, args.subscribers)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
