"""Alerts: CRITICAL records to Slack or to any webhook, a person's attention being the scarce resource.

In the calling thread a record only passes the alert gate (de-duplication and rate limit, see ``alert_gate``)
and, if it is to be sent, goes on a bounded queue: a logging call never waits on Slack. The queue's thread posts
with the standard library (no HTTP dependency for the SDK), retries what may succeed later (connection errors,
429, 5xx) and, on each tick, sends the summaries the gate has due. An alert that cannot be delivered is counted
and reported on one line of standard error, never logged: logging it could raise another alert.
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import json
import logging
import os
import random
import sys
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vigil.sdk.background import BackgroundQueue
from vigil.sdk.destinations.alert_gate import AlertGate, fingerprint
from vigil.sdk.pipeline import current_pipeline
from vigil.sdk.processors import Event
from vigil.sdk.rendering import render_json

SLACK_API_URL = "https://slack.com/api/chat.postMessage"
USER_AGENT = "vigil-alerts"

# How often the queue's thread looks for due summaries; the dedupe window is minutes, so a second is plenty.
TICK_SECONDS = 1.0
# Alerts are few (the gate allows ten a minute by default): a short queue is ample, and one item per batch
# makes every alert wake the thread at once.
QUEUE_ITEMS = 100

# Slack's limits (api.slack.com/reference/block-kit/blocks).
SLACK_TEXT_LIMIT = 3000
SLACK_HEADER_LIMIT = 150
SLACK_FIELD_LIMIT = 2000
SLACK_FIELDS_PER_SECTION = 10
SLACK_BLOCK_LIMIT = 50
# What an alert shows of an event: more fields or frames than this make a message nobody reads on a phone.
SHOWN_FIELDS = 20
SHOWN_FRAMES = 5
SHOWN_VALUE = 500

# Fields every event has, shown in the header, the message or the source line rather than as fields.
_SHOWN_ELSEWHERE = frozenset(
    {"timestamp", "level", "logger", "message", "module", "function", "line", "process_id", "thread_id"}
    | {"exception", "stack"}
)
_LEADING_FIELDS = ("environment", "app", "request_id")

_destinations: weakref.WeakSet[AlertDestination] = weakref.WeakSet()


@dataclass(frozen=True)
class Alert:
    """One message to send. A summary stands for ``repeated`` records not sent on their own over the last
    ``seconds``, ``event`` being the latest of them; ``announced`` is whether an alert for the same error went
    out before them (when it did not, the rate limit held every one of them)."""

    event: Event
    repeated: int = 0
    summary: bool = False
    seconds: float = 0.0
    announced: bool = True


@dataclass
class AlertCounters:
    sent: int = 0  # alerts delivered, summaries included
    suppressed: int = 0  # records held back by the gate (reported by summaries)
    failed: int = 0  # alerts given up on: refused, retries exhausted, or no room in the queue


class _Refused(Exception):
    """A reply that sending again will not change: a 4xx other than 429, or Slack's ``"ok": false``."""


def describe_span(seconds: float) -> str:
    """``"40 s"``, ``"5 min"``, ``"3 h"``: how a summary names the time it covers."""
    if seconds < 59.5:
        return f"{max(1, round(seconds))} s"
    if seconds < 2 * 3600:
        return f"{round(seconds / 60)} min"
    return f"{round(seconds / 3600)} h"


