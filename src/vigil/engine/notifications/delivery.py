"""The delivery worker: takes due outbox rows, hands each to the channel of its protocol on a pool of threads,
and records what became of it: delivered (the row goes), retry (the row is due again after the delay the
effective delivery policy gives, times ``delay_scale``), or dead (a dead-letter record, after the last attempt or
a failure that retrying cannot mend). Outcomes of a round are recorded in one transaction.

A crash between an attempt and its record means that attempt is made again after the restart: delivery is at
least once, as SNS's is. Rows of a protocol no channel is registered for wait in the outbox.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import orjson

from vigil.engine.clock import now_ms
from vigil.engine.notifications import delivery_policy
from vigil.engine.notifications.channels.base import Channel, Delivery, DeliveryFailed
from vigil.store.sns_outbox import OutboxStore, Outcome, PendingDelivery

log = logging.getLogger("vigil.sns.delivery")

MAX_IDLE_WAIT_S = 1.0


class DeliveryWorker:
    def __init__(
        self, outbox: OutboxStore, channels: Mapping[str, Channel], *, delay_scale: float = 1.0, threads: int = 16
    ) -> None:
        self._outbox = outbox
        self._channels = dict(channels)
        self._protocols = sorted(self._channels)
        self._delay_scale = delay_scale
        self._capacity = threads
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="vigil-sns-delivery")
        self._finished: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
        self._in_flight: set[int] = set()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="vigil-sns-outbox", daemon=True)

    @property
    def protocols(self) -> list[str]:
        return list(self._protocols)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """New rows are due now (a publish, a subscription)."""
        self._wake.set()

    def stop(self) -> None:
        """Stop taking rows; attempts under way finish unrecorded and are made again after a restart."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._round()
            except Exception:
                log.exception("SNS delivery round failed")
                self._stopping.wait(MAX_IDLE_WAIT_S)

    def _round(self) -> None:
        self._wake.clear()
        self._record_finished()
        free = self._capacity - len(self._in_flight)
        if free > 0:
            for pending in self._outbox.due(now_ms(), self._protocols, sorted(self._in_flight), free):
                self._in_flight.add(pending.id)
                self._pool.submit(self._attempt, pending)
        if len(self._in_flight) >= self._capacity:
            self._wake.wait(MAX_IDLE_WAIT_S)  # a finishing attempt wakes the loop
            return
        next_due = self._outbox.next_due(self._protocols, sorted(self._in_flight))
        wait = MAX_IDLE_WAIT_S if next_due is None else min(MAX_IDLE_WAIT_S, (next_due - now_ms()) / 1000)
        if wait > 0:
            self._wake.wait(wait)

    def _record_finished(self) -> None:
        outcomes: list[Outcome] = []
        while True:
            try:
                outcomes.append(self._finished.get_nowait())
            except queue.Empty:
                break
        if outcomes:
            self._outbox.record(outcomes, now_ms())
            self._in_flight.difference_update(o.id for o in outcomes)

    def _attempt(self, pending: PendingDelivery) -> None:
        try:
            outcome = self._deliver(pending)
        except Exception as error:  # a channel's bug must not lose the row: retry as for any failure
            log.exception("SNS channel %s failed on message %s", pending.row.protocol, pending.row.message_id)
            outcome = self._failed(pending, f"{type(error).__name__}: {error}", retryable=True)
        self._finished.put(outcome)
        self._wake.set()

    def _deliver(self, pending: PendingDelivery) -> Outcome:
        row = pending.row
        subscription = pending.subscription_attributes
        if subscription is None and row.kind != "UnsubscribeConfirmation":
            log.info("SNS dropped message %s: subscription %s is gone", row.message_id, row.subscription_arn)
            return Outcome(pending.id, "dropped")
        topic = pending.topic_attributes or {}
        policy = delivery_policy.effective(
            row.protocol, topic.get("DeliveryPolicy"), (subscription or {}).get("DeliveryPolicy")
        )
        delivery = Delivery(
            kind=row.kind,  # type: ignore[arg-type]
            protocol=row.protocol,
            endpoint=row.endpoint,
            topic_arn=row.topic_arn,
            subscription_arn=row.subscription_arn if row.kind == "Notification" else "PendingConfirmation",
            message_id=row.message_id,
            message=row.message,
            timestamp=row.timestamp,
            subject=row.subject,
            attributes=_attributes(row.attributes),
            raw=(subscription or {}).get("RawMessageDelivery") == "true",
            token=row.token,
            attempt=pending.attempt,
            signature_version=topic.get("SignatureVersion", "1"),
            content_type=policy.content_type,
        )
        try:
            self._channels[row.protocol].send(delivery)
        except DeliveryFailed as failure:
            return self._failed(pending, failure.reason, retryable=failure.retryable, policy=policy)
        log.info(
            "SNS delivered %s %s to %s %s (attempt %d)",
            row.kind, row.message_id, row.protocol, row.subscription_arn, pending.attempt,
        )  # fmt: skip
        return Outcome(pending.id, "delivered")

    def _failed(
        self,
        pending: PendingDelivery,
        reason: str,
        *,
        retryable: bool,
        policy: delivery_policy.EffectivePolicy | None = None,
    ) -> Outcome:
        row = pending.row
        if policy is None:
            topic, subscription = pending.topic_attributes or {}, pending.subscription_attributes or {}
            policy = delivery_policy.effective(
                row.protocol, topic.get("DeliveryPolicy"), subscription.get("DeliveryPolicy")
            )
        delay = policy.retry.delay_before_retry(pending.attempt) if retryable else None
        if delay is None:
            log.error(
                "SNS gave up on %s %s to %s %s after %d attempt(s): %s; recorded as a dead letter",
                row.kind, row.message_id, row.protocol, row.subscription_arn, pending.attempt, reason,
            )  # fmt: skip
            return Outcome(pending.id, "dead", pending.attempt, error=reason)
        due_at = now_ms() + round(delay * 1000 * self._delay_scale)
        log.warning(
            "SNS delivery of %s %s to %s %s failed (attempt %d): %s; retrying in %.3f s",
            row.kind, row.message_id, row.protocol, row.subscription_arn, pending.attempt, reason,
            delay * self._delay_scale,
        )  # fmt: skip
        return Outcome(pending.id, "retry", pending.attempt + 1, due_at, reason)


def _attributes(text: str) -> dict[str, dict[str, str]]:
    value = orjson.loads(text)
    return value if isinstance(value, dict) else {}
