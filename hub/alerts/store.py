"""The alert store interface: alerts, their audit trail and the notification delivery log.

One writer (the alert service's) calls `save`; reads may come from any thread.
SQL implements it (SQLite by default, PostgreSQL at scale) in adapters/.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from hub.alerts.model import Action, Alert, AlertState, Severity, Transition
from hub.alerts.notify import ChainLevel


class StaleWrite(Exception):
    """A row changed in the store since this process read or last wrote it: another process (a new leader) has
    taken over. Writing on would overwrite its work, so the writer stops and the process with it."""


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # not yet delivered; retried, also after a restart
    SENT = "sent"
    FAILED = "failed"  # gave up: refused for good, or out of attempts


@dataclass(frozen=True, slots=True)
class Delivery:
    """One notification to one channel, and how delivering it went."""

    id: str  # a number from the database's delivery counter, as text (random hex before it had one)
    alert_id: int | None  # None for a case's delivery, which has *case_id* instead
    seq: int  # the transition (or case trail entry) it tells of
    action: Action
    level: ChainLevel
    notifier: str
    target: str
    status: DeliveryStatus
    attempts: int
    created_at: float
    updated_at: float
    next_attempt_at: float | None = None
    error: str = ""
    case_id: int | None = None


@dataclass(frozen=True, slots=True)
class AlertQuery:
    states: tuple[AlertState, ...] = ()
    severities: tuple[Severity, ...] = ()
    rule: str | None = None
    device: str | None = None
    grid: str | None = None
    village: str | None = None
    covering: tuple[str, ...] = ()  # with village: also alerts of these sources (basin- or town-wide, covering it)
    since: float | None = None  # raised at or after
    until: float | None = None
    limit: int = 200


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """A transition with the alert as it was right after it: what a resuming console is sent."""

    transition: Transition
    alert: Alert


class AlertStore(Protocol):
    def save(self, alerts: Sequence[Alert], transitions: Sequence[FeedEntry], deliveries: Sequence[Delivery]) -> None:
        """Upsert alerts and deliveries, append transitions, in one transaction; StaleWrite if an alert changed in
        the store since this store last read or wrote it."""

    def unfinished(self) -> list[Alert]:
        """Every alert not closed: what the book holds after a restart."""

    def last_ids(self) -> tuple[int, int]:
        """The highest alert id and transition seq stored so far."""

    def reserve_ids(self, counter: str, count: int) -> list[int]:
        """*count* new numbers of *counter* (alert, alert_seq) that no process was or will be handed."""

    def get(self, alert_id: int) -> Alert | None: ...

    def find(self, query: AlertQuery) -> list[Alert]: ...

    def history(self, alert_id: int) -> list[Transition]: ...

    def feed(self, after_seq: int, limit: int) -> list[FeedEntry]:
        """Transitions after *after_seq*, oldest first."""

    def snapshot(self) -> tuple[int, list[Alert]]:
        """The last transition's seq and the open alerts as of it, read together."""

    def deliveries(self, alert_id: int) -> list[Delivery]: ...

    def pending_deliveries(self) -> list[Delivery]: ...

    def close(self) -> None: ...
