"""Where a request's resources live: one account, one region."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    account_id: str
    region: str

    def log_group_arn(self, name: str) -> str:
        return f"arn:aws:logs:{self.region}:{self.account_id}:log-group:{name}"

    def log_stream_arn(self, group: str, stream: str) -> str:
        return f"{self.log_group_arn(group)}:log-stream:{stream}"
