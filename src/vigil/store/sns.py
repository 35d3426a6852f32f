"""SQL for SNS topics and subscriptions. The outbox is store/sns_outbox.py; the rows a change puts there (a
confirmation request, an unsubscribe confirmation) are written in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import orjson

from vigil.store.database import Database
from vigil.store.sns_outbox import OutboxRow, insert_rows
from vigil.store.writer import Writer

_TOPIC_COLUMNS = "arn, account_id, region, name, attributes, tags, subscriptions_deleted"
_SUBSCRIPTION_COLUMNS = (
    "arn, topic_arn, account_id, protocol, endpoint, attributes, confirmed, authenticated, token, token_expires, seq"
)


@dataclass(frozen=True)
class TopicRecord:
    arn: str
    account_id: str
    region: str
    name: str
    attributes: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    subscriptions_deleted: int = 0
    subscriptions_confirmed: int = 0
    subscriptions_pending: int = 0


@dataclass(frozen=True)
class SubscriptionRecord:
    arn: str
    topic_arn: str
    account_id: str
    protocol: str
    endpoint: str
    attributes: dict[str, str] = field(default_factory=dict)
    confirmed: bool = False
    authenticated: bool = False
    token: str | None = None
    token_expires: int | None = None
    seq: int = 0


def _json(value: dict[str, str]) -> str:
    return orjson.dumps(value).decode()


def _topic(row: Sequence[Any], confirmed: int = 0, pending: int = 0) -> TopicRecord:
    return TopicRecord(
        row[0], row[1], row[2], row[3], orjson.loads(row[4]), orjson.loads(row[5]), int(row[6]), confirmed, pending
    )


def _subscription(row: Sequence[Any]) -> SubscriptionRecord:
    return SubscriptionRecord(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        orjson.loads(row[5]),
        bool(row[6]),
        bool(row[7]),
        row[8],
        row[9],
        row[10],
    )


class SnsStore:
    def __init__(self, database: Database, writer: Writer) -> None:
        self._db = database
        self._writer = writer

    # ---- topics ----------------------------------------------------------------------------------

    def create_topic(self, topic: TopicRecord, now: int) -> TopicRecord | None:
        """Insert ``topic`` unless one with its ARN exists; returns the existing topic, or None when created."""

        def create(cur: duckdb.DuckDBPyConnection) -> TopicRecord | None:
            row = cur.execute(f"SELECT {_TOPIC_COLUMNS} FROM sns_topics WHERE arn = ?", [topic.arn]).fetchone()
            if row:
                return _topic(row)
            cur.execute(
                "INSERT INTO sns_topics VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                [
                    topic.arn,
                    topic.account_id,
                    topic.region,
                    topic.name,
                    _json(topic.attributes),
                    _json(topic.tags),
                    now,
                ],
            )
            return None

        return self._writer.run(create)

    def delete_topic(self, arn: str) -> None:
        """The topic, its subscriptions and the notifications still waiting for them."""

        def delete(cur: duckdb.DuckDBPyConnection) -> None:
            cur.execute("DELETE FROM sns_outbox WHERE topic_arn = ? AND kind = 'Notification'", [arn])
            cur.execute("DELETE FROM sns_subscriptions WHERE topic_arn = ?", [arn])
            cur.execute("DELETE FROM sns_topics WHERE arn = ?", [arn])

        self._writer.run(delete)

    def topic(self, arn: str) -> TopicRecord | None:
        row = (
            self._db.cursor()
            .execute(
                f"SELECT {_TOPIC_COLUMNS}, "
                "(SELECT count(*) FROM sns_subscriptions s WHERE s.topic_arn = t.arn AND s.confirmed), "
                "(SELECT count(*) FROM sns_subscriptions s WHERE s.topic_arn = t.arn AND NOT s.confirmed) "
                "FROM sns_topics t WHERE arn = ?",
                [arn],
            )
            .fetchone()
        )
        return _topic(row, int(row[7]), int(row[8])) if row else None

    def topics(self, account_id: str, region: str, after: str | None, limit: int) -> list[TopicRecord]:
        rows = (
            self._db.cursor()
            .execute(
                f"SELECT {_TOPIC_COLUMNS} FROM sns_topics WHERE account_id = ? AND region = ? AND arn > ? "
                "ORDER BY arn LIMIT ?",
                [account_id, region, after or "", limit],
            )
            .fetchall()
        )
        return [_topic(r) for r in rows]

    def update_topic(
        self, arn: str, *, attributes: dict[str, str] | None = None, tags: dict[str, str] | None = None
    ) -> bool:
        """Replace the topic's attributes and/or tags; False when there is no such topic."""

        def update(cur: duckdb.DuckDBPyConnection) -> bool:
            if not cur.execute("SELECT 1 FROM sns_topics WHERE arn = ?", [arn]).fetchone():
                return False
            if attributes is not None:
                cur.execute("UPDATE sns_topics SET attributes = ? WHERE arn = ?", [_json(attributes), arn])
            if tags is not None:
                cur.execute("UPDATE sns_topics SET tags = ? WHERE arn = ?", [_json(tags), arn])
            return True

        return self._writer.run(update)

    # ---- subscriptions ---------------------------------------------------------------------------

    def subscribe(
        self, subscription: SubscriptionRecord, now: int, outbox: OutboxRow | None
    ) -> tuple[SubscriptionRecord, bool] | None:
        """Add ``subscription`` unless the topic already has one for its protocol and endpoint, then queue
        ``outbox`` (a confirmation request) for whichever it is. Returns (the subscription, whether it is new);
        None when the topic does not exist."""

        def add(cur: duckdb.DuckDBPyConnection) -> tuple[SubscriptionRecord, bool] | None:
            s = subscription
            if not cur.execute("SELECT 1 FROM sns_topics WHERE arn = ?", [s.topic_arn]).fetchone():
                return None
            row = cur.execute(
                f"SELECT {_SUBSCRIPTION_COLUMNS} FROM sns_subscriptions "
                "WHERE topic_arn = ? AND protocol = ? AND endpoint = ?",
                [s.topic_arn, s.protocol, s.endpoint],
            ).fetchone()
            if row:
                existing = _subscription(row)
                if outbox is not None and not existing.confirmed:
                    # A repeated Subscribe of a pending subscription sends a new request with a fresh token.
                    cur.execute(
                        "UPDATE sns_subscriptions SET token = ?, token_expires = ? WHERE arn = ?",
                        [s.token, s.token_expires, existing.arn],
                    )
                    insert_rows(cur, [outbox.with_subscription(existing.arn)])
                return existing, False
            region = s.topic_arn.split(":")[3]
            cur.execute(
                "INSERT INTO sns_subscriptions VALUES (?, nextval('sns_subscription_seq'), ?, ?, ?, ?, ?, ?, ?, "
                "false, ?, ?, ?)",
                [
                    s.arn,
                    s.topic_arn,
                    s.account_id,
                    region,
                    s.protocol,
                    s.endpoint,
                    _json(s.attributes),
                    s.confirmed,
                    s.token,
                    s.token_expires,
                    now,
                ],
            )
            if outbox is not None:
                insert_rows(cur, [outbox])
            return s, True

        return self._writer.run(add)

    def subscription(self, arn: str) -> SubscriptionRecord | None:
        row = (
            self._db.cursor()
            .execute(f"SELECT {_SUBSCRIPTION_COLUMNS} FROM sns_subscriptions WHERE arn = ?", [arn])
            .fetchone()
        )
        return _subscription(row) if row else None

    def subscriptions(
        self, account_id: str, region: str, topic_arn: str | None, after: int, limit: int
    ) -> list[SubscriptionRecord]:
        """In creation order, after the subscription numbered ``after``."""
        where, params = ["account_id = ?", "region = ?", "seq > ?"], [account_id, region, after]
        if topic_arn is not None:
            where.append("topic_arn = ?")
            params.append(topic_arn)
        rows = (
            self._db.cursor()
            .execute(
                f"SELECT {_SUBSCRIPTION_COLUMNS} FROM sns_subscriptions WHERE {' AND '.join(where)} "
                "ORDER BY seq LIMIT ?",
                [*params, limit],
            )
            .fetchall()
        )
        return [_subscription(r) for r in rows]

    def confirmed_subscriptions(self, topic_arn: str) -> list[SubscriptionRecord]:
        rows = (
            self._db.cursor()
            .execute(
                f"SELECT {_SUBSCRIPTION_COLUMNS} FROM sns_subscriptions WHERE topic_arn = ? AND confirmed ORDER BY seq",
                [topic_arn],
            )
            .fetchall()
        )
        return [_subscription(r) for r in rows]

    def confirm(self, topic_arn: str, token: str, now: int, authenticated: bool) -> SubscriptionRecord | None:
        """Confirm the subscription of ``topic_arn`` whose unexpired token is ``token``; None when there is none.
        A subscription confirmed already is returned as it is."""

        def confirm(cur: duckdb.DuckDBPyConnection) -> SubscriptionRecord | None:
            row = cur.execute(
                f"SELECT {_SUBSCRIPTION_COLUMNS} FROM sns_subscriptions WHERE topic_arn = ? AND token = ? "
                "AND (confirmed OR token_expires >= ?)",
                [topic_arn, token, now],
            ).fetchone()
            if not row:
                return None
            found = _subscription(row)
            if found.confirmed:
                return found
            cur.execute(
                "UPDATE sns_subscriptions SET confirmed = true, authenticated = ? WHERE arn = ?",
                [authenticated, found.arn],
            )
            return _subscription(
                cur.execute(
                    f"SELECT {_SUBSCRIPTION_COLUMNS} FROM sns_subscriptions WHERE arn = ?", [found.arn]
                ).fetchone()
                or row
            )

        return self._writer.run(confirm)

    def set_subscription_attributes(self, arn: str, attributes: dict[str, str]) -> bool:
        def update(cur: duckdb.DuckDBPyConnection) -> bool:
            if not cur.execute("SELECT 1 FROM sns_subscriptions WHERE arn = ?", [arn]).fetchone():
                return False
            cur.execute("UPDATE sns_subscriptions SET attributes = ? WHERE arn = ?", [_json(attributes), arn])
            return True

        return self._writer.run(update)

    def unsubscribe(self, arn: str, outbox: OutboxRow | None) -> bool:
        """Delete the subscription (counted in its topic's SubscriptionsDeleted) and queue ``outbox``."""

        def delete(cur: duckdb.DuckDBPyConnection) -> bool:
            row = cur.execute("SELECT topic_arn FROM sns_subscriptions WHERE arn = ?", [arn]).fetchone()
            if not row:
                return False
            cur.execute("DELETE FROM sns_subscriptions WHERE arn = ?", [arn])
            cur.execute(
                "DELETE FROM sns_outbox WHERE subscription_arn = ? AND kind <> 'UnsubscribeConfirmation'", [arn]
            )
            cur.execute(
                "UPDATE sns_topics SET subscriptions_deleted = subscriptions_deleted + 1 WHERE arn = ?", [row[0]]
            )
            if outbox is not None:
                insert_rows(cur, [outbox])
            return True

        return self._writer.run(delete)

    def reset(self) -> None:
        def wipe(cur: duckdb.DuckDBPyConnection) -> None:
            for table in ("sns_outbox", "sns_dead_letters", "sns_subscriptions", "sns_topics"):
                cur.execute(f"DELETE FROM {table}")

        self._writer.run(wipe)
