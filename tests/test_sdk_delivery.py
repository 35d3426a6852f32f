"""The CloudWatch handler delivers every record exactly once, in order, whatever the endpoint does."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sdk_helpers import shipping_handler, stored_messages, wait_for_messages

from vigil.sdk.logger import get_logger
from vigil.sdk.shipping.handler import CloudWatchHandler
from vigil.testing import CREDENTIALS, VigilServer


@pytest.fixture
def ship(vigil: VigilServer, tmp_path: Path) -> Iterator[Any]:
    """Make handlers aimed at the test server, each on its own logger; closes them all afterwards."""
    made: list[tuple[Any, CloudWatchHandler]] = []

    def make(**options: Any) -> tuple[Any, CloudWatchHandler]:
        handler = shipping_handler(vigil.endpoint_url, tmp_path / "spool", **options)
        logger = get_logger(f"ship.{len(made)}.{time.monotonic_ns()}")
        logger.propagate = False
        logger.setLevel("DEBUG")
        logger.addHandler(handler)
        made.append((logger, handler))
        return logger, handler

    yield make
    for logger, handler in made:
        logger.removeHandler(handler)
        handler.close()


def sequence(messages: list[dict[str, Any]]) -> list[int]:
    return [message["seq"] for message in messages]


def test_records_arrive_once_in_logging_order(ship: Any, logs_client: Any) -> None:
    logger, handler = ship(batch_size=100)
    for seq in range(1_000):
        logger.info("order %d", seq, extra={"seq": seq})
    assert handler.flush(timeout=30)
    assert sequence(stored_messages(logs_client)) == list(range(1_000))
    assert handler.stats()["sent"] == 1_000


def test_throttled_calls_are_retried_and_each_record_arrives_once(
    ship: Any, vigil: VigilServer, logs_client: Any
) -> None:
    logger, handler = ship(batch_size=50, max_retries=5)
    logger.info("warm up", extra={"seq": -1})
    assert handler.flush(timeout=30)
    vigil.inject_fault("PutLogEvents", "ThrottlingException", count=3, message="Rate exceeded")
    for seq in range(200):
        logger.info("throttled %d", seq, extra={"seq": seq})
    assert handler.flush(timeout=30)
    assert sequence(stored_messages(logs_client)) == [-1, *range(200)]
    assert handler.stats()["retried"] == 3


def test_server_errors_are_retried_like_throttling(ship: Any, vigil: VigilServer, logs_client: Any) -> None:
    logger, handler = ship(max_retries=3)
    vigil.inject_fault("PutLogEvents", "ServiceUnavailableException", count=2, status=503)
    for seq in range(20):
        logger.warning("unavailable %d", seq, extra={"seq": seq})
    assert handler.flush(timeout=30)
    assert sequence(stored_messages(logs_client)) == list(range(20))
    assert handler.stats()["retried"] == 2


def test_a_refused_batch_is_counted_as_dropped_and_reported(
    ship: Any, vigil: VigilServer, capsys: pytest.CaptureFixture[str]
) -> None:
    logger, handler = ship()
    vigil.inject_fault("PutLogEvents", "InvalidParameterException", count=1, message="no such thing")
    logger.error("refused", extra={"seq": 0})
    assert handler.flush(timeout=30)
    assert handler.stats()["dropped"] == 1
    assert "refused" in capsys.readouterr().err


def test_records_logged_after_retries_run_out_wait_in_the_spool_then_arrive_in_order(
    ship: Any, vigil: VigilServer, logs_client: Any
) -> None:
    logger, handler = ship(max_retries=1, batch_size=10)
    vigil.inject_fault("PutLogEvents", "ThrottlingException", count=4)
    for seq in range(30):
        logger.info("backlog %d", seq, extra={"seq": seq})
    messages = wait_for_messages(logs_client, 30, timeout=30)
    assert sequence(messages) == list(range(30))
    stats = handler.stats()
    assert stats["spooled"] > 0 and stats["replayed"] == stats["spooled"]


def test_synchronous_mode_sends_from_the_logging_call_when_a_batch_fills(ship: Any, logs_client: Any) -> None:
    logger, handler = ship(async_upload=False, batch_size=5)
    for seq in range(5):
        logger.info("sync %d", seq, extra={"seq": seq})
    assert handler._worker_thread is None
    assert sequence(stored_messages(logs_client)) == list(range(5))
    logger.info("sync tail", extra={"seq": 5})
    assert handler.stats()["queued"] == 1
    assert handler.flush()
    assert sequence(stored_messages(logs_client)) == list(range(6))


def test_a_full_queue_drops_new_records_counts_them_and_says_so(ship: Any, capsys: pytest.CaptureFixture[str]) -> None:
    logger, handler = ship(async_upload=False, batch_size=100, max_queue_size=10)
    for seq in range(25):
        logger.info("overflow %d", seq, extra={"seq": seq})
    assert handler.stats()["dropped"] == 15
    assert handler.queue.qsize() == 10
    assert "queue full" in capsys.readouterr().err


def test_batches_are_gzipped_for_a_remote_endpoint_that_accepts_gzip(ship: Any, logs_client: Any) -> None:
    logger, handler = ship(batch_size=500)
    logger.info("first call learns what the endpoint accepts", extra={"seq": -1})
    assert handler.flush(timeout=30)
    client = handler._shipper._client
    assert client is not None and client.gzip_accepted
    sender = client._sender
    assert not sender.compresses  # the test server is on the loopback interface, where gzip saves nothing
    sender.compresses = True  # as it would be for a server across the network
    for seq in range(500):
        logger.info("compressible " + "abc" * 100, extra={"seq": seq})
    assert handler.flush(timeout=30)
    assert sequence(stored_messages(logs_client)) == [-1, *range(500)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_records_logged_while_the_server_is_down_for_30_seconds_arrive_after_it_restarts(tmp_path: Path) -> None:
    port = _free_port()
    data = tmp_path / "data"
    server = VigilServer("--data-dir", str(data), port=port).start()
    handler = shipping_handler(server.endpoint_url, tmp_path / "spool", batch_size=20, max_retry_delay=2.0)
    logger = get_logger("ship.outage")
    logger.propagate = False
    logger.setLevel("INFO")
    logger.addHandler(handler)
    try:
        for seq in range(50):
            logger.info("before %d", seq, extra={"seq": seq})
        assert handler.flush(timeout=30)
        server.stop()
        outage_ends = time.monotonic() + 30
        seq = 50
        while time.monotonic() < outage_ends:
            for _ in range(10):
                logger.info("during %d", seq, extra={"seq": seq})
                seq += 1
            time.sleep(1)
        assert handler.stats()["spooled"] > 0
        restarted = VigilServer("--data-dir", str(data), port=port).start()
        try:
            for _ in range(10):
                logger.info("after %d", seq, extra={"seq": seq})
                seq += 1
            client = restarted.client("logs")
            messages = wait_for_messages(client, seq, timeout=60)
            assert sequence(messages) == list(range(seq))
        finally:
            restarted.stop()
    finally:
        logger.removeHandler(handler)
        handler.close()


def _run_script(script: str, endpoint: str, spool: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "VIGIL_TEST_ENDPOINT": endpoint,
        "VIGIL_TEST_SPOOL": str(spool),
        "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
    }
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=Path(__file__).resolve().parents[1],
    )


_SCRIPT_SETUP = """
    import os, sys, logging
    import vigil
    logger = vigil.create_cloudwatch_logger(
        "script", "/sdk/tests", "us-east-1", log_stream="worker-1",
        endpoint_url=os.environ["VIGIL_TEST_ENDPOINT"], spool_dir=os.environ["VIGIL_TEST_SPOOL"],
        flush_interval=60, batch_size=10000, retry_delay=0.1, max_retry_delay=0.5, exit_timeout=10,
    )
