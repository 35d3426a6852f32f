"""What an acknowledged PutLogEvents promises: its events survive the server dying (kill -9 or SIGTERM)
in the middle of sustained, concurrent ingest, exactly once, and the data directory opens again."""

from __future__ import annotations

import collections
import signal
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from botocore.config import Config

from vigil.testing import VigilServer

GROUP = "/durability/app"
# Several writers on streams of their own, and several sharing one stream.
WRITER_STREAMS = ["solo-0", "solo-1", "solo-2", "shared", "shared", "shared"]
EVENTS_PER_REQUEST = 250
# One attempt per request: a client-side retry of a committed request would store its events twice.
NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=60)


@dataclass
class Ledger:
    """What one writer knows about the events it sent."""

    acknowledged: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)  # sent, no acknowledgement: may or may not be stored
    unexpected: list[str] = field(default_factory=list)  # failures while the server was meant to be up


class Ingest:
    """Writer threads putting events with unique ids until the server goes away."""

    def __init__(self, server: VigilServer) -> None:
        self.server = server
        self.stopping = threading.Event()  # set just before the server is stopped: from then on failures are expected
        self.ledgers = [Ledger() for _ in WRITER_STREAMS]
        self.threads = [
            threading.Thread(target=self._write, args=(i, stream), daemon=True)
            for i, stream in enumerate(WRITER_STREAMS)
        ]

    def start(self) -> Ingest:
        for thread in self.threads:
            thread.start()
        return self

    def acknowledged_count(self) -> int:
        return sum(len(ledger.acknowledged) for ledger in self.ledgers)

    def wait_for(self, events: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.acknowledged_count() < events:
            assert time.monotonic() < deadline, f"only {self.acknowledged_count()} events acknowledged"
            assert not any(ledger.unexpected for ledger in self.ledgers), self.unexpected()
            time.sleep(0.05)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(120)
            assert not thread.is_alive()

    def unexpected(self) -> list[str]:
        return [error for ledger in self.ledgers for error in ledger.unexpected]

    def by_stream(self) -> dict[str, tuple[set[str], set[str]]]:
        """Per stream: the acknowledged ids, and the ids sent without an answer."""
        streams: dict[str, tuple[set[str], set[str]]] = collections.defaultdict(lambda: (set(), set()))
        for ledger, stream in zip(self.ledgers, WRITER_STREAMS, strict=True):
            streams[stream][0].update(ledger.acknowledged)
            streams[stream][1].update(ledger.unanswered)
        return dict(streams)

    def _write(self, writer: int, stream: str) -> None:
        """Put batches back to back until a request fails, so the server always dies mid-ingest."""
        ledger = self.ledgers[writer]
        client = self.server.client("logs", config=NO_RETRIES)
        sequence = 0
        while True:
            ids = [f"w{writer}-{sequence + i}" for i in range(EVENTS_PER_REQUEST)]
            sequence += EVENTS_PER_REQUEST
            now = int(time.time() * 1000)
            message = '{{"id": "{}", "msg": "order placed"}}'.format
            events = [{"timestamp": now, "message": message(i)} for i in ids]
            try:
                client.put_log_events(logGroupName=GROUP, logStreamName=stream, logEvents=events)
            except Exception as error:
                ledger.unanswered.extend(ids)
                if not self.stopping.is_set():
                    ledger.unexpected.append(repr(error))
                return
            ledger.acknowledged.extend(ids)


def _prepare(server: VigilServer) -> None:
    logs = server.client("logs")
    logs.create_log_group(logGroupName=GROUP)
    for stream in sorted(set(WRITER_STREAMS)):
        logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)


def _stored_ids(logs: Any, stream: str) -> list[str]:
    """Every event id in the stream, read oldest first with GetLogEvents' forward tokens."""
    ids: list[str] = []
    token = None
    while True:
        page = logs.get_log_events(
            logGroupName=GROUP, logStreamName=stream, startFromHead=True, **({"nextToken": token} if token else {})
        )
        ids.extend(orjson.loads(event["message"])["id"] for event in page["events"])
        if page["nextForwardToken"] == token:  # AWS's end of stream: the token handed back unchanged
            return ids
        token = page["nextForwardToken"]


