"""What other parts of the engine need of SNS: publishing to a topic (alarm actions, for one)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from vigil.engine.logs.scope import Scope


class Publisher(Protocol):
    def publish(
        self,
        scope: Scope,
        topic_arn: str,
        message: str,
        *,
        subject: str | None = None,
        attributes: Mapping[str, Mapping[str, str]] | None = None,
    ) -> str:
        """Publish ``message`` to the topic (its deliveries queued durably before this returns); the
        MessageId. Raises ServiceError NotFound when the topic does not exist."""
        ...
