"""SQL for SNS's outbox (deliveries still to make) and dead letters (deliveries that finally failed).

Publish inserts its rows through the single writer before it answers, so an acknowledged message survives a
crash; the delivery worker reads the rows that are due, with what it needs of their subscription and topic, and
records every outcome of a round in one transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from vigil.store.database import Database
from vigil.store.writer import Writer


@dataclass(frozen=True)
class OutboxRow:
    subscription_arn: str
    topic_arn: str
    protocol: str
    endpoint: str
    kind: str
    message_id: str
    message: str
    subject: str | None
    attributes: str  # JSON
    timestamp: str
    token: str | None
    due_at: int

    def with_subscription(self, arn: str) -> OutboxRow:
        return dataclasses.replace(self, subscription_arn=arn)


@dataclass(frozen=True)
class PendingDelivery:
    """A due outbox row, with its subscription's and topic's attributes (None when they are gone)."""

    id: int
    row: OutboxRow
    attempt: int
    subscription_attributes: dict[str, str] | None
    topic_attributes: dict[str, str] | None


@dataclass(frozen=True)
class Outcome:
    """What became of one attempt: ``delivered``, ``dropped`` (its subscription is gone), ``retry`` at
    ``due_at``, or ``dead`` after ``attempt`` attempts."""

    id: int
    status: str
    attempt: int = 0
    due_at: int = 0
    error: str | None = None


@dataclass(frozen=True)
class DeadLetter:
    id: int
    subscription_arn: str
    topic_arn: str
    protocol: str
    endpoint: str
    kind: str
    message_id: str
    message: str
    subject: str | None
    attributes: dict[str, Any]
    timestamp: str
    attempts: int
    last_error: str | None
    failed_at: int


_FIELDS = [f.name for f in dataclasses.fields(OutboxRow)]
_SCHEMA = pa.schema([(name, pa.int64() if name == "due_at" else pa.string()) for name in _FIELDS])


def insert_rows(cur: duckdb.DuckDBPyConnection, rows: Sequence[OutboxRow], *, confirmed_only: bool = False) -> None:
    """Queue ``rows`` (first attempt due at their ``due_at``); with ``confirmed_only``, only those whose
    subscription is still there and confirmed (a publish racing an Unsubscribe)."""
    if not rows:
        return
    table = pa.Table.from_pydict({name: [getattr(r, name) for r in rows] for name in _FIELDS}, schema=_SCHEMA)
    cur.register("incoming_outbox", table)
    try:
        live = (
            " WHERE subscription_arn IN (SELECT arn FROM sns_subscriptions WHERE confirmed)" if confirmed_only else ""
        )
        cur.execute(
            "INSERT INTO sns_outbox SELECT nextval('sns_outbox_seq'), subscription_arn, topic_arn, protocol, endpoint, "
            "kind, message_id, message, subject, attributes, timestamp, token, 1, due_at, NULL, due_at "
            f"FROM incoming_outbox{live}"
        )
    finally:
        cur.unregister("incoming_outbox")


def _skipping(skip: Sequence[int], column: str) -> str:
    return f" AND NOT list_contains(?::BIGINT[], {column})" if skip else ""


class OutboxStore:
    def __init__(self, database: Database, writer: Writer) -> None:
        self._db = database
        self._writer = writer

    def enqueue(self, rows: Sequence[OutboxRow]) -> None:
        # Shared: a publish's insert can run again from the start, so publishes queued together share a commit.
        self._writer.run(lambda cur: insert_rows(cur, rows, confirmed_only=True), shared=True)

    def due(self, now: int, protocols: Sequence[str], skip: Sequence[int], limit: int) -> list[PendingDelivery]:
        """Rows due by ``now`` for the given protocols, oldest first, leaving out the ids in ``skip``."""
        if not protocols:
            return []
        rows = (
            self._db.cursor()
            .execute(
                "SELECT o.id, o.subscription_arn, o.topic_arn, o.protocol, o.endpoint, o.kind, o.message_id, "
                "o.message, o.subject, o.attributes, o.timestamp, o.token, o.due_at, o.attempt, "
                "s.attributes, t.attributes FROM sns_outbox o "
                "LEFT JOIN sns_subscriptions s ON s.arn = o.subscription_arn "
                "LEFT JOIN sns_topics t ON t.arn = o.topic_arn "
                f"WHERE o.due_at <= ? AND list_contains(?, o.protocol){_skipping(skip, 'o.id')} "
                "ORDER BY o.due_at, o.id LIMIT ?",
                [now, list(protocols), *([list(skip)] if skip else []), limit],
            )
            .fetchall()
        )
        return [
            PendingDelivery(
                r[0],
                OutboxRow(*r[1:13]),
                r[13],
                orjson.loads(r[14]) if r[14] is not None else None,
                orjson.loads(r[15]) if r[15] is not None else None,
            )
            for r in rows
        ]

    def next_due(self, protocols: Sequence[str], skip: Sequence[int]) -> int | None:
        """When the earliest row not in ``skip`` falls due (epoch ms), or None for an empty outbox."""
        if not protocols:
            return None
        row = (
            self._db.cursor()
            .execute(
                f"SELECT min(due_at) FROM sns_outbox WHERE list_contains(?, protocol){_skipping(skip, 'id')}",
                [list(protocols), *([list(skip)] if skip else [])],
            )
            .fetchone()
        )
        return int(row[0]) if row and row[0] is not None else None

    def record(self, outcomes: Sequence[Outcome], now: int) -> None:
        """Every outcome of a round in one transaction. A row reset or deleted meanwhile is left alone."""

        retries = [(o.attempt, o.due_at, o.error, o.id) for o in outcomes if o.status == "retry"]
        dead = [(o.attempt, o.error, now, o.id) for o in outcomes if o.status == "dead"]
        finished = [o.id for o in outcomes if o.status != "retry"]

        def apply(cur: duckdb.DuckDBPyConnection) -> None:
            # A few statements however many outcomes (a busy round has hundreds).
            if retries:
                cur.executemany("UPDATE sns_outbox SET attempt = ?, due_at = ?, last_error = ? WHERE id = ?", retries)
            if dead:
                cur.executemany(
                    "INSERT INTO sns_dead_letters SELECT id, subscription_arn, topic_arn, "
                    "split_part(topic_arn, ':', 5), split_part(topic_arn, ':', 4), protocol, endpoint, kind, "
                    "message_id, message, subject, attributes, timestamp, ?, ?, ? FROM sns_outbox WHERE id = ?",
                    dead,
                )
            if finished:
                cur.execute("DELETE FROM sns_outbox WHERE list_contains(?, id)", [finished])

        self._writer.run(apply)

    def dead_letters(self, account_id: str, region: str | None, topic_arn: str | None, limit: int) -> list[DeadLetter]:
        where, params = ["account_id = ?"], [account_id]
        if region is not None:
            where.append("region = ?")
            params.append(region)
        if topic_arn is not None:
            where.append("topic_arn = ?")
            params.append(topic_arn)
        rows = (
            self._db.cursor()
            .execute(
                "SELECT id, subscription_arn, topic_arn, protocol, endpoint, kind, message_id, message, subject, "
                f"attributes, timestamp, attempts, last_error, failed_at FROM sns_dead_letters "
                f"WHERE {' AND '.join(where)} ORDER BY failed_at DESC, id DESC LIMIT ?",
                [*params, limit],
            )
            .fetchall()
        )
        return [DeadLetter(*r[:9], orjson.loads(r[9]), *r[10:]) for r in rows]

    def pending_count(self) -> int:
        row = self._db.cursor().execute("SELECT count(*) FROM sns_outbox").fetchone()
        return int(row[0]) if row else 0
