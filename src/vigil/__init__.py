"""Vigil: self-hosted observability that speaks CloudWatch's wire protocols, and the SDK that logs to it.

The SDK's names are importable from here (``vigil.get_logger``, ``vigil.configure``, ...). They are loaded on
first use, so ``import vigil`` stays cheap and never pulls in the server.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "configure": "vigil.sdk.configuration",
    "get_logger": "vigil.sdk.logger",
    "VigilLogger": "vigil.sdk.logger",
    "request_context": "vigil.sdk.context",
    "bind": "vigil.sdk.context",
    "unbind": "vigil.sdk.context",
    "clear_context": "vigil.sdk.context",
    "get_context": "vigil.sdk.context",
    "Redactor": "vigil.sdk.redaction",
    "JSONFormatter": "vigil.sdk.formatters",
    "ConsoleFormatter": "vigil.sdk.formatters",
    "Pipeline": "vigil.sdk.pipeline",
    "standard_pipeline": "vigil.sdk.pipeline",
    "log_function_call": "vigil.sdk.decorators",
    "handle_errors": "vigil.sdk.decorators",
    "ErrorCapture": "vigil.sdk.capture",
    "ConsoleDestination": "vigil.sdk.destinations.console",
    "SizeRotatedFile": "vigil.sdk.destinations.files",
    "DailyRotatedFile": "vigil.sdk.destinations.files",
    "log_dir_destinations": "vigil.sdk.destinations.files",
    "DatabaseDestination": "vigil.sdk.destinations.database",
    "add_db_handler": "vigil.sdk.destinations.database",
    "SlackDestination": "vigil.sdk.destinations.alerts",
    "WebhookDestination": "vigil.sdk.destinations.alerts",
    "CloudWatchConfig": "vigil.sdk.shipping.config",
    "CloudWatchHandler": "vigil.sdk.shipping.handler",
    "create_cloudwatch_logger": "vigil.sdk.shipping.loggers",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vigil' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
