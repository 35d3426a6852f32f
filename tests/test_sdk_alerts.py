"""Alerts to Slack and to a generic webhook: what is sent, how often, and what happens when the receiver fails.

The destinations post to a real local HTTP server. Time in the de-duplication and rate-limit policy comes from a
clock the tests move by hand.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from vigil.sdk.context import request_context
from vigil.sdk.destinations.alert_gate import AlertGate, fingerprint
from vigil.sdk.destinations.alerts import (
    SLACK_BLOCK_LIMIT,
    SLACK_FIELD_LIMIT,
    SLACK_FIELDS_PER_SECTION,
    SLACK_HEADER_LIMIT,
    SLACK_TEXT_LIMIT,
    AlertDestination,
    SlackDestination,
    WebhookDestination,
    retry_after,
)
from vigil.sdk.logger import get_logger
from vigil.sdk.pipeline import current_pipeline, set_current_pipeline, standard_pipeline
from vigil.sdk.redaction import MASK, Redactor

if TYPE_CHECKING:
    from http_receiver import HttpReceiver

_names = itertools.count()


class Clock:
    """Seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(autouse=True)
def pipeline() -> Iterator[None]:
    previous = current_pipeline()
    set_current_pipeline(standard_pipeline(app_name="shop", environment="production", redactor=Redactor()))
    yield
    set_current_pipeline(previous)


AlertingLogger = Callable[[AlertDestination], logging.Logger]


@pytest.fixture
def alerting(clock: Clock) -> Iterator[AlertingLogger]:
    """A logger whose only handler is the given destination, on the test's clock, retrying quickly."""
    made: list[tuple[logging.Logger, AlertDestination]] = []

    def attach(destination: AlertDestination) -> logging.Logger:
        destination.gate.clock = clock
        destination.retry_delay = 0.01
        logger = get_logger(f"shop.payments.{next(_names)}")
        logger.propagate = False
        logger.setLevel(logging.DEBUG)
        logger.addHandler(destination)
        made.append((logger, destination))
        return logger

    yield attach
    for logger, destination in made:
        logger.removeHandler(destination)
        destination.close()


def charge(order: str) -> None:
    raise ConnectionError(f"card processor unreachable for {order}")


def log_failed_charge(logger: logging.Logger, order: str = "o-1", **extra: Any) -> None:
    try:
        charge(order)
    except ConnectionError:
        logger.critical("payment failed for order %s", order, exc_info=True, extra=extra)


def delivered(receiver: HttpReceiver, destination: AlertDestination, count: int) -> list[Any]:
    """The JSON bodies received, once ``count`` arrived and the destination has settled its counters."""
    receiver.wait_for(count)
    destination.flush(10)
    return [request.json() for request in receiver.requests]


def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def texts(message: dict[str, Any]) -> list[str]:
    """Every text of a Slack message's blocks, fields included."""
    found = []
    for block in message["blocks"]:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [item["text"] for item in block.get("fields", []) + block.get("elements", [])]
    return found


# -- the gate: de-duplication ------------------------------------------------------------------------------------


def gate(clock: Clock, **options: Any) -> AlertGate[str]:
    return AlertGate(clock=clock, **options)


def test_first_record_of_a_fingerprint_passes_at_once(clock: Clock) -> None:
    assert gate(clock).admit("db down", "event 1")


def test_repeats_within_the_window_are_counted_not_sent(clock: Clock) -> None:
    policy = gate(clock, dedupe_window=300)
    policy.admit("db down", "event 1")
    clock.advance(299)
    assert not policy.admit("db down", "event 2")
    assert policy.held() == 1
    assert policy.due() == []


def test_repeated_error_within_window_sends_one_summary_when_it_closes(clock: Clock) -> None:
    policy = gate(clock, dedupe_window=300)
    policy.admit("db down", "event 0")
    for n in range(1, 58):
        clock.advance(1)
        policy.admit("db down", f"event {n}")
    clock.advance(300 - 57)
    [summary] = policy.due()
    assert (summary.count, summary.sample, summary.seconds, summary.announced) == (57, "event 57", 300, True)
    assert policy.due() == []


