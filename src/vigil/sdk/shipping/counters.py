"""What happened to the records a handler was given: readable at any time, reported at shutdown."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class ShippingCounters:
    sent: int = 0  # stored by the endpoint
    retried: int = 0  # PutLogEvents calls repeated after throttling, a server error or no answer
    spooled: int = 0  # written to the disk spool while the endpoint was unreachable
    replayed: int = 0  # delivered from the spool (also counted in sent)
    dropped: int = 0  # lost: queue full, spool full, or refused by the endpoint (each reported on stderr)
    rejected: int = 0  # accepted in a batch but not stored (rejectedLogEventsInfo)
    split: int = 0  # records over the event size limit, split into several events (or truncated)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
