"""Plain records the store returns; the engine and services read them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LogGroup:
    id: int
    account_id: str
    region: str
    name: str
    creation_time: int
    retention_days: int | None
    kms_key_id: str | None
    log_group_class: str
    deletion_protection: bool
    tags: dict[str, str] = field(default_factory=dict)
    stored_bytes: int = 0


@dataclass(frozen=True)
class LogStream:
    id: int
    group_id: int
    name: str
    creation_time: int
    first_event_time: int | None
    last_event_time: int | None
    last_ingestion_time: int | None
    stored_bytes: int


@dataclass(frozen=True)
class LogEvent:
    stream_name: str
    event_id: int
    timestamp: int
    ingestion_time: int
    message: str
