"""``vigil.get_logger``: a stdlib logger whose records are indistinguishable from the stdlib's own.

Each record is compared field by field with the one a plain ``logging.Logger`` makes at the same call site, so
that third-party handlers and formatters see no difference; the rest pins the stdlib behaviours the fast path
must keep (level checks, ``logging.disable``, record factories, propagation, filters).
"""

from __future__ import annotations

import inspect
import io
import itertools
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import pytest
from sdk_helpers import Capture, capturing_logger

import vigil
from vigil.sdk.context import request_context
from vigil.sdk.formatters import JSONFormatter
from vigil.sdk.logger import VigilLogger
from vigil.sdk.pipeline import standard_pipeline
from vigil.sdk.redaction import MASK, Redactor

_names = itertools.count()

# What a stdlib LogRecord knows about its call; a Vigil record must agree on every one. (Not ``exc_text``: a
# formatter's cache, filled by whichever handler formats the record first.)
CALL_FIELDS = (
    "name",
    "levelno",
    "levelname",
    "pathname",
    "filename",
    "module",
    "funcName",
    "lineno",
    "process",
    "processName",
    "thread",
    "threadName",
    "msg",
    "args",
    "exc_info",
    "stack_info",
)


def unique_name() -> str:
    return f"spec.logger.{next(_names)}"


def line_of_next_statement() -> int:
    frame = inspect.currentframe()
    assert frame is not None and frame.f_back is not None
    return frame.f_back.f_lineno + 1


@dataclass
class Twins:
    """A Vigil logger and a plain stdlib logger of the same name, both writing to one capture handler."""

    ours: logging.Logger
    stdlib: logging.Logger
    capture: Capture

    def log(self, method: str, *args: Any, **kwargs: Any) -> tuple[logging.LogRecord, logging.LogRecord]:
        """The two records made by calling ``method`` on each logger from this one line."""
        for logger in (self.ours, self.stdlib):
            getattr(logger, method)(*args, **kwargs)
        ours, stdlib = self.capture.records[-2:]
        return ours, stdlib


@pytest.fixture
def capture() -> Capture:
    return Capture()


@pytest.fixture
def logger(capture: Capture) -> Iterator[logging.Logger]:
    yield from capturing_logger("spec.logger", capture)


@pytest.fixture
def twins(logger: logging.Logger, capture: Capture) -> Twins:
    stdlib = logging.Logger(logger.name)  # not registered: no parent, no effect on the hierarchy
    stdlib.setLevel(logging.DEBUG)
    stdlib.addHandler(capture)
    return Twins(logger, stdlib, capture)


@pytest.fixture
def restore_record_factory() -> Iterator[None]:
    factory = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)


@pytest.fixture
def restore_disable() -> Iterator[None]:
    level = logging.root.manager.disable
    yield
    logging.disable(level)


def assert_same_call_fields(ours: logging.LogRecord, stdlib: logging.LogRecord) -> None:
    assert {field: getattr(ours, field) for field in CALL_FIELDS} == {
        field: getattr(stdlib, field) for field in CALL_FIELDS
    }
    assert ours.getMessage() == stdlib.getMessage()


# -- get_logger --------------------------------------------------------------------------------------------------


def test_get_logger_creates_a_vigil_logger_that_is_a_stdlib_logger() -> None:
    name = unique_name()
    made = vigil.get_logger(name)
    assert type(made) is VigilLogger
    assert isinstance(made, logging.Logger)
    assert logging.getLogger(name) is made


def test_get_logger_returns_an_existing_stdlib_logger_as_it_is() -> None:
    name = unique_name()
    existing = logging.getLogger(name)
    assert vigil.get_logger(name) is existing
    assert type(existing) is logging.Logger


def test_get_logger_takes_the_place_of_a_placeholder_in_the_hierarchy() -> None:
    parent_name = unique_name()
    child = logging.getLogger(f"{parent_name}.child")  # leaves a placeholder for the parent
    parent = vigil.get_logger(parent_name)
    assert type(parent) is VigilLogger
    assert child.parent is parent


def test_get_logger_leaves_the_stdlib_logger_class_alone() -> None:
    vigil.get_logger(unique_name())
    assert type(logging.getLogger(unique_name())) is logging.Logger


@pytest.mark.parametrize("name", [None, "root"])
def test_get_logger_without_a_name_is_the_root_logger(name: str | None) -> None:
    assert vigil.get_logger(name) is logging.getLogger()


