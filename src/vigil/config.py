"""Server settings. Each is a ``vigil serve`` flag and a ``VIGIL_<NAME>`` environment variable."""

from __future__ import annotations

import configparser
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

DEFAULT_PORT = 4588


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("vigil"))


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: Path = field(default_factory=default_data_dir)
    ephemeral: bool = False
    demo: bool = False
    account_id: str = "000000000000"
    region: str = "us-east-1"  # for requests whose signature names none
    access_keys: dict[str, str] = field(default_factory=dict)  # access key id -> secret; empty: no checks
    allow_reset: bool = False
    memory_limit: str = "1GB"
    retention_interval: float = 60.0
    metric_rollup_interval: float = 60.0
    alarm_tick: float = 60.0
    max_body_bytes: int = 8 * 1024 * 1024
    max_event_bytes: int = 1_048_550
    max_concurrent_queries: int = 4
    query_timeout: float = 900.0
    smtp_host: str = "localhost"  # email and email-json deliveries
    smtp_port: int | None = None  # None: 25; 587 with starttls; 465 with tls
    smtp_security: str = "none"  # none | starttls | tls
    smtp_username: str = ""  # empty: no AUTH
    smtp_password: str = ""
    smtp_from: str = "Vigil Notifications <no-reply@localhost>"
    pagerduty_events_url: str = "https://events.pagerduty.com/v2/enqueue"
    public_url: str = ""  # where receivers reach this server (SNS's links); empty: http://host:port
    sns_retry_delay_scale: float = 1.0

    @property
    def reset_enabled(self) -> bool:
        return self.ephemeral or self.allow_reset


def parse_access_keys(text: str) -> dict[str, str]:
    """``AKID:SECRET,AKID2:SECRET2`` as given in ``--access-keys`` / ``VIGIL_ACCESS_KEYS``."""
    keys = {}
    for pair in text.split(","):
        pair = pair.strip()
        if not pair:
            continue
        key_id, sep, secret = pair.partition(":")
        if not sep or not key_id or not secret:
            raise ValueError(f"expected ACCESS_KEY_ID:SECRET, got {pair!r}")
        keys[key_id] = secret
    return keys


def read_access_keys_file(path: Path) -> dict[str, str]:
    """Keys from a file in the AWS shared-credentials format (``[name]`` sections with
    ``aws_access_key_id`` and ``aws_secret_access_key``)."""
    parser = configparser.ConfigParser()
    parser.read(path)
    keys = {}
    for section in parser.sections():
        key_id = parser.get(section, "aws_access_key_id", fallback=None)
        secret = parser.get(section, "aws_secret_access_key", fallback=None)
        if key_id and secret:
            keys[key_id] = secret
    return keys
