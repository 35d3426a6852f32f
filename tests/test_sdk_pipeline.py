"""The processor pipeline: what a record becomes (its event and its JSON), and the formatters that show it.

Records are made by real loggers and captured by a handler; the pipeline and the formatters are then applied to
them as any destination would.
"""

from __future__ import annotations

import inspect
import io
import itertools
import json
import logging
import os
import re
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import orjson
import pytest
from sdk_helpers import Capture, capturing_logger

from vigil.sdk import pipeline as pipeline_module
from vigil.sdk.context import request_context
from vigil.sdk.formatters import ConsoleFormatter, JSONFormatter, TemplateFormatter, make_formatter
from vigil.sdk.pipeline import Pipeline, current_pipeline, set_current_pipeline, standard_pipeline
from vigil.sdk.processors import Event
from vigil.sdk.redaction import MASK, Redactor

_names = itertools.count()

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
DOCUMENTED_ORDER = [
    "timestamp",
    "level",
    "logger",
    "message",
    "module",
    "function",
    "line",
    "process_id",
    "thread_id",
    "environment",
    "app",
]


class PaymentDeclined(Exception):
    pass


class Unencodable:
    def __str__(self) -> str:
        return "<basket of 3 items>"


def charge(card: str) -> None:
    raise PaymentDeclined(f"card {card} declined")


RAISE_LINE = charge.__code__.co_firstlineno + 1


@pytest.fixture(autouse=True)
def shop_pipeline() -> Iterator[Pipeline]:
    """The current pipeline, as ``vigil.configure(app_name="shop", environment="test")`` would set it."""
    saved = list(pipeline_module._current)
    made = standard_pipeline(app_name="shop", environment="test", redactor=Redactor())
    set_current_pipeline(made)
    yield made
    pipeline_module._current[:] = saved


@pytest.fixture
def capture() -> Capture:
    return Capture()


@pytest.fixture
def logger(capture: Capture) -> Iterator[logging.Logger]:
    yield from capturing_logger("spec.pipeline", capture)


def one_record(capture: Capture) -> logging.LogRecord:
    [record] = capture.records
    return record


def logged_failure(logger: logging.Logger, card: str = "4000-0000") -> None:
    try:
        charge(card)
    except PaymentDeclined:
        logger.exception("payment failed")


# -- the event's fields ------------------------------------------------------------------------------------------


def test_json_record_has_exactly_the_documented_fields_in_order(
    logger: logging.Logger, capture: Capture, shop_pipeline: Pipeline
) -> None:
    with request_context(request_id="r-1", user_id="u-7"):
        try:
            charge("4000-0000")
        except PaymentDeclined:
            logger.exception("payment failed", extra={"order_id": "o-9", "amount": 12.5})
    event = json.loads(shop_pipeline.json(one_record(capture)))
    assert list(event) == [*DOCUMENTED_ORDER, "request_id", "user_id", "order_id", "amount", "exception"]


def test_app_is_left_out_without_an_app_name(logger: logging.Logger, capture: Capture) -> None:
    logger.info("hello")
    event = standard_pipeline(environment="test").event(one_record(capture))
    assert list(event) == [name for name in DOCUMENTED_ORDER if name != "app"]


def test_base_fields_describe_the_call(logger: logging.Logger, capture: Capture, shop_pipeline: Pipeline) -> None:
    line = inspect.currentframe().f_lineno + 1  # type: ignore[union-attr]
    logger.warning("disk at %d%%", 91)
    event = shop_pipeline.event(one_record(capture))
    assert {key: event[key] for key in DOCUMENTED_ORDER[1:]} == {
        "level": "WARNING",
        "logger": logger.name,
        "message": "disk at 91%",
        "module": "test_sdk_pipeline",
        "function": "test_base_fields_describe_the_call",
        "line": line,
        "process_id": os.getpid(),
        "thread_id": threading.get_ident(),
        "environment": "test",
        "app": "shop",
    }


