"""``vigil.configure``: every destination from the seed's environment variables, in one call that can be repeated.

``configure`` changes global state (the current pipeline, a logger's handlers and level), so every test goes
through the ``configure`` fixture, which targets a fresh named logger unless told otherwise and puts everything
back afterwards.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sdk_helpers import Capture, wait_for_messages

import vigil
from vigil.sdk import configuration
from vigil.sdk import pipeline as pipeline_module
from vigil.sdk.destinations.console import ConsoleDestination
from vigil.sdk.destinations.files import DailyRotatedFile, SizeRotatedFile
from vigil.sdk.pipeline import current_pipeline
from vigil.sdk.shipping.handler import CloudWatchHandler
from vigil.testing import CREDENTIALS, VigilServer

_names = itertools.count()

Configure = Callable[..., logging.Logger]
ROOT = object()  # ``configure(logger=ROOT)``: the call's own default, the root logger


def seed_environment(log_dir: Path) -> dict[str, str]:
    return {
        "LOG_LEVEL": "DEBUG",
        "LOG_FORMAT": "json",
        "LOG_DIR": str(log_dir),
        "APP_NAME": "shop",
        "FLASK_ENV": "production",
    }


@pytest.fixture
def configure() -> Iterator[Configure]:
    """``vigil.configure`` on a fresh named logger (``logger=ROOT`` for the root) with ``env={}`` unless given.

    Afterwards: the previous pipeline is current again, the handlers the calls installed are removed and closed,
    and the levels of the loggers they touched are back as they were."""
    saved_pipeline = list(pipeline_module._current)
    installed_before = dict(configuration._installed)
    targets: dict[str, tuple[logging.Logger, int]] = {}

    def run(**options: Any) -> logging.Logger:
        if options.get("logger") is ROOT:
            del options["logger"]
            target = logging.getLogger()
        else:
            target = vigil.get_logger(options.setdefault("logger", f"spec.configure.{next(_names)}"))
        targets.setdefault(target.name, (target, target.level))
        options.setdefault("env", {})
        return vigil.configure(**options)

    yield run
    pipeline_module._current[:] = saved_pipeline
    for name, (target, level) in targets.items():
        handlers = configuration._installed.get(name)
        if handlers is not None and handlers is not installed_before.get(name):
            for handler in configuration._installed.pop(name):
                target.removeHandler(handler)
                handler.close()
        target.setLevel(level)


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


# -- from the environment ----------------------------------------------------------------------------------------


def test_seed_environment_gives_a_console_and_the_three_log_files(
    configure: Configure, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    logger = configure(env=seed_environment(tmp_path / "logs"))
    logger.propagate = False

    logger.debug("cache warmed")
    logger.error("payment failed", extra={"order_id": "o-1"})

    assert logger.level == logging.DEBUG
    assert [type(handler) for handler in logger.handlers] == [
        ConsoleDestination,
        SizeRotatedFile,
        DailyRotatedFile,
        SizeRotatedFile,
    ]
    console = json_lines(capsys.readouterr().out)
    assert [(line["message"], line["app"], line["environment"]) for line in console] == [
        ("cache warmed", "shop", "production"),
        ("payment failed", "shop", "production"),
    ]
    logs = tmp_path / "logs"
    assert sorted(path.name for path in logs.iterdir()) == ["shop.log", "shop_error.log", "shop_structured.json"]
    structured = json_lines((logs / "shop_structured.json").read_text(encoding="utf-8"))
    assert [(line["message"], line["app"], line["environment"]) for line in structured] == [
        ("cache warmed", "shop", "production"),
        ("payment failed", "shop", "production"),
    ]
    assert len((logs / "shop.log").read_text(encoding="utf-8").splitlines()) == 2
    [error_line] = (logs / "shop_error.log").read_text(encoding="utf-8").splitlines()
    assert "payment failed" in error_line


def test_configure_returns_the_logger_it_set_up(configure: Configure) -> None:
    name = f"spec.configure.named.{next(_names)}"
    assert configure(logger=name, console=False) is logging.getLogger(name)


def test_configure_on_a_named_logger_leaves_the_root_logger_alone(configure: Configure, tmp_path: Path) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level

    logger = configure(env=seed_environment(tmp_path))

    assert logger is not root and len(logger.handlers) == 4
    assert (root.handlers, root.level) == (handlers, level)


def test_configure_sets_up_the_root_logger_by_default(configure: Configure, capsys: pytest.CaptureFixture[str]) -> None:
    root = configure(logger=ROOT, env={"LOG_LEVEL": "WARNING", "LOG_FORMAT": "json", "APP_NAME": "shop"})
    library = logging.getLogger(f"thirdparty.{next(_names)}")

    library.info("below the root's level")
    library.warning("retrying")

    assert root is logging.getLogger()
    assert root.level == logging.WARNING
    assert [type(handler) for handler in configuration._installed["root"]] == [ConsoleDestination]
    [line] = json_lines(capsys.readouterr().out)
    assert (line["logger"], line["message"], line["app"]) == (library.name, "retrying", "shop")


def test_configure_again_replaces_and_closes_the_first_calls_handlers_but_keeps_the_users(
    configure: Configure, tmp_path: Path
) -> None:
    name = f"spec.configure.twice.{next(_names)}"
    logger = configure(logger=name, env={"LOG_DIR": str(tmp_path), "APP_NAME": "shop"}, console=False)
    first = list(logger.handlers)
    mine = Capture()
    logger.addHandler(mine)

    configure(logger=name, env={"APP_NAME": "shop"}, console=False)
    logger.warning("after the second call")

    assert logger.handlers == [mine]
    assert all(isinstance(handler, logging.FileHandler) and handler.stream is None for handler in first)
    assert (tmp_path / "shop.log").read_text(encoding="utf-8") == ""
    assert [record.msg for record in mine.records] == ["after the second call"]
    logger.removeHandler(mine)


def test_arguments_win_over_the_environment(configure: Configure, capsys: pytest.CaptureFixture[str]) -> None:
    env = {"LOG_LEVEL": "ERROR", "LOG_FORMAT": "console", "APP_NAME": "from-env", "FLASK_ENV": "production"}
    logger = configure(env=env, level="INFO", format="json", app_name="shop", environment="staging")
    logger.propagate = False
    logger.info("hello")
    [line] = json_lines(capsys.readouterr().out)
    assert (line["app"], line["environment"], logger.level) == ("shop", "staging", logging.INFO)


# -- mistakes ----------------------------------------------------------------------------------------------------


def test_invalid_log_level_raises_value_error_naming_it(configure: Configure) -> None:
    with pytest.raises(ValueError, match="'LOUD'"):
        configure(env={"LOG_LEVEL": "LOUD"})


def test_slack_bot_token_without_a_channel_raises(configure: Configure) -> None:
    with pytest.raises(ValueError, match="SLACK_CHANNEL_ID"):
        configure(env={"SLACK_BOT_TOKEN": "xoxb-1234567890-abcdefghij"}, console=False)


def test_configure_that_raises_leaves_the_previous_configuration_in_place(configure: Configure, tmp_path: Path) -> None:
    name = f"spec.configure.failed.{next(_names)}"
    logger = configure(logger=name, env={"LOG_DIR": str(tmp_path), "APP_NAME": "shop"}, console=False)
    handlers, pipeline = list(logger.handlers), current_pipeline()

    with pytest.raises(ValueError):
        configure(logger=name, env={"LOG_LEVEL": "LOUD", "APP_NAME": "other"}, console=False)

    assert (logger.handlers, current_pipeline()) == (handlers, pipeline)


# -- shipping ----------------------------------------------------------------------------------------------------


AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
)


@pytest.fixture
def bare_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A process without AWS settings: no AWS variables, no config or credentials files."""
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    for variable in AWS_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