def test_window_that_closes_quiet_sends_nothing_and_the_next_record_passes_again(clock: Clock) -> None:
    policy = gate(clock, dedupe_window=300)
    policy.admit("db down", "event 1")
    clock.advance(300)
    assert policy.due() == []
    assert policy.admit("db down", "event 2")


def test_a_storm_that_goes_on_sends_one_summary_per_window(clock: Clock) -> None:
    policy = gate(clock, dedupe_window=300)
    sent = [policy.admit("db down", "first")]
    summaries = []
    for _ in range(3 * 300):
        clock.advance(1)
        sent.append(policy.admit("db down", "again"))
        summaries += policy.due()
    assert sent.count(True) == 1
    assert [summary.count for summary in summaries] == [300, 300, 300]


def test_a_window_closed_with_repeats_keeps_counting_until_its_summary_goes(clock: Clock) -> None:
    policy = gate(clock, dedupe_window=300)
    policy.admit("db down", "event 1")
    policy.admit("db down", "event 2")
    clock.advance(400)
    assert not policy.admit("db down", "event 3")
    [summary] = policy.due()
    assert (summary.count, summary.seconds) == (2, 400)


def test_different_fingerprints_are_deduplicated_separately(clock: Clock) -> None:
    policy = gate(clock)
    assert policy.admit("db down", "a")
    assert policy.admit("disk full", "b")
    assert not policy.admit("db down", "c")


# -- the gate: rate limit ----------------------------------------------------------------------------------------


def test_rate_limit_holds_first_records_beyond_max_per_minute(clock: Clock) -> None:
    policy = gate(clock, max_per_minute=10)
    passed = [policy.admit(f"error {n}", "event") for n in range(15)]
    assert passed == [True] * 10 + [False] * 5
    assert policy.held() == 5


def test_record_held_by_the_rate_limit_is_summarised_as_soon_as_the_limit_allows(clock: Clock) -> None:
    policy = gate(clock, max_per_minute=1, dedupe_window=300)
    policy.admit("db down", "a")
    policy.admit("disk full", "b")
    policy.admit("disk full", "c")
    clock.advance(30)
    assert policy.due() == []
    clock.advance(30)
    [summary] = policy.due()
    assert (summary.sample, summary.count, summary.seconds, summary.announced) == ("c", 2, 60, False)


def test_rate_limit_is_a_sliding_minute(clock: Clock) -> None:
    policy = gate(clock, max_per_minute=2)
    policy.admit("a", "event")
    clock.advance(30)
    policy.admit("b", "event")
    clock.advance(29)
    assert not policy.admit("c", "event")
    clock.advance(1)
    assert policy.admit("d", "event")


def test_summaries_spend_the_rate_limit_and_wait_while_it_is_spent(clock: Clock) -> None:
    policy = gate(clock, max_per_minute=2, dedupe_window=10)
    policy.admit("a", "event")
    policy.admit("a", "event")
    clock.advance(60)
    policy.admit("b", "event")
    policy.admit("c", "event")
    policy.admit("a", "event")
    assert policy.due() == []
    clock.advance(60)
    [summary] = policy.due()
    assert (summary.count, summary.seconds) == (2, 120)


def test_held_back_first_records_are_summarised_before_older_windows(clock: Clock) -> None:
    policy = gate(clock, max_per_minute=1, dedupe_window=10)
    policy.admit("old", "o1")
    policy.admit("old", "o2")
    policy.admit("new", "n1")
    clock.advance(60)
    assert [summary.sample for summary in policy.due()] == ["n1"]
    clock.advance(60)
    assert [summary.sample for summary in policy.due()] == ["o2"]


def test_gate_remembers_at_most_max_fingerprints_evicting_the_oldest(clock: Clock) -> None:
    policy = gate(clock, max_fingerprints=3, max_per_minute=100)
    for key in ("a", "b", "c", "d"):
        policy.admit(key, "event")
    assert policy.admit("a", "event")  # forgotten: a first again
    assert not policy.admit("d", "event")


