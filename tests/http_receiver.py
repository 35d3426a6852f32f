"""A real HTTP server on 127.0.0.1 for tests of anything that posts somewhere: alerts, webhooks, notifications.

It records every request and answers 200 ``ok``, or what it was told to answer next (an error status, a
``Retry-After``, a slow reply); ``hold`` keeps every answer back until ``release``. Use the ``http_receiver``
fixture (registered for every test by conftest.py), or ``HttpReceiver()`` as a context manager. To test "the
receiver is down", close it: its port then refuses connections.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: Mapping[str, str]  # names in lower case
    body: bytes
    received_at: float  # time.monotonic()

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b"ok"
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering


class HttpReceiver:
    """Listens from construction until ``close``; ``url`` is ``http://127.0.0.1:<port>``."""

    def __init__(self) -> None:
        self.default = Reply()
        self._requests: list[ReceivedRequest] = []
        self._replies: deque[Reply] = deque()
        self._changed = threading.Condition()
        self._answering = threading.Event()
        self._answering.set()
        self.answered = 0  # replies sent
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll interval: ``close`` (every fixture teardown) waits for the server loop's next poll.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="http-receiver", daemon=True
        )
        self._thread.start()
        self._open = True

    def __enter__(self) -> HttpReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reply_next(
        self,
        count: int = 1,
        status: int = 200,
        body: bytes | str | Any = b"ok",
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        """Answer the next ``count`` requests (after those already scripted) with this reply; a body that is not
        bytes or text is sent as JSON."""
        if isinstance(body, str):
            body = body.encode()
        elif not isinstance(body, bytes):
            body = json.dumps(body).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        reply = Reply(status, body, dict(headers or {}), delay)
        with self._changed:
            self._replies.extend([reply] * count)

    def hold(self) -> None:
        """Record requests but answer none of them until ``release``."""
        self._answering.clear()

    def release(self) -> None:
        self._answering.set()

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._changed:
            return list(self._requests)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedRequest]:
        """The requests received, once there are at least ``count``; fails the test after ``timeout`` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._requests) >= count, timeout):
                raise AssertionError(f"expected {count} requests within {timeout} s, received {len(self._requests)}")
            return list(self._requests)

    def close(self) -> None:
        if self._open:
            self._open = False
            self.release()
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()

    def _record(self, request: ReceivedRequest) -> Reply:
        with self._changed:
            self._requests.append(request)
            self._changed.notify_all()
            return self._replies.popleft() if self._replies else self.default

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {name.lower(): value for name, value in self.headers.items()}
                request = ReceivedRequest(self.command, self.path, headers, body, time.monotonic())
                reply = receiver._record(request)
                receiver._answering.wait()
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(reply.body)
                with receiver._changed:
                    receiver.answered += 1

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _answer

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: a test's output is its own."""

        return Handler


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    with HttpReceiver() as receiver:
        yield receiver
