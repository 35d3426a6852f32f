"""``CloudWatchConfig``: every option of the CloudWatch handler, with the seed's names and defaults."""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from vigil.sdk.shipping.limits import MAX_BATCH_EVENTS

OVERSIZE_POLICIES = ("split", "truncate")


def default_stream_name() -> str:
    """``<host>_<YYYYMMDD>_<HHMMSS>`` (UTC): unique per process start, readable in a stream list."""
    return f"{socket.gethostname()}_{time.strftime('%Y%m%d_%H%M%S', time.gmtime())}"


def default_spool_dir() -> Path:
    """Where records wait on disk while the endpoint is unreachable (XDG cache directory by default)."""
    base = os.environ.get("VIGIL_SPOOL_DIR")
    if base:
        return Path(base)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "vigil" / "spool"


@dataclass
class CloudWatchConfig:
    """Options of ``CloudWatchHandler``.

    The endpoint, region and credentials are found as boto3 finds them (``AWS_ENDPOINT_URL_CLOUDWATCH_LOGS``,
    ``AWS_ENDPOINT_URL``, ``AWS_REGION``, the credential chain) unless given here.
    """

    log_group: str
    log_stream: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    create_log_group: bool = True
    create_log_stream: bool = True

    # Batching: a batch goes when it holds batch_size records or flush_interval seconds have passed.
    batch_size: int = 100
    flush_interval: float = 5.0
    max_queue_size: int = 10_000

    # gzip request bodies, only to an endpoint that says it accepts them (a Vigil server; AWS does not).
    compress_logs: bool = True
    # False: no background thread; records are sent from the logging call when a batch fills, and by flush().
    async_upload: bool = True

    max_retries: int = 3
    retry_delay: float = 1.0
    exponential_backoff: bool = True
    # The longest wait between retries, and between probes of an endpoint that is down.
    max_retry_delay: float = 30.0

    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = None
    aws_session_token: str | None = None
    profile_name: str | None = None

    # Spool to disk while the endpoint is unreachable, replayed in order once it answers again.
    spool: bool = True
    spool_dir: Path | str | None = None
    max_spool_bytes: int = 512 * 1024 * 1024

    # At exit (and on close), how long to keep delivering before what is left goes to the spool.
    exit_timeout: float = 5.0
    # An event over the size limit is split into several events (default) or truncated.
    oversize: str = "split"
    connect_timeout: float = 2.0
    read_timeout: float = 10.0

    stream_name: str = field(init=False, default="")

    def __post_init__(self) -> None:
        if not self.log_group:
            raise ValueError("log_group is required")
        if not 1 <= self.batch_size <= MAX_BATCH_EVENTS:
            raise ValueError(f"batch_size must be between 1 and {MAX_BATCH_EVENTS} (PutLogEvents' limit)")
        if self.max_queue_size < 1:
            raise ValueError("max_queue_size must be at least 1")
        if self.flush_interval <= 0:
            raise ValueError("flush_interval must be positive")
        if self.max_retries < 0 or self.retry_delay < 0:
            raise ValueError("max_retries and retry_delay cannot be negative")
        if self.oversize not in OVERSIZE_POLICIES:
            raise ValueError(f"oversize must be one of {OVERSIZE_POLICIES}, not {self.oversize!r}")
        self.stream_name = self.log_stream or default_stream_name()
        if self.spool_dir is not None:
            self.spool_dir = Path(self.spool_dir)

    def retry_delays(self) -> list[float]:
        """The waits before each retry, without jitter: 1, 2, 4, ... (or constant), capped."""
        if self.exponential_backoff:
            return [min(self.retry_delay * 2**attempt, self.max_retry_delay) for attempt in range(self.max_retries)]
        return [min(self.retry_delay, self.max_retry_delay)] * self.max_retries

    def spool_path(self) -> Path:
        return Path(self.spool_dir or default_spool_dir()).expanduser()