# -- the gate: fingerprints --------------------------------------------------------------------------------------


def record(
    name: str = "shop", level: int = logging.CRITICAL, msg: str = "failed %s", *args: object
) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def failing_record(error: BaseException) -> logging.LogRecord:
    try:
        raise error
    except BaseException as caught:
        made = record()
        made.exc_info = (type(caught), caught, caught.__traceback__)
        return made


def test_fingerprint_uses_the_template_not_the_formatted_message() -> None:
    assert fingerprint(record("shop", logging.CRITICAL, "failed %s", 1)) == fingerprint(
        record("shop", logging.CRITICAL, "failed %s", 2)
    )


def test_fingerprint_tells_apart_logger_level_template_and_exception_type() -> None:
    prints: list[Hashable] = [
        fingerprint(record()),
        fingerprint(record(name="billing")),
        fingerprint(record(level=logging.ERROR)),
        fingerprint(record(msg="refused %s")),
        fingerprint(failing_record(ValueError("x"))),
        fingerprint(failing_record(KeyError("x"))),
    ]
    assert len(set(prints)) == len(prints)
    assert fingerprint(failing_record(ValueError("x"))) == fingerprint(failing_record(ValueError("y")))


# -- Slack -------------------------------------------------------------------------------------------------------


def test_slack_webhook_posts_text_and_blocks(http_receiver: HttpReceiver, alerting: AlertingLogger) -> None:
    slack = SlackDestination(f"{http_receiver.url}/services/T0/B0/secret")
    logger = alerting(slack)
    with request_context(request_id="req-42"):
        log_failed_charge(logger, "o-7", customer="c-9")
    [message] = delivered(http_receiver, slack, 1)
    request = http_receiver.requests[0]
    assert (request.method, request.path) == ("POST", "/services/T0/B0/secret")
    assert request.headers["content-type"].startswith("application/json")
    assert message["text"] == f"CRITICAL {logger.name}: payment failed for order o-7"
    header, body, source, fields, exception = message["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": f"CRITICAL · {logger.name}"}}
    assert body["text"] == {"type": "mrkdwn", "text": "payment failed for order o-7"}
    assert "log_failed_charge" in source["elements"][0]["text"]
    assert [field["text"] for field in fields["fields"]] == [
        "*environment*\nproduction",
        "*app*\nshop",
        "*request_id*\nreq-42",
        "*customer*\nc-9",
    ]
    assert exception["text"]["text"].startswith("*ConnectionError*: card processor unreachable for o-7\n```")
    assert (
        'in charge\n    raise ConnectionError(f"card processor unreachable for {order}")```'
        in (exception["text"]["text"])
    )
    assert slack.counters.sent == 1


def test_slack_message_is_cut_to_slack_limits(http_receiver: HttpReceiver, alerting: AlertingLogger) -> None:
    slack = SlackDestination(http_receiver.url)
    logger = alerting(slack)
    fields = {f"field_{n}": "v" * 5_000 for n in range(200)}

    def deep(depth: int) -> None:
        if depth:
            deep(depth - 1)
        raise RuntimeError("<" * 5_000)

    try:
        deep(50)
    except RuntimeError:
        logger.critical("x" * 10_000, exc_info=True, extra=fields)
    [message] = delivered(http_receiver, slack, 1)
    assert len(message["blocks"]) <= SLACK_BLOCK_LIMIT
    assert len(message["text"]) <= SLACK_TEXT_LIMIT
    assert len(message["blocks"][0]["text"]["text"]) <= SLACK_HEADER_LIMIT
    assert all(len(text) <= SLACK_TEXT_LIMIT for text in texts(message))
    sections = [block["fields"] for block in message["blocks"] if "fields" in block]
    assert all(len(section) <= SLACK_FIELDS_PER_SECTION for section in sections)
    assert all(len(field["text"]) <= SLACK_FIELD_LIMIT for section in sections for field in section)
    assert message["blocks"][-1]["text"]["text"].endswith('raise RuntimeError("&lt;" * 5_000)```')