# -- records: the same as the stdlib's ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "args", "kwargs"),
    [
        ("debug", ("cart %s has %d items", "c-1", 3), {}),
        ("info", ("cart %s has %d items", "c-1", 3), {}),
        ("warning", ("disk at %d%%", 91), {}),
        ("error", ("payment failed",), {}),
        ("critical", ("database down",), {}),
        ("log", (logging.WARNING, "retrying %s", "job-7"), {}),
        ("log", (25, "a custom level"), {}),
        ("info", ("%(user)s signed in", {"user": "ann"}), {}),
        ("info", ("order %s paid", "o-1"), {"extra": {"order_id": 7}}),
        ("info", ("from a helper",), {"stacklevel": 2}),
        ("error", ("declined",), {"exc_info": ValueError("card declined")}),
        ("info", ("no exception to attach",), {"exc_info": True}),
    ],
)
def test_record_matches_the_stdlib_record_made_at_the_same_call_site(
    twins: Twins, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    ours, stdlib = twins.log(method, *args, **kwargs)
    assert_same_call_fields(ours, stdlib)


def test_record_made_through_a_logger_adapter_matches_the_stdlib_record(twins: Twins) -> None:
    for adapter in (logging.LoggerAdapter(twins.ours, {"tenant": "acme"}), logging.LoggerAdapter(twins.stdlib, {})):
        adapter.warning("via an adapter")
    ours, stdlib = twins.capture.records
    assert_same_call_fields(ours, stdlib)
    assert ours.tenant == "acme"  # type: ignore[attr-defined]


def test_record_has_every_attribute_a_stdlib_record_has(twins: Twins) -> None:
    ours, stdlib = twins.log("info", "hello %s", "world")
    assert set(stdlib.__dict__) <= set(ours.__dict__)
    assert type(ours) is logging.LogRecord


def test_record_location_is_the_callers_line_not_the_loggers(logger: logging.Logger, capture: Capture) -> None:
    line = line_of_next_statement()
    logger.info("here")
    [record] = capture.records
    assert (record.pathname, record.lineno, record.funcName) == (
        __file__,
        line,
        "test_record_location_is_the_callers_line_not_the_loggers",
    )
    assert (record.filename, record.module) == ("test_sdk_logger.py", "test_sdk_logger")


def log_from_helper(logger: logging.Logger) -> None:
    logger.warning("reported for the caller", stacklevel=2)


def test_stacklevel_two_points_at_the_callers_caller(logger: logging.Logger, capture: Capture) -> None:
    line = line_of_next_statement()
    log_from_helper(logger)
    [record] = capture.records
    assert (record.lineno, record.funcName) == (line, "test_stacklevel_two_points_at_the_callers_caller")


def test_timestamps_of_a_record_agree_with_each_other(logger: logging.Logger, capture: Capture) -> None:
    logger.info("now")
    [record] = capture.records
    assert record.msecs == pytest.approx((record.created - int(record.created)) * 1000)
    assert record.relativeCreated == pytest.approx((record.created - logging._startTime) * 1000)  # type: ignore[attr-defined]


@pytest.mark.parametrize("method", ["info", "exception"])
def test_stack_info_keeps_the_callers_location(twins: Twins, method: str) -> None:
    ours, stdlib = twins.log(method, "where am I", stack_info=True)
    assert_same_call_fields(ours, stdlib)


def test_stack_info_holds_the_stack_up_to_the_call(logger: logging.Logger, capture: Capture) -> None:
    logger.info("where am I", stack_info=True)
    [record] = capture.records
    assert record.stack_info.startswith("Stack (most recent call last):\n")
    assert "test_stack_info_holds_the_stack_up_to_the_call" in record.stack_info


def test_stacklevel_beyond_the_stack_stops_at_the_outermost_frame_as_in_the_stdlib(twins: Twins) -> None:
    ours, stdlib = twins.log("info", "too deep", stacklevel=10_000)
    assert_same_call_fields(ours, stdlib)


# -- message arguments -------------------------------------------------------------------------------------------


def test_percent_args_are_kept_on_the_record_and_applied_by_get_message(
    logger: logging.Logger, capture: Capture
) -> None:
    logger.info("user %s bought %d items", "ann", 3)
    [record] = capture.records
    assert (record.msg, record.args) == ("user %s bought %d items", ("ann", 3))
    assert record.getMessage() == "user ann bought 3 items"


def test_single_dict_argument_becomes_the_mapping_for_named_placeholders(
    logger: logging.Logger, capture: Capture
) -> None:
    logger.info("%(user)s bought %(count)d items", {"user": "ann", "count": 3})
    [record] = capture.records
    assert record.args == {"user": "ann", "count": 3}
    assert record.getMessage() == "ann bought 3 items"


def test_single_empty_dict_argument_stays_a_positional_argument(twins: Twins) -> None:
    ours, stdlib = twins.log("info", "state: %s", {})
    assert ours.args == stdlib.args == ({},)
    assert ours.getMessage() == "state: {}"


def test_single_mapping_argument_that_is_not_a_dict_is_unwrapped_as_in_the_stdlib(twins: Twins) -> None:
    ours, stdlib = twins.log("info", "%(user)s signed in", MappingProxyType({"user": "ann"}))
    assert_same_call_fields(ours, stdlib)


# -- extra= ------------------------------------------------------------------------------------------------------


def test_extra_fields_become_record_attributes(logger: logging.Logger, capture: Capture) -> None:
    logger.info("paid", extra={"order_id": "o-1", "amount": 12.5})
    [record] = capture.records
    assert (record.order_id, record.amount) == ("o-1", 12.5)  # type: ignore[attr-defined]


@pytest.mark.parametrize("key", ["lineno", "msg", "levelname", "message", "asctime"])
def test_extra_clashing_with_a_record_attribute_raises_key_error_like_the_stdlib(twins: Twins, key: str) -> None:
    with pytest.raises(KeyError) as stdlib_error:
        twins.stdlib.info("clash", extra={key: 1})
    with pytest.raises(KeyError) as our_error:
        twins.ours.info("clash", extra={key: 1})
    assert our_error.value.args == stdlib_error.value.args == (f"Attempt to overwrite {key!r} in LogRecord",)
    assert twins.capture.records == []


# -- exceptions --------------------------------------------------------------------------------------------------


def test_exc_info_true_attaches_the_exception_being_handled(twins: Twins) -> None:
    try:
        raise ValueError("card declined")
    except ValueError as error:
        ours, stdlib = twins.log("error", "payment failed", exc_info=True)
        assert ours.exc_info == (ValueError, error, error.__traceback__)
    assert_same_call_fields(ours, stdlib)


def test_exc_info_with_an_exception_instance_attaches_that_exception(logger: logging.Logger, capture: Capture) -> None:
    try:
        raise KeyError("sku-1")
    except KeyError as caught:
        error = caught
    logger.warning("lookup failed", exc_info=error)
    [record] = capture.records
    assert record.exc_info == (KeyError, error, error.__traceback__)


def test_exception_logs_at_error_level_with_the_exception_being_handled(twins: Twins) -> None:
    try:
        raise ConnectionError("database unreachable")
    except ConnectionError:
        ours, stdlib = twins.log("exception", "query failed for %s", "orders")
    assert ours.levelno == logging.ERROR
    assert ours.exc_info is not None and isinstance(ours.exc_info[1], ConnectionError)
    assert_same_call_fields(ours, stdlib)


# -- which records are made --------------------------------------------------------------------------------------


def test_set_level_takes_effect_at_once(logger: logging.Logger, capture: Capture) -> None:
    logger.info("before")  # fills the level cache
    logger.setLevel(logging.WARNING)
    logger.info("dropped")
    logger.warning("kept")
    logger.setLevel(logging.DEBUG)
    logger.debug("kept again")
    assert [record.msg for record in capture.records] == ["before", "kept", "kept again"]


def test_parent_level_change_takes_effect_at_once_on_children(capture: Capture) -> None:
    parent = vigil.get_logger(unique_name())
    child = vigil.get_logger(f"{parent.name}.child")
    child.addHandler(capture)
    child.propagate = False
    parent.setLevel(logging.INFO)
    child.debug("dropped")
    child.info("kept")
    parent.setLevel(logging.DEBUG)
    child.debug("kept at debug")
    child.removeHandler(capture)
    assert [record.msg for record in capture.records] == ["kept", "kept at debug"]


@pytest.mark.usefixtures("restore_disable")
def test_logging_disable_takes_effect_at_once(logger: logging.Logger, capture: Capture) -> None:
    logger.info("before")
    logging.disable(logging.INFO)
    logger.info("dropped")
    logger.exception("kept")
    logging.disable(logging.NOTSET)
    logger.info("after")
    assert [record.msg for record in capture.records] == ["before", "kept", "after"]


@pytest.mark.parametrize("method", ["debug", "info", "warning", "error", "exception", "critical"])
def test_disabled_logger_makes_no_records(logger: logging.Logger, capture: Capture, method: str) -> None:
    getattr(logger, method)("before")
    logger.disabled = True
    getattr(logger, method)("dropped")
    logger.log(logging.CRITICAL, "dropped too")
    logger.disabled = False
    assert [record.msg for record in capture.records] == ["before"]


# -- record factories --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("restore_record_factory")
def test_custom_record_factory_makes_the_records(logger: logging.Logger, capture: Capture) -> None:
    stdlib_factory = logging.getLogRecordFactory()

    def tenant_records(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = stdlib_factory(*args, **kwargs)
        record.tenant = "acme"  # type: ignore[attr-defined]
        return record

    logging.setLogRecordFactory(tenant_records)
    logger.info("hello %s", "world", extra={"order_id": 3})
    [record] = capture.records
    assert (record.tenant, record.order_id, record.getMessage()) == ("acme", 3, "hello world")  # type: ignore[attr-defined]


@pytest.mark.usefixtures("restore_record_factory")
def test_custom_record_factory_keeps_the_callers_location(twins: Twins) -> None:
    stdlib_factory = logging.getLogRecordFactory()
    logging.setLogRecordFactory(lambda *args, **kwargs: stdlib_factory(*args, **kwargs))
    ours, stdlib = twins.log("info", "made by the factory")
    assert_same_call_fields(ours, stdlib)


# -- third-party records, propagation, filters -------------------------------------------------------------------


def test_third_party_records_go_through_the_same_pipeline() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter(standard_pipeline(environment="test", redactor=Redactor())))
    root = logging.getLogger()
    root.addHandler(handler)
    third_party = logging.getLogger(f"thirdparty.{next(_names)}")
    third_party.setLevel(logging.INFO)
    try:
        with request_context(request_id="r-42"):
            third_party.info("calling with Bearer abc.def-123", extra={"password": "hunter2", "retries": 2})
    finally:
        root.removeHandler(handler)
    event = json.loads(stream.getvalue())
    assert type(third_party) is logging.Logger
    assert event["logger"] == third_party.name
    assert event["function"] == "test_third_party_records_go_through_the_same_pipeline"
    assert (event["request_id"], event["retries"]) == ("r-42", 2)
    assert (event["message"], event["password"]) == (f"calling with {MASK}", MASK)


def test_records_propagate_to_the_parents_handlers(capture: Capture) -> None:
    parent = vigil.get_logger(unique_name())
    parent.addHandler(capture)
    parent.propagate = False
    child = vigil.get_logger(f"{parent.name}.child")
    child.setLevel(logging.INFO)
    child.info("up the tree")
    child.propagate = False
    child.info("stays here")
    parent.removeHandler(capture)
    assert [(record.name, record.msg) for record in capture.records] == [(child.name, "up the tree")]


def test_logger_filter_drops_the_records_it_rejects(logger: logging.Logger, capture: Capture) -> None:
    logger.addFilter(lambda record: "health" not in record.getMessage())
    logger.info("GET /health")
    logger.info("GET /orders")
    assert [record.getMessage() for record in capture.records] == ["GET /orders"]


def test_logger_filter_does_not_apply_to_records_propagated_from_children(capture: Capture) -> None:
    parent = vigil.get_logger(unique_name())
    parent.addHandler(capture)
    parent.propagate = False
    parent.addFilter(logging.Filter("nobody"))
    child = vigil.get_logger(f"{parent.name}.child")
    child.setLevel(logging.INFO)
    child.info("from the child")
    parent.info("from the parent")
    parent.removeHandler(capture)
    assert [record.msg for record in capture.records] == ["from the child"]


def test_handler_filter_and_level_apply_per_handler(logger: logging.Logger, capture: Capture) -> None:
    errors_only = Capture()
    errors_only.setLevel(logging.ERROR)
    named = Capture()
    named.addFilter(logging.Filter(logger.name))
    logger.addHandler(errors_only)
    logger.addHandler(named)
    logger.warning("one")
    logger.error("two")
    logger.removeHandler(errors_only)
    logger.removeHandler(named)
    assert [record.msg for record in errors_only.records] == ["two"]
    assert [record.msg for record in named.records] == [record.msg for record in capture.records] == ["one", "two"]


def test_records_reach_the_root_handlers_of_a_stdlib_setup(capture: Capture) -> None:
    root = logging.getLogger()
    root.addHandler(capture)
    child = vigil.get_logger(unique_name())
    child.setLevel(logging.INFO)
    try:
        child.info("to the root")
    finally:
        root.removeHandler(capture)
    assert [(record.name, record.msg) for record in capture.records] == [(child.name, "to the root")]