def _assert_acknowledged_events_stored_once(server: VigilServer, ingest: Ingest) -> None:
    logs = server.client("logs")
    for stream, (acknowledged, unanswered) in ingest.by_stream().items():
        stored = _stored_ids(logs, stream)
        duplicates = [i for i, n in collections.Counter(stored).items() if n > 1]
        assert duplicates == [], f"{stream}: {len(duplicates)} events stored twice, e.g. {duplicates[:3]}"
        missing = acknowledged - set(stored)
        assert not missing, f"{stream}: {len(missing)} acknowledged events lost, e.g. {sorted(missing)[:3]}"
        strangers = set(stored) - acknowledged - unanswered
        assert not strangers, f"{stream}: events nobody sent: {sorted(strangers)[:3]}"


def _assert_accepts_writes(server: VigilServer) -> None:
    logs = server.client("logs")
    for stream in sorted(set(WRITER_STREAMS)):
        message = orjson.dumps({"id": f"after-restart-{stream}", "msg": "still here"}).decode()
        logs.put_log_events(
            logGroupName=GROUP,
            logStreamName=stream,
            logEvents=[{"timestamp": int(time.time() * 1000), "message": message}],
        )
        assert f"after-restart-{stream}" in _stored_ids(logs, stream)


def _health(server: VigilServer) -> dict[str, Any]:
    # `vigil serve` prints its banner from the ASGI lifespan startup, a moment before uvicorn listens on
    # the socket, so a connection made right after the banner can be refused: retry that, briefly.
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(f"{server.endpoint_url}/_vigil/health", timeout=30) as response:
                return orjson.loads(response.read())
        except urllib.error.URLError as error:
            if not isinstance(error.reason, ConnectionRefusedError) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_kill_9_during_ingest_loses_no_acknowledged_event_and_stores_none_twice(tmp_path: Path) -> None:
    server = VigilServer("--data-dir", str(tmp_path)).start()
    try:
        _prepare(server)
        ingest = Ingest(server).start()
        ingest.wait_for(40_000)
        ingest.stopping.set()
        server.kill()
        ingest.join()
    finally:
        server.kill()
    assert ingest.unexpected() == []

    with VigilServer("--data-dir", str(tmp_path)) as restarted:
        _assert_acknowledged_events_stored_once(restarted, ingest)
        _assert_accepts_writes(restarted)


def test_sigterm_during_ingest_commits_what_was_acknowledged_and_exits_zero(tmp_path: Path) -> None:
    server = VigilServer("--data-dir", str(tmp_path)).start()
    try:
        _prepare(server)
        ingest = Ingest(server).start()
        ingest.wait_for(20_000)
        ingest.stopping.set()
        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)
        status = server.process.wait(60)
        ingest.join()
    finally:
        server.kill()
    assert status == 0, "".join(server.output)
    assert ingest.unexpected() == []

    with VigilServer("--data-dir", str(tmp_path)) as restarted:
        _assert_acknowledged_events_stored_once(restarted, ingest)
        _assert_accepts_writes(restarted)


def test_a_clean_restart_keeps_the_data_and_the_schema_version(tmp_path: Path) -> None:
    with VigilServer("--data-dir", str(tmp_path)) as server:
        version = _health(server)["schemaVersion"]
        logs = server.client("logs")
        logs.create_log_group(logGroupName=GROUP)
        logs.create_log_stream(logGroupName=GROUP, logStreamName="web")
        logs.put_log_events(
            logGroupName=GROUP,
            logStreamName="web",
            logEvents=[{"timestamp": int(time.time() * 1000), "message": '{"id": "kept"}'}],
        )
    assert server.process is not None and server.process.returncode == 0, "".join(server.output)

    with VigilServer("--data-dir", str(tmp_path)) as restarted:
        assert _health(restarted)["schemaVersion"] == version >= 1
        assert _stored_ids(restarted.client("logs"), "web") == ["kept"]
