"""Delivering notifications: every channel retried with backoff, every attempt in the delivery log.

Alerts and case escalations each have a manager of their own, with their own log, over the same channels.

A delivery is stored as pending in the same transaction as the step it tells of
(an outbox: see `plan`), and is retried after a restart until it is sent or
given up, so a notification is not lost to a crash or to a receiver that is down
for a while. Each send carries the delivery's id, which stays the same across
retries and restarts: a receiver drops a copy it has seen, so a crash between a
send and its "sent" being stored does not tell anyone twice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from hub.alerts.notify import DeliveryError, Notification, Notifier
from hub.alerts.store import Delivery, DeliveryStatus
from hub.tasks import TaskSet

log = logging.getLogger(__name__)
Persist = Callable[[Delivery], None]


@dataclass(frozen=True, slots=True)
class Backoff:
    first_s: float = 2.0
    factor: float = 2.0
    max_s: float = 300.0
    attempts: int = 8

    def delay(self, attempt: int) -> float:
        """Wait before attempt number *attempt* + 1 (attempts count from 1)."""
        return min(self.max_s, self.first_s * self.factor ** (attempt - 1))


@dataclass(frozen=True, slots=True)
class Planned:
    """A delivery made for a notification, to be stored with the step it tells of before it is started."""

    delivery: Delivery
    notification: Notification


class DeliveryManager:
    """Sends notifications through the configured channels. Loop only."""

    def __init__(self, notifiers: list[Notifier], persist: Persist, clock: Callable[[], float],
                 backoff: Backoff = Backoff()) -> None:
        self.notifiers = {n.name: n for n in notifiers}
        self.ids: Callable[[], str] = lambda: uuid.uuid4().hex  # the database's numbers once the service starts
        self._persist = persist
        self._clock = clock
        self._backoff = backoff
        self._tasks = TaskSet()
        self.sent = 0
        self.failed = 0

    def plan(self, notification: Notification, seq: int) -> list[Planned]:
        """A pending delivery of *notification* for each channel that carries it, not yet stored nor started.

        The caller stores them in the same transaction as the step they tell of (an outbox), then `launch`es them:
        a crash in between leaves them pending in the store, where the next start resumes them.
        """
        planned = []
        now = self._clock()
        alert, case = notification.alert, notification.case
        for notifier in self.notifiers.values():
            if notifier.accepts(notification):
                delivery = Delivery(self.ids(), alert.id if alert else None, seq, notification.action,
                                    notification.level, notifier.name, notifier.target(notification),
                                    DeliveryStatus.PENDING, 0, now, now, now, case_id=case.id if case else None)
                planned.append(Planned(delivery, notification))
        return planned

    def launch(self, planned: Iterable[Planned]) -> None:
        """Start deliveries that `plan` made and the caller has stored."""
        for p in planned:
            notifier = self.notifiers.get(p.delivery.notifier)
            if notifier is not None:
                self._tasks.spawn(self._deliver(p.delivery, notifier, p.notification))

    def submit(self, notification: Notification, seq: int) -> None:
        """Plan, log as pending and start in one go (for callers without a transaction of their own)."""
        planned = self.plan(notification, seq)
        for p in planned:
            self._persist(p.delivery)
        self.launch(planned)

    def resume(self, delivery: Delivery, notification: Notification) -> None:
        """Carry on with a delivery left pending by the previous run."""
        notifier = self.notifiers.get(delivery.notifier)
        if notifier is None:
            self._persist(replace(delivery, status=DeliveryStatus.FAILED, updated_at=self._clock(),
                                  next_attempt_at=None, error="channel no longer configured"))
            return
        self._persist(delivery)
        self._tasks.spawn(self._deliver(delivery, notifier, notification))

    async def _deliver(self, delivery: Delivery, notifier: Notifier, notification: Notification) -> None:
        # A resumed delivery waits what was left of its backoff; the waits are real seconds.
        wait = min(self._backoff.max_s, max(0.0, (delivery.next_attempt_at or 0.0) - self._clock()))
        notification = replace(notification, delivery_id=delivery.id)  # the receiver's idempotency key
        while True:
            if wait > 0:
                await asyncio.sleep(wait)
            attempt = delivery.attempts + 1
            try:
                await notifier.send(notification)
            except DeliveryError as exc:
                delivery = self._failed_attempt(delivery, attempt, exc.reason, exc.retryable)
            except Exception as exc:  # a channel's bug must not stop the others; logged, retried
                log.exception("notifier %s failed on %s", notifier.name, notification.about)
                delivery = self._failed_attempt(delivery, attempt, f"{type(exc).__name__}: {exc}", True)
            else:
                self.sent += 1
                self._persist(replace(delivery, status=DeliveryStatus.SENT, attempts=attempt,
                                      updated_at=self._clock(), next_attempt_at=None, error=""))
                return
            self._persist(delivery)
            wait = self._backoff.delay(attempt)
            if delivery.status is DeliveryStatus.FAILED:
                self.failed += 1
                log.warning("gave up notifying %s of %s: %s", notifier.name, notification.about, delivery.error)
                return

    def _failed_attempt(self, delivery: Delivery, attempt: int, reason: str, retryable: bool) -> Delivery:
        now = self._clock()
        if retryable and attempt < self._backoff.attempts:
            return replace(delivery, attempts=attempt, updated_at=now, error=reason,
                           next_attempt_at=now + self._backoff.delay(attempt))
        return replace(delivery, status=DeliveryStatus.FAILED, attempts=attempt, updated_at=now,
                       next_attempt_at=None, error=reason)

    async def stop(self) -> None:
        """Stop delivering, leaving the channels open for whoever shares them; pending deliveries resume."""
        await self._tasks.cancel()

    async def aclose(self) -> None:
        await self.stop()
        for notifier in self.notifiers.values():
            try:
                await notifier.aclose()
            except Exception:
                log.exception("closing notifier %s failed", notifier.name)
