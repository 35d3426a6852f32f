"""The SDK's error helpers: ``log_function_call``, ``handle_errors`` and ``ErrorCapture``.

Every assertion is on the JSON a destination receives: records are rendered with ``JSONFormatter`` (the current
pipeline, redaction included) and parsed back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from vigil.sdk.capture import ErrorCapture
from vigil.sdk.context import get_context
from vigil.sdk.decorators import handle_errors, log_function_call
from vigil.sdk.formatters import JSONFormatter
from vigil.sdk.logger import get_logger

Collect = Callable[[str], list[dict[str, Any]]]


class Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.json = JSONFormatter()
        self.events: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.events.append(json.loads(self.json.format(record)))


@pytest.fixture
def collect() -> Iterator[Collect]:
    """``collect(name)``: the events logged from now on to the logger ``name`` (at DEBUG, not propagated)."""
    attached: list[tuple[logging.Logger, Collector, int, bool]] = []

    def attach(name: str) -> list[dict[str, Any]]:
        logger = get_logger(name)
        handler = Collector()
        attached.append((logger, handler, logger.level, logger.propagate))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        return handler.events

    yield attach
    for logger, handler, level, propagate in attached:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


@pytest.fixture
def logger(request: pytest.FixtureRequest) -> logging.Logger:
    return get_logger(f"tests.sdk_error_helpers.{request.node.name}")


@pytest.fixture
def events(collect: Collect, logger: logging.Logger) -> list[dict[str, Any]]:
    return collect(logger.name)


def next_line() -> int:
    """The number of the line after the caller's current one."""
    return sys._getframe(1).f_lineno + 1


class Shown:
    """A value that counts how often it is rendered."""

    def __init__(self) -> None:
        self.reprs = 0

    def __repr__(self) -> str:
        self.reprs += 1
        return "Shown()"


# ---- log_function_call ----------------------------------------------------------------------------------------