"""


def test_records_still_queued_at_interpreter_exit_are_delivered(vigil: VigilServer, tmp_path: Path) -> None:
    script = (
        _SCRIPT_SETUP
        + """
    for seq in range(500):
        logger.info("queued at exit", extra={"seq": seq})
    """
    )
    started = time.monotonic()
    result = _run_script(script, vigil.endpoint_url, tmp_path / "spool")
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 30
    assert sequence(stored_messages(vigil.client("logs"))) == list(range(500))


def test_a_forked_worker_logs_after_fork_and_nothing_is_sent_twice(vigil: VigilServer, tmp_path: Path) -> None:
    script = (
        _SCRIPT_SETUP
        + """
    for seq in range(100):
        logger.info("parent before fork", extra={"seq": seq, "who": "parent"})
    pid = os.fork()
    if pid == 0:
        for seq in range(100):
            logger.info("child", extra={"seq": seq, "who": "child"})
        sys.exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    for seq in range(100, 200):
        logger.info("parent after fork", extra={"seq": seq, "who": "parent"})
    """
    )
    result = _run_script(script, vigil.endpoint_url, tmp_path / "spool")
    assert result.returncode == 0, result.stderr
    messages = stored_messages(vigil.client("logs"))
    by_process: dict[str, list[int]] = {}
    for message in messages:
        by_process.setdefault(message["who"], []).append(message["seq"])
    assert by_process == {"parent": list(range(200)), "child": list(range(100))}


def test_a_multiprocessing_child_flushes_when_it_finishes(vigil: VigilServer, tmp_path: Path) -> None:
    script = (
        _SCRIPT_SETUP
        + """
    import multiprocessing

    def work(n):
        for seq in range(n):
            logger.info("pool child", extra={"seq": seq, "who": "child"})

    logger.info("parent", extra={"seq": 0, "who": "parent"})
    process = multiprocessing.get_context("fork").Process(target=work, args=(50,))
    process.start()
    process.join()
    assert process.exitcode == 0
    """
    )
    result = _run_script(script, vigil.endpoint_url, tmp_path / "spool")
    assert result.returncode == 0, result.stderr
    messages = stored_messages(vigil.client("logs"))
    assert sorted(m["seq"] for m in messages if m["who"] == "child") == list(range(50))
    assert [m["seq"] for m in messages if m["who"] == "parent"] == [0]


def test_records_a_process_could_not_send_before_exiting_arrive_with_the_next_run(
    vigil: VigilServer, tmp_path: Path
) -> None:
    unreachable = f"http://127.0.0.1:{_free_port()}"
    spool = tmp_path / "spool"
    first = _run_script(
        _SCRIPT_SETUP
        + """
    for seq in range(40):
        logger.info("nobody listening", extra={"seq": seq})
    """,
        unreachable,
        spool,
    )
    assert first.returncode == 0, first.stderr
    assert "spooled 40" in first.stderr
    second = _run_script(
        _SCRIPT_SETUP
        + """
    for seq in range(40, 60):
        logger.info("next run", extra={"seq": seq})
    """,
        vigil.endpoint_url,
        spool,
    )
    assert second.returncode == 0, second.stderr
    assert sequence(stored_messages(vigil.client("logs"))) == list(range(60))


def test_the_endpoint_comes_from_the_environment_as_for_boto3(vigil: VigilServer, tmp_path: Path) -> None:
    script = """
    import os, vigil
    logger = vigil.create_cloudwatch_logger("env", "/sdk/tests", log_stream="worker-1",
                                            spool_dir=os.environ["VIGIL_TEST_SPOOL"])
    logger.info("found by environment", extra={"seq": 7})
    """
    env_endpoint = {"AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": vigil.endpoint_url, "AWS_REGION": "us-east-1"}
    os.environ.update(env_endpoint)
    try:
        result = _run_script(script, "unused", tmp_path / "spool")
    finally:
        for name in env_endpoint:
            os.environ.pop(name)
    assert result.returncode == 0, result.stderr
    assert sequence(stored_messages(vigil.client("logs"))) == [7]