def repetition(alert: Alert) -> str:
    """What a summary adds to the message: ``" — repeated 57 more times in the last 5 min"``."""
    if not alert.summary:
        return ""
    times = "time" if alert.repeated == 1 else "times"
    span = describe_span(alert.seconds)
    if alert.announced:
        return f" — repeated {alert.repeated} more {times} in the last {span}"
    return f" — {alert.repeated} {times} in the last {span} (held back by the rate limit)"


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class AlertDestination(logging.Handler):
    """What Slack and the generic webhook share: the gate, the queue, the retries and the counters.

    A subclass says what to post (``request``) and whether a successful HTTP reply is a success (``check``).
    The retry policy is in class attributes: ``max_attempts`` posts at most, waiting ``retry_delay`` seconds
    before the second and twice as long before each next one (with jitter), or what ``Retry-After`` asks; no wait
    longer than ``max_retry_delay``.
    """

    kind = "alert"
    max_attempts = 5
    retry_delay = 0.5
    max_retry_delay = 30.0

    def __init__(
        self,
        queue_name: str,
        *,
        level: int | str,
        dedupe_window: float,
        max_per_minute: int,
        timeout: float,
    ) -> None:
        self.gate: AlertGate[Event] = AlertGate(dedupe_window, max_per_minute)
        self.timeout = timeout
        self.counters = AlertCounters()
        self.queue: BackgroundQueue[Alert] = BackgroundQueue(
            queue_name, self._deliver, max_items=QUEUE_ITEMS, max_batch=1, interval=TICK_SECONDS, on_tick=self._tick
        )
        super().__init__(level)
        _destinations.add(self)

    # -- the caller's side -------------------------------------------------------------------------------------

    def emit(self, record: logging.LogRecord) -> None:
        try:
            event = current_pipeline().event(record)
            if self.gate.admit(fingerprint(record), event):
                self._enqueue(Alert(event))
            else:
                self.counters.suppressed += 1
        except RecursionError:
            raise
        except Exception:  # the stdlib contract: report it, never raise into the application
            self.handleError(record)

    def flush(self, timeout: float | None = None) -> bool:  # type: ignore[override]
        """Send the summaries due now and everything queued; ``True`` if done within ``timeout`` seconds."""
        if self.queue.closing.is_set():
            return not self.queue.qsize()
        self._tick()
        return self.queue.flush(timeout)

    def close(self) -> None:
        """Deliver what is queued within the queue's exit deadline; what is left is counted as failed."""
        try:
            self.queue.close()
            self.counters.failed += len(self.queue.pending())
        finally:
            _destinations.discard(self)
            super().close()

    # -- what a subclass says ----------------------------------------------------------------------------------

    def request(self, alert: Alert) -> urllib.request.Request:
        raise NotImplementedError

    def check(self, reply: bytes) -> None:
        """Raise ``_Refused`` when a 2xx reply still means the alert was not accepted."""

    # -- the queue's thread ------------------------------------------------------------------------------------

    def _tick(self) -> None:
        for summary in self.gate.due():
            self._enqueue(Alert(summary.sample, summary.count, True, summary.seconds, summary.announced))

    def _enqueue(self, alert: Alert) -> None:
        if not self.queue.put(alert):
            self.counters.failed += 1

    def _deliver(self, batch: list[Alert]) -> None:
        for alert in batch:
            problem = self._send(alert)
            if problem is None:
                self.counters.sent += 1
            else:
                self.counters.failed += 1
                self._warn(f"vigil: {self.kind} alert not delivered: {problem}\n")

    def _send(self, alert: Alert) -> str | None:
        """Post ``alert``, retrying what may succeed later; ``None`` when delivered, else what went wrong."""
        request = self.request(alert)
        attempt = 0
        while True:
            attempt += 1
            wait: float | None = None
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                    self.check(reply.read())
                return None
            except _Refused as refusal:
                return str(refusal)
            except urllib.error.HTTPError as error:
                with error:
                    detail = error.read(200).decode("utf-8", "replace").strip()
                problem = f"HTTP {error.code} {error.reason}" + (f": {detail}" if detail else "")
                if error.code != 429 and error.code < 500:
                    return problem
                if error.code == 429:
                    wait = retry_after(error.headers.get("Retry-After"))
            except (OSError, http.client.HTTPException) as error:
                problem = str(getattr(error, "reason", None) or error) or type(error).__name__
            if attempt >= self.max_attempts:
                return f"{problem} (after {attempt} attempts)"
            if wait is None:
                wait = self.retry_delay * 2 ** (attempt - 1) * random.uniform(0.5, 1.0)
            if self.queue.closing.wait(min(wait, self.max_retry_delay)):
                return f"{problem} (gave up at exit after {attempt} attempts)"

    @staticmethod
    def _warn(line: str) -> None:
        with contextlib.suppress(OSError, ValueError):  # standard error closed: at exit, nowhere is left to say it
            sys.stderr.write(line)


