"""The file destinations: rotation by size and by day, the LOG_DIR layout, and what ends up on disk."""

from __future__ import annotations

import itertools
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import vigil
from vigil.sdk.context import request_context
from vigil.sdk.destinations.files import DailyRotatedFile, SizeRotatedFile, log_dir_destinations
from vigil.sdk.pipeline import current_pipeline, set_current_pipeline, standard_pipeline
from vigil.sdk.redaction import MASK, Redactor

_names = itertools.count()

LoggerFactory = Callable[..., logging.Logger]


@pytest.fixture(autouse=True)
def pipeline() -> Iterator[None]:
    previous = current_pipeline()
    set_current_pipeline(standard_pipeline(app_name="shop", environment="test", redactor=Redactor()))
    yield
    set_current_pipeline(previous)


@pytest.fixture
def logger_with() -> Iterator[LoggerFactory]:
    """A fresh logger writing only to the given handlers; the handlers are closed afterwards."""
    made: list[tuple[logging.Logger, list[logging.Handler]]] = []

    def make(*handlers: logging.Handler) -> logging.Logger:
        logger = vigil.get_logger(f"vigil.tests.files.{next(_names)}")
        logger.propagate = False
        logger.setLevel(logging.DEBUG)
        for handler in handlers:
            logger.addHandler(handler)
        made.append((logger, list(handlers)))
        return logger

    yield make
    for logger, handlers in made:
        for handler in handlers:
            logger.removeHandler(handler)
            handler.close()


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def json_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in lines(path)]


# Size rotation


