"""Masking secrets before a record reaches any destination.

Two rules, both on by default. A field whose *name* holds a secret word as a whole segment (``password``,
``db_password``, ``X-Api-Key``, ``accessToken``; not ``token_count``) is masked whole. A string *value* that
contains something shaped like a credential (an AWS access key id, a bearer token, a JWT, a Slack token, a
private key block, a payment card number that passes the Luhn check) has that part masked, wherever it appears:
message, extra fields, context, nested dicts and lists, exceptions.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MASK = "[REDACTED]"

DEFAULT_SECRET_KEYS: tuple[str, ...] = (
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "authorization",
    "api_key",
    "apikey",
    "cookie",
    "credential",
    "credentials",
    "private_key",
    "access_key",
    "secret_key",
    "signature",
)

# A name that ends in one of these describes a secret without holding it: ``token_count``, ``password_length``.
NON_SECRET_SUFFIXES = frozenset(
    {"count", "counts", "length", "len", "type", "expires", "expiry", "ttl", "limit", "used", "usage", "url", "name"}
)


@dataclass(frozen=True)
class SecretPattern:
    """A credential shape. ``markers`` are literals every match contains, checked first because Python's ``re``
    is slow to scan text a pattern without a literal prefix cannot match; markers see the text with each digit
    turned into ``0``. No markers: the regex always runs."""

    regex: str
    markers: tuple[str, ...] = ()


DEFAULT_VALUE_PATTERNS: tuple[SecretPattern, ...] = (
    SecretPattern(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b", ("AKIA", "ASIA", "ABIA", "ACCA")),  # AWS key id
    SecretPattern(r"\b[Bb][Ee][Aa][Rr][Ee][Rr]\s+[A-Za-z0-9\-._~+/]+=*", ("earer", "EARER")),  # RFC 6750
    SecretPattern(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*", ("eyJ",)),  # JWT
    SecretPattern(r"\bxox[abprs]-[A-Za-z0-9-]{10,}", ("xox",)),  # Slack token
    SecretPattern(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----", ("PRIVATE KEY",)),
    # A payment card number: 15 to 19 digits from a card network's range (2-6), Luhn-checked below. Epoch
    # timestamps (13 digits in ms, 16 in µs, starting with 1) never qualify.
    SecretPattern(r"\b[2-6](?:\d[ -]?){13,17}\d\b", ("0000",)),
)

_MAX_DEPTH = 32
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")

# Fields the logging machinery fills from code, never from data.
_MACHINE_FIELDS = frozenset({"timestamp", "level", "logger", "module", "function", "line", "process_id", "thread_id"})


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _normalise(key: str) -> str:
    """``X-Api-Key``, ``apiKey`` and ``api_key`` all become ``api_key``."""
    return _CAMEL_BOUNDARY.sub("_", key).lower().replace("-", "_").replace(".", "_")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


class Redactor:
    """A processor that masks secret-looking fields and values (see the module docstring)."""

    def __init__(
        self,
        keys: Iterable[str] = DEFAULT_SECRET_KEYS,
        patterns: Iterable[SecretPattern | str] = DEFAULT_VALUE_PATTERNS,
        mask: str = MASK,
    ) -> None:
        self.keys = tuple(_normalise(k) for k in keys)
        self.patterns = tuple(p if isinstance(p, SecretPattern) else SecretPattern(p) for p in patterns)
        self.mask = mask
        self._values = re.compile("|".join(f"(?:{p.regex})" for p in self.patterns)) if self.patterns else None
        unmarked = any(not p.markers for p in self.patterns)
        markers = [re.escape(m.encode()) for p in self.patterns for m in p.markers]
        self._markers = None if unmarked else re.compile(b"|".join(markers))
        self._verdicts: dict[str, bool] = {}
        # Field names already classified, and those of them that are secret.
        self._known: set[str] = set()
        self._secrets: set[str] = set()
        self._texts: dict[str, bool] = {}  # short texts already checked, and whether they may hold a secret

    def secret_key(self, key: str) -> bool:
        verdict = self._verdicts.get(key)
        if verdict is None:
            normal = _normalise(key)
            segments = f"_{normal}_"
            verdict = normal.rsplit("_", 1)[-1] not in NON_SECRET_SUFFIXES and any(
                f"_{secret}_" in segments for secret in self.keys
            )
            if len(self._verdicts) < 10_000:  # bounded: keys come from code, but extra= may be data
                self._verdicts[key] = verdict
        return verdict

    def mask_text(self, text: str) -> str:
        if self._values is None:
            return text
        return self._values.sub(self._replace, text)

    def _replace(self, match: re.Match[str]) -> str:
        found = match.group(0)
        if found[0].isdigit() and not luhn_valid(re.sub(r"[ -]", "", found)):
            return found  # a long number that is not a card number
        return self.mask

    def suspicious(self, text: str) -> bool:
        """Whether ``text`` may hold a secret value: cheap, and never false when it does."""
        if self._values is None:
            return False
        if self._markers is None:
            return self._values.search(text) is not None
        return self._markers.search(text.encode("utf-8", "surrogatepass").translate(_DIGITS_TO_ZERO)) is not None

    def redact(self, value: Any, depth: int = 0) -> Any:
        """``value`` with secret fields and secret-shaped text masked, 32 levels deep (deeper is cut off: a value
        that contains itself must not crash a logging call)."""
        if isinstance(value, str):
            return self.mask_text(value) if self.suspicious(value) else value
        if depth > _MAX_DEPTH and isinstance(value, dict | list | tuple):
            return "<nested too deep>"
        if isinstance(value, dict):
            return {
                k: self.mask if isinstance(k, str) and self.secret_key(k) else self.redact(v, depth + 1)
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.redact(item, depth + 1) for item in value]
        return value

    def _verdict(self, text: str) -> bool:
        """``suspicious(text)``, remembered for short texts: messages and field values repeat far more than they
        vary (templates, statuses, the same user id for a whole request)."""
        verdict = self.suspicious(text)
        if len(text) <= 256:
            if len(self._texts) >= 4096:
                self._texts.clear()
            self._texts[text] = verdict
        return verdict

    def clean(self, fields: Mapping[str, Any], message: str = "") -> tuple[Mapping[str, Any], str]:
        """``fields`` and ``message`` with secrets masked; the very same objects when there is nothing to mask."""
        if not self._known.issuperset(fields):
            for key in fields:
                self._classify(key)
        texts = self._texts
        found = texts.get(message)
        if found is None:
            found = self._verdict(message)
        nested = False
        for value in fields.values():
            if type(value) is str:
                verdict = texts.get(value)
                if verdict is None:
                    verdict = self._verdict(value)
                found = found or verdict
            elif isinstance(value, dict | list | tuple):
                nested = True
        if not found and not nested and self._secrets.isdisjoint(fields):
            return fields, message
        secrets = self._secrets
        cleaned = {key: self.mask if key in secrets else self.redact(value) for key, value in fields.items()}
        return cleaned, self.mask_text(message) if self.suspicious(message) else message

    def __call__(self, record: logging.LogRecord, event: dict[str, Any]) -> dict[str, Any]:
        rest = {key: value for key, value in event.items() if key not in _MACHINE_FIELDS}
        cleaned, _ = self.clean(rest)
        if cleaned is not rest:
            event.update(cleaned)  # same keys: the order is kept
        return event

    def _classify(self, key: Any) -> None:
        if len(self._known) >= 10_000:  # keys come from code, but extra= may be data: stay bounded
            self._known.clear()
            self._secrets.clear()
        self._known.add(key)
        if isinstance(key, str) and self.secret_key(key):
            self._secrets.add(key)
