"""The live feeds as they cross processes: which feed, and each one's JSON body."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import TypeAdapter

from hub.alerts.model import Alert
from hub.alerts.store import FeedEntry

ALERTS = "alerts"  # AlertEntries: transitions, in seq order
ALERT_UPDATE = "alert_update"  # an Alert repeated (count, value): no seq
LIVE = "live"  # a LiveMessage of console.screen.feed: readings or a device event


@dataclass(frozen=True, slots=True)
class AlertEntries:
    """Alert transitions that follow, in the store, the transition numbered `after` (0: the first)."""

    after: int
    entries: list[FeedEntry]


ALERT_ENTRIES = TypeAdapter(AlertEntries)
ALERT = TypeAdapter(Alert)
