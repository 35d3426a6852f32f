"""``create_cloudwatch_logger``: the seed's one-call setup."""

from __future__ import annotations

import logging
from typing import Any

from vigil.sdk.logger import get_logger
from vigil.sdk.shipping.config import CloudWatchConfig
from vigil.sdk.shipping.handler import CloudWatchHandler


def create_cloudwatch_logger(
    name: str,
    log_group: str,
    region: str | None = None,
    *,
    level: int | str = logging.INFO,
    log_stream: str | None = None,
    **options: Any,
) -> logging.Logger:
    """A logger called ``name`` shipping to ``log_group``; ``options`` are ``CloudWatchConfig``'s.

    The logger's level is ``level``; its handler is reachable as ``logger.cloudwatch_handler``.
    """
    logger = get_logger(name)
    handler = CloudWatchHandler(CloudWatchConfig(log_group=log_group, log_stream=log_stream, region=region, **options))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.cloudwatch_handler = handler  # type: ignore[attr-defined]
    return logger