def _post(url: str, body: bytes, headers: Mapping[str, str]) -> urllib.request.Request:
    return urllib.request.Request(
        url,
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT, **headers},
        method="POST",
    )


class SlackDestination(AlertDestination):
    """CRITICAL records to Slack, by incoming webhook (``webhook_url``) or by ``chat.postMessage`` with a bot
    token and a channel id. ``SlackDestination.from_environment()`` reads the seed's variables."""

    kind = "Slack"

    def __init__(
        self,
        webhook_url: str | None = None,
        *,
        bot_token: str | None = None,
        channel: str | None = None,
        api_url: str = SLACK_API_URL,
        level: int | str = logging.CRITICAL,
        dedupe_window: float = 300,
        max_per_minute: int = 10,
        timeout: float = 5.0,
    ) -> None:
        if webhook_url and bot_token:
            raise ValueError("SlackDestination takes a webhook URL or a bot token, not both")
        if not webhook_url and not (bot_token and channel):
            raise ValueError("SlackDestination needs a webhook URL, or a bot token and a channel")
        self.webhook_url = webhook_url
        self.bot_token = bot_token
        self.channel = channel
        self.api_url = api_url
        super().__init__(
            "slack-alerts", level=level, dedupe_window=dedupe_window, max_per_minute=max_per_minute, timeout=timeout
        )

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ, **options: Any) -> SlackDestination | None:
        """From ``SLACK_BOT_TOKEN`` and ``SLACK_CHANNEL_ID`` when both are set, else from ``SLACK_WEBHOOK_URL``;
        ``None`` when Slack is not configured."""
        token, channel = environ.get("SLACK_BOT_TOKEN"), environ.get("SLACK_CHANNEL_ID")
        if token and channel:
            return cls(bot_token=token, channel=channel, **options)
        webhook_url = environ.get("SLACK_WEBHOOK_URL")
        return cls(webhook_url, **options) if webhook_url else None

    def request(self, alert: Alert) -> urllib.request.Request:
        message = slack_message(alert)
        if self.webhook_url:
            return _post(self.webhook_url, render_json(message), {})
        body = render_json({"channel": self.channel, **message})
        return _post(self.api_url, body, {"Authorization": f"Bearer {self.bot_token}"})

    def check(self, reply: bytes) -> None:
        if self.webhook_url:
            return  # an incoming webhook answers 200 "ok", and errors with 4xx
        try:
            answer = json.loads(reply)
        except ValueError:
            raise _Refused(f"Slack answered with something other than JSON: {reply[:200]!r}") from None
        if not isinstance(answer, dict) or answer.get("ok") is not True:
            error = answer.get("error") if isinstance(answer, dict) else None
            raise _Refused(f"Slack refused the message: {error or reply[:200]!r}")


class WebhookDestination(AlertDestination):
    """CRITICAL records POSTed as JSON to any URL: the event itself, plus ``"vigil_alert"``."""

    kind = "webhook"

    def __init__(
        self,
        url: str,
        *,
        level: int | str = logging.CRITICAL,
        headers: Mapping[str, str] | None = None,
        dedupe_window: float = 300,
        max_per_minute: int = 10,
        timeout: float = 5.0,
    ) -> None:
        self.url = url
        self.headers = dict(headers or {})
        super().__init__(
            "webhook-alerts", level=level, dedupe_window=dedupe_window, max_per_minute=max_per_minute, timeout=timeout
        )

    def request(self, alert: Alert) -> urllib.request.Request:
        return _post(self.url, render_json(webhook_body(alert)), self.headers)


def webhook_body(alert: Alert) -> Event:
    return {
        **alert.event,
        "vigil_alert": {"repeated": alert.repeated, "summary": alert.summary, "seconds": round(alert.seconds, 3)},
    }


# -- Slack's message ---------------------------------------------------------------------------------------------


