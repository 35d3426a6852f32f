"""Errors armed on purpose, so that clients can be tested against a server that throttles or fails.

``POST /_vigil/faults`` (only where state reset is allowed: ``--ephemeral`` or ``--allow-reset``) arms the next
``count`` calls of one operation to fail with an AWS error of the caller's choosing, before the operation runs.
The SDK's own tests use it to prove that records survive throttling; users can do the same with theirs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from vigil.errors import ServiceError


@dataclass
class ArmedFault:
    code: str
    message: str
    status: int
    remaining: int


class Faults:
    def __init__(self) -> None:
        self._armed: dict[tuple[str, str], ArmedFault] = {}
        self._lock = threading.Lock()

    def arm(self, service: str, operation: str, code: str, message: str, status: int, count: int) -> None:
        with self._lock:
            if count <= 0:
                self._armed.pop((service, operation), None)
            else:
                self._armed[(service, operation)] = ArmedFault(code, message, status, count)

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def take(self, service: str, operation: str) -> ServiceError | None:
        """The error this call must fail with, if one is armed for it (each call uses one up)."""
        if not self._armed:
            return None
        with self._lock:
            fault = self._armed.get((service, operation))
            if fault is None:
                return None
            fault.remaining -= 1
            if fault.remaining <= 0:
                del self._armed[(service, operation)]
            return ServiceError(fault.code, fault.message, status=fault.status, sender=fault.status < 500)