def test_log_group_in_the_environment_ships_records_to_the_endpoint(
    configure: Configure, vigil: VigilServer, logs_client: Any, tmp_path: Path, bare_aws: pytest.MonkeyPatch
) -> None:
    # The endpoint comes from configure's env; credentials and region are found as boto3 finds them.
    bare_aws.setenv("AWS_ACCESS_KEY_ID", CREDENTIALS["aws_access_key_id"])
    bare_aws.setenv("AWS_SECRET_ACCESS_KEY", CREDENTIALS["aws_secret_access_key"])
    bare_aws.setenv("AWS_DEFAULT_REGION", vigil.region)
    env = {
        "VIGIL_LOG_GROUP": "/sdk/configure",
        "VIGIL_LOG_STREAM": "web-1",
        "VIGIL_ENDPOINT_URL": vigil.endpoint_url,
        "APP_NAME": "shop",
        "FLASK_ENV": "production",
    }
    logger = configure(env=env, console=False, cloudwatch={"spool_dir": tmp_path / "spool", "flush_interval": 0.2})
    [handler] = [handler for handler in logger.handlers if isinstance(handler, CloudWatchHandler)]

    logger.warning("order placed", extra={"order_id": "o-1", "password": "hunter2"})
    assert handler.flush(timeout=30)

    [message] = wait_for_messages(logs_client, 1, group="/sdk/configure", stream="web-1")
    assert {key: message[key] for key in ("message", "order_id", "password", "app", "environment")} == {
        "message": "order placed",
        "order_id": "o-1",
        "password": "[REDACTED]",
        "app": "shop",
        "environment": "production",
    }


def test_aws_settings_in_configures_env_are_the_ones_shipping_uses(
    configure: Configure, vigil: VigilServer, logs_client: Any, tmp_path: Path, bare_aws: pytest.MonkeyPatch
) -> None:
    # The process has no AWS settings at all: credentials, region and endpoint are only in the mapping.
    env = {
        "VIGIL_LOG_GROUP": "/sdk/env-aws",
        "VIGIL_LOG_STREAM": "web-1",
        "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
        "AWS_REGION": vigil.region,
        "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": vigil.endpoint_url,
    }
    logger = configure(env=env, console=False, cloudwatch={"spool_dir": tmp_path / "spool", "flush_interval": 0.2})
    [handler] = [handler for handler in logger.handlers if isinstance(handler, CloudWatchHandler)]

    logger.warning("shipped with the mapping's settings")
    assert handler.flush(timeout=30)

    [message] = wait_for_messages(logs_client, 1, group="/sdk/env-aws", stream="web-1")
    assert message["message"] == "shipped with the mapping's settings"