def slack_message(alert: Alert) -> dict[str, Any]:
    """Block Kit: a header (level, logger), the message, a source line, the fields (environment, app, request id
    first), the exception with its last frames. Every text is cut to Slack's limits, and with at most
    ``SHOWN_FIELDS`` fields a message has at most 7 blocks, well under ``SLACK_BLOCK_LIMIT``."""
    event = alert.event
    level, logger = event.get("level", ""), event.get("logger", "")
    message = f"{event.get('message', '')}{repetition(alert)}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(f"{level} · {logger}", SLACK_HEADER_LIMIT)}},
        {"type": "section", "text": _mrkdwn(_escape(message), SLACK_TEXT_LIMIT)},
        {"type": "context", "elements": [_mrkdwn(_escape(_source(event)), SLACK_TEXT_LIMIT)]},
        *_field_sections(event),
    ]
    exception = event.get("exception")
    if isinstance(exception, dict):
        blocks.append({"type": "section", "text": _mrkdwn(_exception_text(exception), SLACK_TEXT_LIMIT)})
    return {"text": _cut(_escape(f"{level} {logger}: {message}"), SLACK_TEXT_LIMIT), "blocks": blocks}


def _source(event: Event) -> str:
    where = f"{event.get('module', '')}.{event.get('function', '')}:{event.get('line', '')}"
    return f"{event.get('timestamp', '')} · {where} · pid {event.get('process_id', '')}"


def _field_sections(event: Event) -> list[dict[str, Any]]:
    names = [name for name in _LEADING_FIELDS if name in event]
    names += [name for name in event if name not in _SHOWN_ELSEWHERE and name not in _LEADING_FIELDS]
    fields = [
        _mrkdwn(f"*{_escape(name)}*\n{_escape(_cut(_value_text(event[name]), SHOWN_VALUE))}", SLACK_FIELD_LIMIT)
        for name in names[:SHOWN_FIELDS]
    ]
    sections: list[dict[str, Any]] = [
        {"type": "section", "fields": fields[start : start + SLACK_FIELDS_PER_SECTION]}
        for start in range(0, len(fields), SLACK_FIELDS_PER_SECTION)
    ]
    if len(names) > SHOWN_FIELDS:
        hidden = len(names) - SHOWN_FIELDS
        sections.append({"type": "context", "elements": [_mrkdwn(f"{hidden} more fields not shown", SLACK_TEXT_LIMIT)]})
    return sections


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return render_json(value).decode()


def _exception_text(exception: Event) -> str:
    """``*ValueError*: message``, what caused it, then the last frames in a code block (cut from the top, since
    the frames nearest the error matter most)."""
    title = f"*{_escape(str(exception.get('type', '')))}*: {_escape(str(exception.get('message', '')))}"
    cause = exception.get("cause")
    while isinstance(cause, dict):
        title += f"\ncaused by *{_escape(str(cause.get('type', '')))}*: {_escape(str(cause.get('message', '')))}"
        cause = cause.get("cause")
    title = _cut(title, SLACK_TEXT_LIMIT // 3)
    frames = exception.get("traceback") or []
    if not frames:
        return title
    lines = []
    for frame in frames[-SHOWN_FRAMES:]:
        lines.append(f'File "{frame.get("file")}", line {frame.get("line")}, in {frame.get("function")}')
        if frame.get("code"):
            lines.append(f"    {frame['code']}")
    code = _escape("\n".join(lines))
    room = SLACK_TEXT_LIMIT - len(title) - len("\n``````")
    if len(code) > room:
        code = "…" + code[len(code) - room + 1 :]
    return f"{title}\n```{code}```"


def _escape(text: str) -> str:
    """Slack's mrkdwn gives ``&``, ``<`` and ``>`` a meaning (links, mentions): escaped, they show as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    # Never leave half an escape (``&am``) at the end.
    ampersand = cut.rfind("&", max(0, len(cut) - 5))
    if ampersand >= 0 and ";" not in cut[ampersand:]:
        cut = cut[:ampersand]
    return cut + "…"


def _mrkdwn(text: str, limit: int) -> dict[str, str]:
    return {"type": "mrkdwn", "text": _cut(text, limit)}


def _forget_after_fork() -> None:
    for destination in list(_destinations):
        destination.gate.reset_after_fork()


os.register_at_fork(after_in_child=_forget_after_fork)