def test_slack_message_escapes_what_mrkdwn_would_turn_into_links_and_mentions(
    http_receiver: HttpReceiver, alerting: AlertingLogger
) -> None:
    slack = SlackDestination(http_receiver.url)
    alerting(slack).critical("<!channel> R&D <http://evil|click>")
    [message] = delivered(http_receiver, slack, 1)
    assert message["blocks"][1]["text"]["text"] == "&lt;!channel&gt; R&amp;D &lt;http://evil|click&gt;"


def test_slack_bot_token_mode_sends_authorization_and_channel(
    http_receiver: HttpReceiver, alerting: AlertingLogger
) -> None:
    http_receiver.reply_next(body={"ok": True, "channel": "C042", "ts": "1.2"})
    slack = SlackDestination(bot_token="xoxb-test-token", channel="C042", api_url=f"{http_receiver.url}/api/chat")
    alerting(slack).critical("disk full")
    [message] = delivered(http_receiver, slack, 1)
    request = http_receiver.requests[0]
    assert request.path == "/api/chat"
    assert request.headers["authorization"] == "Bearer xoxb-test-token"
    assert message["channel"] == "C042"
    assert message["blocks"][1]["text"]["text"] == "disk full"
    assert (slack.counters.sent, slack.counters.failed) == (1, 0)


def test_slack_bot_token_reply_ok_false_counts_as_failed(
    http_receiver: HttpReceiver, alerting: AlertingLogger, capsys: pytest.CaptureFixture[str]
) -> None:
    http_receiver.reply_next(body={"ok": False, "error": "channel_not_found"})
    slack = SlackDestination(bot_token="xoxb-test-token", channel="C404", api_url=http_receiver.url)
    alerting(slack).critical("disk full")
    delivered(http_receiver, slack, 1)
    assert (slack.counters.sent, slack.counters.failed) == (0, 1)
    assert len(http_receiver.requests) == 1  # a refusal is not retried
    [line] = capsys.readouterr().err.splitlines()
    assert "channel_not_found" in line
    assert "xoxb" not in line


def test_slack_from_environment_prefers_a_bot_token_and_channel() -> None:
    environ = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_CHANNEL_ID": "C1", "SLACK_WEBHOOK_URL": "https://hooks/x"}
    slack = SlackDestination.from_environment(environ)
    assert slack is not None
    assert (slack.bot_token, slack.channel, slack.webhook_url) == ("xoxb-1", "C1", None)
    slack.close()


