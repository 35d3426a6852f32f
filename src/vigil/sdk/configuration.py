"""``vigil.configure``: every destination set up in one call, from arguments or from the environment.

An argument left as ``None`` is read from the environment (the seed's variables): LOG_LEVEL, LOG_FORMAT,
LOG_DIR, APP_NAME, the environment name (VIGIL_ENVIRONMENT, APP_ENV, ENVIRONMENT, ENV, FLASK_ENV),
SLACK_WEBHOOK_URL, SLACK_BOT_TOKEN, SLACK_CHANNEL_ID, VIGIL_ALERT_WEBHOOK_URL, VIGIL_DATABASE_URL, and for
shipping VIGIL_LOG_GROUP, VIGIL_LOG_STREAM and VIGIL_ENDPOINT_URL (otherwise the endpoint, region and
credentials resolve as boto3's do, from the process environment: AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, AWS_REGION,
...). Calling it again replaces what the previous call installed; a call that raises changes nothing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from vigil.sdk.destinations.console import ConsoleDestination
from vigil.sdk.logger import get_logger
from vigil.sdk.pipeline import environment_name, set_current_pipeline, standard_pipeline
from vigil.sdk.processors import Processor
from vigil.sdk.redaction import DEFAULT_SECRET_KEYS, DEFAULT_VALUE_PATTERNS, Redactor, SecretPattern

_installed: dict[str, list[logging.Handler]] = {}


def _level(value: int | str) -> int:
    if isinstance(value, int):
        return value
    level = logging.getLevelName(value.strip().upper())
    if not isinstance(level, int):
        raise ValueError(f"Unknown log level {value!r}: use DEBUG, INFO, WARNING, ERROR or CRITICAL.")
    return level


def configure(
    *,
    level: int | str | None = None,
    format: str | None = None,
    app_name: str | None = None,
    environment: str | None = None,
    console: bool = True,
    log_dir: str | Path | None = None,
    database_url: str | None = None,
    slack_webhook_url: str | None = None,
    slack_bot_token: str | None = None,
    slack_channel: str | None = None,
    webhook_url: str | None = None,
    cloudwatch: Any = None,
    redact: bool = True,
    redact_keys: Iterable[str] = (),
    redact_patterns: Iterable[SecretPattern | str] = (),
    processors: Iterable[Processor] = (),
    logger: str | logging.Logger | None = None,
    env: Mapping[str, str] | None = None,
) -> logging.Logger:
    """Set up the pipeline and the destinations on ``logger`` (the root logger by default) and return it.

    ``cloudwatch``: a ``CloudWatchConfig``, a dict of its options, ``True`` (use VIGIL_LOG_GROUP), or ``None``
    (ship only when VIGIL_LOG_GROUP is set). ``redact_keys`` and ``redact_patterns`` add to the defaults.
    """
    aws_from_env = env is not None  # a mapping passed in stands for the process environment, AWS settings too
    env = os.environ if env is None else env
    target = logger if isinstance(logger, logging.Logger) else get_logger(logger)
    # Everything is built and checked before anything changes: a call that fails leaves the last one in place.
    new_level = _level(level if level is not None else env.get("LOG_LEVEL", "INFO"))
    redactor = (
        Redactor(keys=(*DEFAULT_SECRET_KEYS, *redact_keys), patterns=(*DEFAULT_VALUE_PATTERNS, *redact_patterns))
        if redact
        else None
    )
    pipeline = standard_pipeline(
        app_name=app_name or env.get("APP_NAME"),
        environment=environment or environment_name(env),
        redactor=redactor,
        processors=processors,
    )
    handlers: list[logging.Handler] = []
    try:
        if console:
            handlers.append(ConsoleDestination(format=format or env.get("LOG_FORMAT") or "auto"))
        directory = log_dir or env.get("LOG_DIR")
        if directory:
            from vigil.sdk.destinations.files import log_dir_destinations

            app = app_name or env.get("APP_NAME") or "app"
            text = _text_format(format or env.get("LOG_FORMAT"))
            handlers += log_dir_destinations(directory, app, text_format=text)
        handlers += _alert_destinations(env, slack_webhook_url, slack_bot_token, slack_channel, webhook_url)
        database = database_url or env.get("VIGIL_DATABASE_URL")
        if database:
            from vigil.sdk.destinations.database import DatabaseDestination

            handlers.append(DatabaseDestination(database))
        shipping = _cloudwatch_handler(cloudwatch, env, aws_from_env=aws_from_env)
        if shipping is not None:
            handlers.append(shipping)
    except BaseException:
        for handler in handlers:
            handler.close()
        raise

    for handler in _installed.pop(target.name, []):
        target.removeHandler(handler)
        handler.close()
    set_current_pipeline(pipeline)
    target.setLevel(new_level)
    for handler in handlers:
        target.addHandler(handler)
    _installed[target.name] = handlers
    return target


def _text_format(spec: str | None) -> str | None:
    """A ``LOG_FORMAT`` that is a ``%``-format string also shapes the text log file; a named format does not."""
    return spec if spec and "%(" in spec else None


def _alert_destinations(
    env: Mapping[str, str],
    slack_webhook_url: str | None,
    slack_bot_token: str | None,
    slack_channel: str | None,
    webhook_url: str | None,
) -> list[logging.Handler]:
    webhook = slack_webhook_url or env.get("SLACK_WEBHOOK_URL")
    token = slack_bot_token or env.get("SLACK_BOT_TOKEN")
    channel = slack_channel or env.get("SLACK_CHANNEL_ID")
    generic = webhook_url or env.get("VIGIL_ALERT_WEBHOOK_URL")
    if not (webhook or token or generic):
        return []
    from vigil.sdk.destinations.alerts import SlackDestination, WebhookDestination

    handlers: list[logging.Handler] = []
    if webhook:
        handlers.append(SlackDestination(webhook))
    elif token:
        if not channel:
            raise ValueError("SLACK_BOT_TOKEN needs SLACK_CHANNEL_ID (the channel to post to).")
        handlers.append(SlackDestination(bot_token=token, channel=channel))
    if generic:
        handlers.append(WebhookDestination(generic))
    return handlers


# CloudWatchConfig option -> the variables boto3 reads it from, first found wins.
_AWS_VARIABLES = {
    "aws_access_key_id": ("AWS_ACCESS_KEY_ID",),
    "aws_secret_access_key": ("AWS_SECRET_ACCESS_KEY",),
    "aws_session_token": ("AWS_SESSION_TOKEN",),
    "profile_name": ("AWS_PROFILE",),
    "region": ("AWS_REGION", "AWS_DEFAULT_REGION"),
    "endpoint_url": ("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_ENDPOINT_URL"),
}


def _cloudwatch_handler(cloudwatch: Any, env: Mapping[str, str], *, aws_from_env: bool) -> logging.Handler | None:
    if cloudwatch is False:
        return None
    from vigil.sdk.shipping.config import CloudWatchConfig

    if isinstance(cloudwatch, CloudWatchConfig):
        config = cloudwatch
    else:
        options = dict(cloudwatch) if isinstance(cloudwatch, Mapping) else {}
        group = options.pop("log_group", None) or env.get("VIGIL_LOG_GROUP")
        if group is None:
            if cloudwatch is None:
                return None
            raise ValueError("Shipping needs a log group: pass cloudwatch={'log_group': ...} or set VIGIL_LOG_GROUP.")
        options.setdefault("log_stream", env.get("VIGIL_LOG_STREAM") or None)
        options.setdefault("endpoint_url", env.get("VIGIL_ENDPOINT_URL") or None)
        if aws_from_env:
            # From the process environment boto3 reads these itself; from a mapping it cannot.
            for option, names in _AWS_VARIABLES.items():
                if options.get(option) is None:
                    options[option] = next((env[name] for name in names if env.get(name)), None)
        config = CloudWatchConfig(log_group=group, **options)
    from vigil.sdk.shipping.handler import CloudWatchHandler

    return CloudWatchHandler(config)