def test_size_rotation_shifts_backups_and_keeps_backup_count(tmp_path: Path, logger_with: LoggerFactory) -> None:
    path = tmp_path / "app.log"
    # Each line is 10 bytes ("record 07\n"): two fit under 30 bytes, the third starts a new file.
    logger = logger_with(SizeRotatedFile(path, max_bytes=30, backup_count=2, format="%(message)s"))
    for number in range(10):
        logger.info("record %02d", number)

    assert lines(path) == ["record 08", "record 09"]
    assert lines(tmp_path / "app.log.1") == ["record 06", "record 07"]
    assert lines(tmp_path / "app.log.2") == ["record 04", "record 05"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.log", "app.log.1", "app.log.2"]


def test_size_rotated_file_creates_missing_directories(tmp_path: Path, logger_with: LoggerFactory) -> None:
    path = tmp_path / "var" / "log" / "shop" / "app.log"
    logger_with(SizeRotatedFile(path)).info("started")

    assert [event["message"] for event in json_lines(path)] == ["started"]


def test_auto_format_in_a_file_is_json(tmp_path: Path, logger_with: LoggerFactory) -> None:
    path = tmp_path / "app.log"
    logger_with(SizeRotatedFile(path, format="auto")).warning("disk low", extra={"free_mb": 12})

    (event,) = json_lines(path)
    assert (event["level"], event["message"], event["free_mb"]) == ("WARNING", "disk low", 12)


def test_handler_level_filters_records(tmp_path: Path, logger_with: LoggerFactory) -> None:
    path = tmp_path / "app.log"
    logger = logger_with(SizeRotatedFile(path, level="WARNING"))
    logger.info("ignored")
    logger.warning("kept")

    assert [event["message"] for event in json_lines(path)] == ["kept"]


# Daily rotation


def day_of(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(timestamp))


def test_daily_rotation_renames_the_file_for_the_day_it_holds(tmp_path: Path, logger_with: LoggerFactory) -> None:
    path = tmp_path / "errors.log"
    handler = DailyRotatedFile(path, format="%(message)s")
    logger = logger_with(handler)
    logger.error("yesterday")
    # Midnight has passed: the handler's own rollover runs on the next record.
    midnight = int(time.time()) - 60
    handler.rolloverAt = midnight
    logger.error("today")

    assert lines(tmp_path / f"errors.log.{day_of(midnight - 86400)}") == ["yesterday"]
    assert lines(path) == ["today"]
    assert handler.rolloverAt > time.time()


def test_daily_rotation_keeps_backup_count_days(tmp_path: Path, logger_with: LoggerFactory) -> None:
    path = tmp_path / "errors.log"
    handler = DailyRotatedFile(path, backup_count=2, format="%(message)s")
    logger = logger_with(handler)
    now = int(time.time())
    for days_ago in (4, 3, 2, 1):
        logger.error("%d days ago", days_ago)
        handler.rolloverAt = now - (days_ago - 1) * 86400
    logger.error("today")

    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == sorted(["errors.log", f"errors.log.{day_of(now - 2 * 86400)}", f"errors.log.{day_of(now - 86400)}"])
    assert lines(tmp_path / f"errors.log.{day_of(now - 86400)}") == ["1 days ago"]


def test_daily_rotated_file_writes_json_by_default(tmp_path: Path, logger_with: LoggerFactory) -> None:
    path = tmp_path / "nested" / "errors.log"
    logger_with(DailyRotatedFile(path)).error("payment failed", extra={"order_id": 7})

    (event,) = json_lines(path)
    assert (event["message"], event["order_id"]) == ("payment failed", 7)


# The LOG_DIR layout


def test_log_dir_layout_creates_the_three_files(tmp_path: Path) -> None:
    log_dir = tmp_path / "logs"
    handlers = log_dir_destinations(log_dir, "shop")
    try:
        assert sorted(p.name for p in log_dir.iterdir()) == ["shop.log", "shop_error.log", "shop_structured.json"]
        every, errors, structured = handlers
        assert isinstance(every, SizeRotatedFile) and every.maxBytes == 10 * 1024 * 1024
        assert isinstance(errors, DailyRotatedFile) and errors.when == "MIDNIGHT"
        assert isinstance(structured, SizeRotatedFile) and structured.maxBytes == 20 * 1024 * 1024
    finally:
        for handler in handlers:
            handler.close()


def test_log_dir_handlers_take_the_level_of_their_role(tmp_path: Path) -> None:
    handlers = log_dir_destinations(tmp_path, level=logging.WARNING)
    try:
        assert [handler.level for handler in handlers] == [logging.WARNING, logging.ERROR, logging.WARNING]
    finally:
        for handler in handlers:
            handler.close()


def test_error_file_gets_only_error_and_critical(tmp_path: Path, logger_with: LoggerFactory) -> None:
    logger = logger_with(*log_dir_destinations(tmp_path, "shop"))
    logger.debug("d")
    logger.info("i")
    logger.warning("w")
    logger.error("e")
    logger.critical("c")

    errors = lines(tmp_path / "shop_error.log")
    assert [line.split()[1] for line in errors] == ["ERROR", "CRITICAL"]
    assert len(lines(tmp_path / "shop.log")) == 5
    assert [event["level"] for event in json_lines(tmp_path / "shop_structured.json")] == [
        "DEBUG",
        "INFO",
        "WARNING",
        "ERROR",
        "CRITICAL",
    ]


def test_structured_file_has_the_pipeline_fields(tmp_path: Path, logger_with: LoggerFactory) -> None:
    logger = logger_with(*log_dir_destinations(tmp_path, "shop"))
    with request_context(request_id="req-42", user_id="u-1"):
        logger.info("order placed", extra={"order_id": 9, "items": ["a", "b"]})

    (event,) = json_lines(tmp_path / "shop_structured.json")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", str(event["timestamp"]))
    assert event["level"] == "INFO"
    assert event["logger"] == logger.name
    assert event["message"] == "order placed"
    assert (event["order_id"], event["items"]) == (9, ["a", "b"])
    assert (event["request_id"], event["user_id"]) == ("req-42", "u-1")
    assert (event["app"], event["environment"]) == ("shop", "test")


def test_text_file_has_one_readable_line_with_fields(tmp_path: Path, logger_with: LoggerFactory) -> None:
    logger = logger_with(*log_dir_destinations(tmp_path, "shop"))
    with request_context(request_id="req-42"):
        logger.info("order placed", extra={"order_id": 9})

    (line,) = lines(tmp_path / "shop.log")
    assert re.fullmatch(rf"\d\d:\d\d:\d\d\.\d{{3}} INFO +{re.escape(logger.name)}  order placed  .*", line)
    assert "request_id=req-42" in line and "order_id=9" in line
    assert "\x1b[" not in line


def test_text_format_gives_the_seed_line_layout(tmp_path: Path, logger_with: LoggerFactory) -> None:
    seed_format = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
    logger = logger_with(*log_dir_destinations(tmp_path, "shop", text_format=seed_format))
    logger.error("card declined")

    pattern = rf"\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d,\d{{3}} - {re.escape(logger.name)} - ERROR - card declined"
    assert re.fullmatch(pattern, lines(tmp_path / "shop.log")[0])
    assert re.fullmatch(pattern, lines(tmp_path / "shop_error.log")[0])


def test_exception_is_one_json_line_and_a_traceback_in_the_text_file(
    tmp_path: Path, logger_with: LoggerFactory
) -> None:
    logger = logger_with(*log_dir_destinations(tmp_path, "shop"))
    try:
        raise ValueError("bad quantity\nsecond line")
    except ValueError:
        logger.exception("order failed")

    (event,) = json_lines(tmp_path / "shop_structured.json")
    exception = event["exception"]
    assert isinstance(exception, dict)
    assert (exception["type"], exception["message"]) == ("ValueError", "bad quantity\nsecond line")
    text = lines(tmp_path / "shop_error.log")
    assert "order failed" in text[0]
    assert "Traceback (most recent call last):" in text[1:]


def test_secrets_are_masked_in_all_three_files(tmp_path: Path, logger_with: LoggerFactory) -> None:
    logger = logger_with(*log_dir_destinations(tmp_path, "shop"))
    bearer = "Bearer abcDEF123456789xyz"
    with request_context(api_key="ak-secret-value"):
        logger.error("calling upstream with %s", bearer, extra={"password": "hunter2", "user": "ann"})

    for name in ("shop.log", "shop_error.log", "shop_structured.json"):
        written = (tmp_path / name).read_text(encoding="utf-8")
        assert "hunter2" not in written
        assert "ak-secret-value" not in written
        assert "abcDEF123456789xyz" not in written
        assert MASK in written and "ann" in written
    (event,) = json_lines(tmp_path / "shop_structured.json")
    assert (event["password"], event["api_key"]) == (MASK, MASK)


def test_non_ascii_text_round_trips_as_utf8(tmp_path: Path, logger_with: LoggerFactory) -> None:
    logger = logger_with(*log_dir_destinations(tmp_path, "shop"))
    text = "Grüße aus Zürich — 東京 🚀"
    logger.error(text, extra={"city": "Zürich"})

    (event,) = json_lines(tmp_path / "shop_structured.json")
    assert (event["message"], event["city"]) == (text, "Zürich")
    for name in ("shop.log", "shop_error.log", "shop_structured.json"):
        assert text in (tmp_path / name).read_bytes().decode("utf-8")


def test_concurrent_writers_produce_only_complete_lines(tmp_path: Path, logger_with: LoggerFactory) -> None:
    path = tmp_path / "app.json"
    # Small files, so that rollovers happen while the threads write.
    logger = logger_with(SizeRotatedFile(path, max_bytes=50_000, backup_count=1000))
    threads_count, per_thread = 4, 400
    start = threading.Barrier(threads_count)

    def write(writer: int) -> None:
        start.wait()
        for number in range(per_thread):
            logger.info("line", extra={"writer": writer, "number": number, "padding": "x" * 100})

    threads = [threading.Thread(target=write, args=(writer,)) for writer in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    files = sorted(tmp_path.iterdir())
    assert len(files) > 2
    seen = [(event["writer"], event["number"]) for file in files for event in json_lines(file)]
    assert sorted(seen) == [(writer, number) for writer in range(threads_count) for number in range(per_thread)]