def test_slack_from_environment_uses_the_webhook_url_without_a_channel() -> None:
    slack = SlackDestination.from_environment({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_WEBHOOK_URL": "https://hooks/x"})
    assert slack is not None
    assert (slack.webhook_url, slack.bot_token, slack.level) == ("https://hooks/x", None, logging.CRITICAL)
    slack.close()


def test_slack_from_environment_is_none_when_slack_is_not_configured() -> None:
    assert SlackDestination.from_environment({"SLACK_CHANNEL_ID": "C1"}) is None


def test_slack_needs_a_webhook_or_a_bot_token_and_channel() -> None:
    with pytest.raises(ValueError, match="bot token and a channel"):
        SlackDestination(bot_token="xoxb-1")
    with pytest.raises(ValueError, match="not both"):
        SlackDestination("https://hooks/x", bot_token="xoxb-1", channel="C1")


# -- the generic webhook -----------------------------------------------------------------------------------------


def test_webhook_posts_the_event_with_vigil_alert(http_receiver: HttpReceiver, alerting: AlertingLogger) -> None:
    hook = WebhookDestination(f"{http_receiver.url}/hooks/vigil", headers={"X-Team": "payments"})
    logger = alerting(hook)
    with request_context(request_id="req-42"):
        log_failed_charge(logger, "o-7")
    [body] = delivered(http_receiver, hook, 1)
    assert http_receiver.requests[0].headers["x-team"] == "payments"
    assert body["vigil_alert"] == {"repeated": 0, "summary": False, "seconds": 0.0}
    assert {key: body[key] for key in ("level", "logger", "message", "environment", "app", "request_id")} == {
        "level": "CRITICAL",
        "logger": logger.name,
        "message": "payment failed for order o-7",
        "environment": "production",
        "app": "shop",
        "request_id": "req-42",
    }
    assert body["exception"]["type"] == "ConnectionError"
    assert body["exception"]["traceback"][-1]["function"] == "charge"


def test_only_critical_records_alert_by_default(http_receiver: HttpReceiver, alerting: AlertingLogger) -> None:
    hook = WebhookDestination(http_receiver.url)
    logger = alerting(hook)
    logger.error("an error")
    logger.critical("a critical")
    bodies = delivered(http_receiver, hook, 1)
    assert [body["message"] for body in bodies] == ["a critical"]


def test_level_option_lowers_the_threshold(http_receiver: HttpReceiver, alerting: AlertingLogger) -> None:
    hook = WebhookDestination(http_receiver.url, level=logging.ERROR)
    logger = alerting(hook)
    logger.warning("a warning")
    logger.error("an error")
    assert [body["message"] for body in delivered(http_receiver, hook, 1)] == ["an error"]


# -- an error storm ----------------------------------------------------------------------------------------------


def test_burst_of_identical_errors_sends_one_message_then_one_summary(
    http_receiver: HttpReceiver, alerting: AlertingLogger, clock: Clock
) -> None:
    slack = SlackDestination(http_receiver.url)
    logger = alerting(slack)
    for n in range(200):
        log_failed_charge(logger, f"o-{n}")
    [first] = delivered(http_receiver, slack, 1)
    clock.advance(301)
    slack.flush()
    first, summary = delivered(http_receiver, slack, 2)
    assert first["blocks"][1]["text"]["text"] == "payment failed for order o-0"
    assert summary["blocks"][1]["text"]["text"] == (
        "payment failed for order o-199 — repeated 199 more times in the last 5 min"
    )
    assert (slack.counters.sent, slack.counters.suppressed, slack.counters.failed) == (2, 199, 0)
    assert len(http_receiver.requests) == 2


def test_webhook_summary_reports_the_count_in_vigil_alert(
    http_receiver: HttpReceiver, alerting: AlertingLogger, clock: Clock
) -> None:
    hook = WebhookDestination(http_receiver.url, dedupe_window=60)
    logger = alerting(hook)
    for _ in range(5):
        logger.critical("queue stalled")
    clock.advance(60)
    hook.flush()
    _, summary = delivered(http_receiver, hook, 2)
    assert summary["vigil_alert"] == {"repeated": 4, "summary": True, "seconds": 60.0}
    assert summary["message"] == "queue stalled"


def test_rate_limit_holds_distinct_errors_and_summarises_them_a_minute_later(
    http_receiver: HttpReceiver, alerting: AlertingLogger, clock: Clock
) -> None:
    slack = SlackDestination(http_receiver.url, max_per_minute=10)
    logger = alerting(slack)
    for n in range(15):
        logger.critical(f"failure number {n}")
    assert len(delivered(http_receiver, slack, 10)) == 10
    assert slack.counters.suppressed == 5
    clock.advance(60)
    slack.flush()
    later = delivered(http_receiver, slack, 15)[10:]
    assert sorted(message["blocks"][1]["text"]["text"] for message in later) == [
        f"failure number {n} — 1 time in the last 1 min (held back by the rate limit)" for n in range(10, 15)
    ]


# -- delivery: retries and failures ------------------------------------------------------------------------------


def test_429_with_retry_after_is_retried_then_delivered_once(
    http_receiver: HttpReceiver, alerting: AlertingLogger
) -> None:
    http_receiver.reply_next(status=429, body="rate_limited", headers={"Retry-After": "1"})
    slack = SlackDestination(http_receiver.url)
    alerting(slack).critical("disk full")
    refused, accepted = http_receiver.wait_for(2)
    slack.flush()
    assert accepted.received_at - refused.received_at >= 0.9
    assert accepted.body == refused.body
    assert (slack.counters.sent, slack.counters.failed, len(http_receiver.requests)) == (1, 0, 2)


def test_server_errors_are_retried_then_delivered_once(http_receiver: HttpReceiver, alerting: AlertingLogger) -> None:
    http_receiver.reply_next(2, status=500, body="oops")
    hook = WebhookDestination(http_receiver.url)
    alerting(hook).critical("disk full")
    delivered(http_receiver, hook, 3)
    assert (hook.counters.sent, hook.counters.failed, len(http_receiver.requests)) == (1, 0, 3)


def test_client_error_is_not_retried(
    http_receiver: HttpReceiver, alerting: AlertingLogger, capsys: pytest.CaptureFixture[str]
) -> None:
    http_receiver.reply_next(status=404, body="no_service")
    slack = SlackDestination(http_receiver.url)
    alerting(slack).critical("disk full")
    delivered(http_receiver, slack, 1)
    assert (slack.counters.sent, slack.counters.failed, len(http_receiver.requests)) == (0, 1, 1)
    assert "HTTP 404 Not Found: no_service" in capsys.readouterr().err


def test_receiver_down_counts_the_alert_as_failed_and_says_so_on_stderr(
    http_receiver: HttpReceiver, alerting: AlertingLogger, capsys: pytest.CaptureFixture[str]
) -> None:
    http_receiver.close()
    slack = SlackDestination(f"{http_receiver.url}/services/T0/B0/secret")
    alerting(slack).critical("disk full")
    slack.flush(10)
    assert (slack.counters.sent, slack.counters.failed) == (0, 1)
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("vigil: Slack alert not delivered:")
    assert "after 5 attempts" in line
    assert "secret" not in line


def test_slow_receiver_never_blocks_the_logging_call(http_receiver: HttpReceiver, alerting: AlertingLogger) -> None:
    http_receiver.hold()
    hook = WebhookDestination(http_receiver.url)
    logger = alerting(hook)
    calls = threading.Thread(target=lambda: [logger.critical(f"failure number {n}") for n in range(3)])
    calls.start()
    calls.join(timeout=30)  # only so that a call that blocks fails the test instead of hanging it
    # Every call has returned, and the receiver has not answered anything yet.
    assert not calls.is_alive()
    assert http_receiver.answered == 0
    http_receiver.release()
    assert len(delivered(http_receiver, hook, 3)) == 3


def test_closing_stops_retrying_at_once(http_receiver: HttpReceiver, alerting: AlertingLogger) -> None:
    http_receiver.reply_next(5, status=503)
    hook = WebhookDestination(http_receiver.url)
    logger = alerting(hook)
    hook.retry_delay = 60.0
    hook.queue.exit_timeout = 0.2
    logger.critical("disk full")
    http_receiver.wait_for(1)
    hook.close()
    eventually(lambda: hook.counters.failed == 1)
    assert len(http_receiver.requests) == 1


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after("7") == 7.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past: no wait
    assert retry_after("soon") is None
    assert retry_after(None) is None


def test_a_forked_child_starts_with_a_fresh_gate(http_receiver: HttpReceiver, alerting: AlertingLogger) -> None:
    hook = WebhookDestination(http_receiver.url)
    logger = alerting(hook)
    logger.critical("disk full")
    logger.critical("disk full")
    assert hook.gate.held() == 1
    child = os.fork()
    if child == 0:
        os._exit(0 if hook.gate.held() == 0 else 1)  # the parent's repeat is the parent's to report
    assert os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 0
    assert hook.gate.held() == 1


# -- secrets -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [SlackDestination, WebhookDestination], ids=["slack", "webhook"])
def test_secrets_are_masked_in_what_is_sent(
    http_receiver: HttpReceiver, alerting: AlertingLogger, make: Callable[[str], AlertDestination]
) -> None:
    destination = make(http_receiver.url)
    logger = alerting(destination)
    logger.critical(
        "login failed with Bearer abc.def.ghi",
        extra={"password": "hunter2", "note": "token xoxb-1234567890-abcdef"},
    )
    delivered(http_receiver, destination, 1)
    body = http_receiver.requests[0].body.decode()
    for secret in ("abc.def.ghi", "hunter2", "xoxb-1234567890"):
        assert secret not in body
    assert MASK in body