def test_call_record_names_the_function_and_shows_its_arguments_as_passed_result_and_duration(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    @log_function_call(level=logging.INFO, logger=logger)
    def important_calculation(x: float, y: float, *, label: str = "ratio") -> float:
        return x / y

    assert important_calculation(6, y=3) == 2

    (event,) = events
    assert event["level"] == "INFO"
    assert event["call"].endswith("<locals>.important_calculation")
    assert event["message"] == f"call {event['call']}"
    assert event["arguments"] == {"x": "6", "y": "3"}  # a default left alone is not shown
    assert event["result"] == "2.0"
    assert isinstance(event["duration_ms"], float)
    assert event["duration_ms"] >= 0


def test_bare_decorator_logs_at_debug_to_the_functions_module_logger(collect: Collect) -> None:
    events = collect(__name__)

    @log_function_call
    def greet(name: str) -> str:
        return f"hello {name}"

    greet("ana")

    (event,) = events
    assert event["level"] == "DEBUG"
    assert event["logger"] == __name__
    assert event["result"] == "'hello ana'"


def test_coroutine_function_is_awaited_and_its_result_logged(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    @log_function_call(logger=logger)
    async def fetch(user_id: int) -> dict[str, int]:
        await asyncio.sleep(0)
        return {"id": user_id}

    assert asyncio.run(fetch(7)) == {"id": 7}

    (event,) = events
    assert event["arguments"] == {"user_id": "7"}
    assert event["result"] == "{'id': 7}"
    assert event["duration_ms"] >= 0


def test_method_call_is_named_by_class_and_leaves_out_self(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    class UserService:
        @log_function_call(logger=logger)
        def rename(self, user_id: int, name: str) -> bool:
            return True

    UserService().rename(5, "bo")

    (event,) = events
    assert event["call"].endswith("UserService.rename")
    assert event["arguments"] == {"user_id": "5", "name": "'bo'"}


def test_parameter_with_a_secret_name_is_masked_whole(logger: logging.Logger, events: list[dict[str, Any]]) -> None:
    @log_function_call(logger=logger)
    def login(user: str, password: str) -> bool:
        return True

    login("ana", "hunter2")

    (event,) = events
    assert event["arguments"] == {"user": "'ana'", "password": "[REDACTED]"}
    assert "hunter2" not in json.dumps(event)


def test_keyword_collected_by_double_star_parameter_is_masked_by_its_own_name(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    @log_function_call(logger=logger)
    def connect(host: str, **options: Any) -> None:
        return None

    connect("db", api_key="k-123", timeout=5)

    (event,) = events
    assert event["arguments"] == {"host": "'db'", "api_key": "[REDACTED]", "timeout": "5"}


def test_secret_shaped_value_in_an_ordinary_argument_is_masked(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    @log_function_call(logger=logger)
    def forward(header: str, payload: dict[str, str]) -> str:
        return header

    forward("Bearer abc.def.ghi", {"user": "ana", "secret": "s3cr3t"})

    (event,) = events
    assert event["arguments"]["header"] == "'[REDACTED]'"
    assert event["arguments"]["payload"] == "{'user': 'ana', 'secret': '[REDACTED]'}"
    assert event["result"] == "'[REDACTED]'"
    assert "abc.def.ghi" not in json.dumps(event)
    assert "s3cr3t" not in json.dumps(event)


def test_long_values_are_cut_to_max_value_length(logger: logging.Logger, events: list[dict[str, Any]]) -> None:
    @log_function_call(logger=logger, max_value_length=10)
    def echo(text: str) -> str:
        return text

    echo("x" * 50)

    (event,) = events
    assert event["arguments"]["text"] == "'xxxxxxxxx..."
    assert event["result"] == "'xxxxxxxxx..."


def test_arguments_and_result_can_be_left_out(logger: logging.Logger, events: list[dict[str, Any]]) -> None:
    @log_function_call(logger=logger, log_args=False, log_result=False)
    def compute(x: int) -> int:
        return x

    compute(1)

    (event,) = events
    assert "arguments" not in event
    assert "result" not in event
    assert event["duration_ms"] >= 0


def test_failed_call_is_logged_at_error_with_the_exception_and_reraised(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    @log_function_call(logger=logger)
    def divide(x: int, y: int) -> float:
        return x / y

    with pytest.raises(ZeroDivisionError):
        divide(1, 0)

    (event,) = events
    assert event["level"] == "ERROR"
    assert event["message"].endswith("divide failed")
    assert event["arguments"] == {"x": "1", "y": "0"}
    assert event["exception"]["type"] == "ZeroDivisionError"
    assert event["duration_ms"] >= 0
    assert "result" not in event


def test_failed_coroutine_call_is_logged_and_reraised(logger: logging.Logger, events: list[dict[str, Any]]) -> None:
    @log_function_call(logger=logger)
    async def load() -> None:
        raise LookupError("no such user")

    with pytest.raises(LookupError):
        asyncio.run(load())

    (event,) = events
    assert event["level"] == "ERROR"
    assert event["exception"]["message"] == "no such user"


def test_disabled_level_logs_nothing_and_never_renders_the_arguments(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    logger.setLevel(logging.INFO)
    argument = Shown()

    @log_function_call(level=logging.DEBUG, logger=logger)
    def handle(value: Shown) -> int:
        return 1

    assert handle(argument) == 1
    assert events == []
    assert argument.reprs == 0


def test_call_record_points_at_the_line_that_called_the_function(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    @log_function_call(logger=logger)
    def work() -> None:
        return None

    line = next_line()
    work()

    (event,) = events
    assert event["module"] == "test_sdk_error_helpers"
    assert event["function"] == "test_call_record_points_at_the_line_that_called_the_function"
    assert event["line"] == line


def test_record_from_a_plain_stdlib_logger_points_at_the_caller_too() -> None:
    plain = logging.Logger("tests.sdk_error_helpers.plain", logging.DEBUG)  # not a VigilLogger
    handler = Collector()
    plain.addHandler(handler)

    @log_function_call(logger=plain)
    def work() -> None:
        return None

    line = next_line()
    work()

    (event,) = handler.events
    assert (event["function"], event["line"]) == (
        "test_record_from_a_plain_stdlib_logger_points_at_the_caller_too",
        line,
    )


def test_arguments_of_a_callable_without_signature_are_shown_by_position(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    largest = log_function_call(logger=logger)(max)

    assert largest(3, 5) == 5

    (event,) = events
    assert event["call"] == "max"
    assert event["arguments"] == {"0": "3", "1": "5"}


def test_call_with_arguments_the_signature_rejects_is_logged_as_given(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    @log_function_call(logger=logger)
    def scale(x: int) -> int:
        return x * 2

    with pytest.raises(TypeError):
        scale(1, factor=3)  # type: ignore[call-arg]

    (event,) = events
    assert event["arguments"] == {"0": "1", "factor": "3"}
    assert event["exception"]["type"] == "TypeError"


def test_coroutine_call_record_points_at_the_awaiting_line(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    @log_function_call(logger=logger)
    async def work() -> None:
        return None

    async def caller() -> int:
        line = next_line()
        await work()
        return line

    line = asyncio.run(caller())

    (event,) = events
    assert (event["function"], event["line"]) == ("caller", line)


# ---- handle_errors --------------------------------------------------------------------------------------------


def test_handled_error_is_logged_and_the_fallback_value_returned(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    @handle_errors(reraise=False, fallback_value=0, logger=logger)
    def safe_division(x: int, y: int) -> float:
        return x / y

    assert safe_division(1, 0) == 0

    (event,) = events
    assert event["level"] == "ERROR"
    assert event["message"].endswith("safe_division failed")
    assert event["call"].endswith("safe_division")
    assert event["exception"]["type"] == "ZeroDivisionError"


def test_call_that_succeeds_returns_its_value_and_logs_nothing(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    @handle_errors(fallback_value=0, logger=logger)
    def safe_division(x: int, y: int) -> float:
        return x / y

    assert safe_division(6, 3) == 2
    assert events == []


def test_bare_handle_errors_returns_none_and_logs_to_the_functions_module_logger(collect: Collect) -> None:
    events = collect(__name__)

    @handle_errors
    def parse(text: str) -> int:
        return int(text)

    assert parse("seven") is None

    (event,) = events
    assert event["logger"] == __name__
    assert event["exception"]["type"] == "ValueError"


def test_fallback_value_is_returned_as_it_is_even_when_callable(logger: logging.Logger) -> None:
    @handle_errors(fallback_value=list, logger=logger)
    def build() -> Any:
        raise RuntimeError("boom")

    assert build() is list


def test_reraise_logs_the_error_then_raises_it(logger: logging.Logger, events: list[dict[str, Any]]) -> None:
    @handle_errors(reraise=True, logger=logger)
    def fail() -> None:
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        fail()

    (event,) = events
    assert event["exception"]["message"] == "bad input"


def test_exception_outside_exceptions_propagates_unlogged(logger: logging.Logger, events: list[dict[str, Any]]) -> None:
    @handle_errors(exceptions=(KeyError,), fallback_value="missing", logger=logger)
    def lookup(key: str) -> str:
        if key == "boom":
            raise RuntimeError("not a lookup problem")
        return {"a": "1"}[key]

    assert lookup("zzz") == "missing"
    with pytest.raises(RuntimeError):
        lookup("boom")

    assert len(events) == 1
    assert events[0]["exception"]["type"] == "KeyError"


def test_keyboard_interrupt_passes_even_when_base_exception_is_handled(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    @handle_errors(exceptions=(BaseException,), logger=logger)
    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert events == []


def test_level_and_message_can_be_chosen(logger: logging.Logger, events: list[dict[str, Any]]) -> None:
    @handle_errors(level=logging.WARNING, message="cache unavailable", logger=logger)
    def read_cache() -> None:
        raise ConnectionError("refused")

    read_cache()

    (event,) = events
    assert (event["level"], event["message"]) == ("WARNING", "cache unavailable")


def test_handled_error_in_a_coroutine_returns_the_fallback(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    @handle_errors(fallback_value=[], logger=logger)
    async def fetch_all() -> list[int]:
        await asyncio.sleep(0)
        raise TimeoutError

    assert asyncio.run(fetch_all()) == []
    (event,) = events
    assert event["exception"]["type"] == "TimeoutError"


def test_coroutine_error_outside_exceptions_propagates(logger: logging.Logger, events: list[dict[str, Any]]) -> None:
    @handle_errors(exceptions=KeyError, logger=logger)
    async def fetch() -> None:
        raise OSError("disk")

    with pytest.raises(OSError):
        asyncio.run(fetch())
    assert events == []


def test_handled_error_record_points_at_the_caller_through_stacked_decorators(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    @handle_errors(logger=logger)
    @log_function_call(logger=logger)
    def fail() -> None:
        raise ValueError

    line = next_line()
    fail()

    assert [event["message"].rsplit(".", 1)[-1] for event in events] == ["fail failed", "fail failed"]
    assert {(event["function"], event["line"]) for event in events} == {
        ("test_handled_error_record_points_at_the_caller_through_stacked_decorators", line)
    }


# ---- ErrorCapture ---------------------------------------------------------------------------------------------


def test_error_in_block_is_logged_with_component_and_context_and_suppressed(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    with ErrorCapture(component="user_service", user_id="12345", reraise=False, logger=logger):
        raise ConnectionError("Connection refused")

    (event,) = events
    assert event["level"] == "ERROR"
    assert event["message"] == "user_service failed"
    assert event["component"] == "user_service"
    assert event["user_id"] == "12345"
    assert event["exception"] == {
        "type": "ConnectionError",
        "message": "Connection refused",
        "traceback": [
            {
                "file": __file__,
                "line": event["exception"]["traceback"][0]["line"],
                "function": "test_error_in_block_is_logged_with_component_and_context_and_suppressed",
                "code": 'raise ConnectionError("Connection refused")',
            }
        ],
    }


def test_captured_exception_is_exposed_after_the_block(logger: logging.Logger) -> None:
    with ErrorCapture(logger=logger) as capture:
        raise ValueError("bad row")

    assert capture.failed
    assert isinstance(capture.exception, ValueError)
    assert str(capture.exception) == "bad row"


def test_block_without_error_logs_nothing_and_reports_no_failure(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    with ErrorCapture("billing", logger=logger) as capture:
        pass

    assert not capture.failed
    assert capture.exception is None
    assert events == []


def test_records_logged_inside_the_block_carry_its_fields_and_later_ones_do_not(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    with ErrorCapture(component="user_service", user_id=7, logger=logger):
        logger.info("loading user")
        raise KeyError("user")
    logger.info("after")

    inside, failure, after = events
    assert (inside["component"], inside["user_id"]) == ("user_service", 7)
    assert (failure["component"], failure["user_id"]) == ("user_service", 7)
    assert "component" not in after
    assert "user_id" not in after
    assert get_context() == {}


def test_reraise_logs_keeps_and_raises_the_exception(logger: logging.Logger, events: list[dict[str, Any]]) -> None:
    capture = ErrorCapture("payments", reraise=True, logger=logger)
    with pytest.raises(ValueError), capture:
        raise ValueError("declined")

    assert isinstance(capture.exception, ValueError)
    assert events[0]["exception"]["message"] == "declined"
    assert get_context() == {}


def test_capture_exception_outside_exceptions_propagates_unlogged_and_unkept(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    capture = ErrorCapture(exceptions=(KeyError,), logger=logger)
    with pytest.raises(OSError), capture:
        raise OSError("disk full")

    assert capture.exception is None
    assert events == []
    assert get_context() == {}


def test_system_exit_is_never_swallowed(logger: logging.Logger, events: list[dict[str, Any]]) -> None:
    capture = ErrorCapture(exceptions=(BaseException,), logger=logger)
    with pytest.raises(SystemExit), capture:
        raise SystemExit(2)

    assert capture.exception is None
    assert events == []


def test_level_and_message_of_the_capture_record_can_be_chosen(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    with ErrorCapture(level=logging.WARNING, message="optional step skipped", logger=logger):
        raise RuntimeError

    (event,) = events
    assert (event["level"], event["message"]) == ("WARNING", "optional step skipped")


def test_async_with_captures_and_binds_context_in_the_task(
    logger: logging.Logger, events: list[dict[str, Any]]
) -> None:
    async def user_operation(user_id: int) -> ErrorCapture:
        async with ErrorCapture(component="user_service", user_id=user_id, logger=logger) as capture:
            await asyncio.sleep(0)
            logger.info("working")
            raise TimeoutError
        logger.info("done")
        return capture

    capture = asyncio.run(user_operation(3))

    assert isinstance(capture.exception, TimeoutError)
    working, failure, done = events
    assert working["user_id"] == failure["user_id"] == 3
    assert failure["exception"]["type"] == "TimeoutError"
    assert "user_id" not in done


def test_capture_serves_blocks_one_after_another(logger: logging.Logger, events: list[dict[str, Any]]) -> None:
    capture = ErrorCapture("import", logger=logger)
    outcomes = []
    for row in ["1", "x", "3"]:
        with capture:
            int(row)
        outcomes.append(capture.failed)

    assert outcomes == [False, True, False]
    assert len(events) == 1


def test_capture_cannot_be_entered_while_inside_a_block(logger: logging.Logger) -> None:
    capture = ErrorCapture(logger=logger)
    with capture, pytest.raises(RuntimeError, match="already inside"), capture:
        pass


def test_capture_logs_to_the_logger_of_the_module_that_creates_it(collect: Collect) -> None:
    events = collect(__name__)

    with ErrorCapture("reports"):
        raise ValueError

    assert events[0]["logger"] == __name__


def test_capture_record_points_at_the_with_statement(logger: logging.Logger, events: list[dict[str, Any]]) -> None:
    line = next_line()
    with ErrorCapture(logger=logger):
        raise ValueError

    (event,) = events
    assert event["function"] == "test_capture_record_points_at_the_with_statement"
    assert event["line"] == line
