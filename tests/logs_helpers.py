"""Helpers shared by the CloudWatch Logs conformance tests."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "000000000000"
REGION = "us-east-1"


def error_code(call: Callable[[], object]) -> str:
    """The AWS error code ``call`` fails with."""
    with pytest.raises(ClientError) as caught:
        call()
    return str(caught.value.response["Error"]["Code"])


def now_ms() -> int:
    return int(time.time() * 1000)