def test_timestamp_is_iso_8601_utc_with_milliseconds_and_a_z(
    logger: logging.Logger, capture: Capture, shop_pipeline: Pipeline
) -> None:
    logger.info("now")
    record = one_record(capture)
    timestamp = shop_pipeline.event(record)["timestamp"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", timestamp)
    assert abs(datetime.fromisoformat(timestamp).timestamp() - record.created) < 0.001


def test_extra_field_wins_over_a_context_field_of_the_same_name(
    logger: logging.Logger, capture: Capture, shop_pipeline: Pipeline
) -> None:
    with request_context(request_id="from-context"):
        logger.info("retry", extra={"request_id": "from-extra"})
    assert shop_pipeline.event(one_record(capture))["request_id"] == "from-extra"


# -- exceptions --------------------------------------------------------------------------------------------------


def test_exception_is_structured_with_type_message_and_frames(
    logger: logging.Logger, capture: Capture, shop_pipeline: Pipeline
) -> None:
    logged_failure(logger)
    exception = shop_pipeline.event(one_record(capture))["exception"]
    assert exception["type"] == f"{__name__}.PaymentDeclined"
    assert exception["message"] == "card 4000-0000 declined"
    assert exception["traceback"][-1] == {
        "file": __file__,
        "line": RAISE_LINE,
        "function": "charge",
        "code": 'raise PaymentDeclined(f"card {card} declined")',
    }
    assert exception["traceback"][0]["function"] == "logged_failure"
    assert "cause" not in exception


@pytest.mark.parametrize(
    ("error", "type_name"),
    [
        (ValueError("bad"), "ValueError"),
        (json.JSONDecodeError("bad", "{", 0), "json.decoder.JSONDecodeError"),
        (PaymentDeclined("bad"), f"{__name__}.PaymentDeclined"),
    ],
)
def test_exception_type_is_qualified_by_its_module_except_builtins(
    logger: logging.Logger, capture: Capture, shop_pipeline: Pipeline, error: Exception, type_name: str
) -> None:
    logger.error("failed", exc_info=error)
    assert shop_pipeline.event(one_record(capture))["exception"]["type"] == type_name


def test_raise_from_records_the_cause(logger: logging.Logger, capture: Capture, shop_pipeline: Pipeline) -> None:
    try:
        try:
            charge("4000-0000")
        except PaymentDeclined as declined:
            raise RuntimeError("checkout failed") from declined
    except RuntimeError:
        logger.exception("order lost")
    exception = shop_pipeline.event(one_record(capture))["exception"]
    assert (exception["type"], exception["message"]) == ("RuntimeError", "checkout failed")
    cause = exception["cause"]
    assert (cause["type"], cause["message"]) == (f"{__name__}.PaymentDeclined", "card 4000-0000 declined")
    assert cause["traceback"][-1]["function"] == "charge"


def test_raise_from_none_records_no_cause(logger: logging.Logger, capture: Capture, shop_pipeline: Pipeline) -> None:
    try:
        try:
            charge("4000-0000")
        except PaymentDeclined:
            raise RuntimeError("checkout failed") from None
    except RuntimeError:
        logger.exception("order lost")
    assert "cause" not in shop_pipeline.event(one_record(capture))["exception"]


def test_secret_in_an_exception_message_is_masked(
    logger: logging.Logger, capture: Capture, shop_pipeline: Pipeline
) -> None:
    try:
        raise PermissionError(f"key {AWS_KEY} rejected")
    except PermissionError:
        logger.exception("upload failed")
    assert shop_pipeline.event(one_record(capture))["exception"]["message"] == f"key {MASK} rejected"


# -- processors and caching --------------------------------------------------------------------------------------


def test_user_processor_runs_and_what_it_adds_is_redacted(logger: logging.Logger, capture: Capture) -> None:
    def add_deployment(record: logging.LogRecord, event: Event) -> Event:
        event["deployment"] = {"region": "eu-west-1", "db_password": "hunter2"}
        event["deploy_note"] = f"rolled out by Bearer {AWS_KEY.lower()}"
        return event

    made = standard_pipeline(environment="test", redactor=Redactor(), processors=[add_deployment])
    logger.info("deployed")
    event = made.event(one_record(capture))
    assert event["deployment"] == {"region": "eu-west-1", "db_password": MASK}
    assert event["deploy_note"] == f"rolled out by {MASK}"


def test_event_and_json_are_computed_once_per_record_for_several_destinations(logger: logging.Logger) -> None:
    calls: list[str] = []

    def count(record: logging.LogRecord, event: Event) -> Event:
        calls.append(record.getMessage())
        return event

    made = standard_pipeline(environment="test", redactor=Redactor(), processors=[count])
    set_current_pipeline(made)
    streams = [io.StringIO(), io.StringIO(), io.StringIO()]
    formatters: list[logging.Formatter] = [JSONFormatter(), JSONFormatter(), ConsoleFormatter()]
    for stream, formatter in zip(streams, formatters, strict=True):
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter)
        logger.addHandler(handler)
    capture = Capture()
    logger.addHandler(capture)

    logger.info("first")
    logger.info("second")

    assert calls == ["first", "second"]
    assert streams[0].getvalue() == streams[1].getvalue()
    record = capture.records[0]
    assert made.json(record) is made.json(record)


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        (Unencodable(), "<basket of 3 items>"),
        (2**70, str(2**70)),
        (-(2**70), str(-(2**70))),
        ({"gift-wrap"}, ["gift-wrap"]),
        ("caf\udce9.txt", "caf\\udce9.txt"),
    ],
    ids=["custom-object", "big-int", "big-negative-int", "set", "lone-surrogate"],
)
def test_value_orjson_cannot_encode_is_rendered_as_text(
    logger: logging.Logger, capture: Capture, shop_pipeline: Pipeline, value: Any, rendered: str
) -> None:
    logger.info("odd value", extra={"value": value, "order_id": 7})
    event = orjson.loads(shop_pipeline.json(one_record(capture)))
    assert (event["value"], event["order_id"], event["message"]) == (rendered, 7, "odd value")


