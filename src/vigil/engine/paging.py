"""Opaque paging tokens: what a page ended on, and for which listing, so a token cannot be replayed
against another listing."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from vigil.errors import ServiceError


def encode_token(kind: str, position: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([kind, position])).decode().rstrip("=")


def decode_token(token: str | None, kind: str, code: str = "InvalidParameterException") -> Any:
    """The position a token holds, or None for no token; AWS's error for anything else."""
    if token is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        found_kind, position = orjson.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        found_kind, position = None, None
    # Only the very text issued: base64 decoding alone would skip characters it does not know.
    if found_kind != kind or encode_token(kind, position) != token:
        raise ServiceError(code, "The specified nextToken is invalid.")
    return position