def test_lone_surrogate_in_the_message_is_rendered_as_an_escape(
    logger: logging.Logger, capture: Capture, shop_pipeline: Pipeline
) -> None:
    logger.warning("cannot read %s", "caf\udce9.txt")
    event = orjson.loads(shop_pipeline.json(one_record(capture)))
    assert event["message"] == "cannot read caf\\udce9.txt"


def test_lone_surrogate_in_a_field_name_is_rendered_as_an_escape(
    logger: logging.Logger, capture: Capture, shop_pipeline: Pipeline
) -> None:
    logger.info("sizes", extra={"files": {"caf\udce9.txt": 120}})
    event = orjson.loads(shop_pipeline.json(one_record(capture)))
    assert event["files"] == {"caf\\udce9.txt": 120}


def test_self_containing_value_is_rendered_instead_of_failing(
    logger: logging.Logger, capture: Capture, shop_pipeline: Pipeline
) -> None:
    loop: list[Any] = ["start"]
    loop.append(loop)
    logger.info("loop", extra={"loop": loop})
    event = orjson.loads(shop_pipeline.json(one_record(capture)))
    assert event["loop"][0] == "start"


# -- the console formatter ---------------------------------------------------------------------------------------


def test_console_line_has_time_level_logger_message_and_fields(
    logger: logging.Logger, capture: Capture, shop_pipeline: Pipeline
) -> None:
    with request_context(request_id="r-1"):
        logger.info("Processing request", extra={"user_id": "user123", "note": "two words", "tags": ["a"]})
    record = one_record(capture)
    clock = shop_pipeline.event(record)["timestamp"][11:23]
    assert ConsoleFormatter().format(record) == (
        f"{clock} INFO     {logger.name}  Processing request  environment=test app=shop request_id=r-1 "
        f'user_id=user123 note="two words" tags=["a"]'
    )


def test_console_line_is_followed_by_the_redacted_traceback(logger: logging.Logger, capture: Capture) -> None:
    logged_failure(logger, card=AWS_KEY)
    lines = ConsoleFormatter().format(one_record(capture)).splitlines()
    assert lines[0].endswith(f"ERROR    {logger.name}  payment failed  environment=test app=shop")
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-2:] == [
        '    raise PaymentDeclined(f"card {card} declined")',
        f"{__name__}.PaymentDeclined: card {MASK} declined",
    ]


def test_console_colours_wrap_the_level(logger: logging.Logger, capture: Capture) -> None:
    logger.error("red")
    assert " \x1b[31mERROR   \x1b[0m " in ConsoleFormatter(colours=True).format(one_record(capture))


# -- the %-format template ---------------------------------------------------------------------------------------


SEED_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"


def test_format_string_makes_a_template_formatter() -> None:
    assert type(make_formatter(SEED_FORMAT)) is TemplateFormatter


def test_template_fills_the_message_from_the_redacted_event(logger: logging.Logger, capture: Capture) -> None:
    logger.info("charging with Bearer %s", "abc123")
    text = make_formatter(SEED_FORMAT).format(one_record(capture))
    assert re.fullmatch(
        rf"\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d,\d{{3}} - {re.escape(logger.name)} - INFO - charging with "
        + re.escape(MASK),
        text,
    )


def test_template_fills_context_and_extra_fields(logger: logging.Logger, capture: Capture) -> None:
    with request_context(request_id="r-1"):
        logger.info("login", extra={"password": "hunter2"})
    text = make_formatter("%(request_id)s %(levelname)s %(message)s password=%(password)s").format(one_record(capture))
    assert text == f"r-1 INFO login password={MASK}"


def test_template_prints_the_redacted_traceback(logger: logging.Logger, capture: Capture) -> None:
    logged_failure(logger, card=AWS_KEY)
    text = make_formatter(SEED_FORMAT).format(one_record(capture))
    lines = text.splitlines()
    assert lines[0].endswith(" - ERROR - payment failed")
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-1] == f"{__name__}.PaymentDeclined: card {MASK} declined"
    assert AWS_KEY not in text


def test_formatters_without_a_pipeline_follow_the_current_one(logger: logging.Logger, capture: Capture) -> None:
    logger.info("hello")
    record = one_record(capture)
    set_current_pipeline(standard_pipeline(app_name="billing", environment="staging"))
    assert json.loads(JSONFormatter().format(record))["app"] == "billing"
    assert current_pipeline().event(record)["environment"] == "staging"
