"""The live feeds as they cross processes: which feed, and each one's JSON body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from hub.alerts.model import Alert
from hub.alerts.store import FeedEntry
from hub.broadcast.model import BroadcastUpdate
from hub.calls.model import CallEvent
from hub.cases.model import CaseEvent
from hub.dispatch.model import DispatchEvent

ALERTS = "alerts"  # AlertEntries: transitions, in seq order
ALERT_UPDATE = "alert_update"  # an Alert repeated (count, value): no seq
LIVE = "live"  # a LiveMessage of console.screen.feed: readings or a device event
GAP = "gap"  # the body names a feed whose messages the leader dropped here (its queue was full)


@dataclass(frozen=True, slots=True)
class AlertEntries:
    """Alert transitions that follow, in the store, the transition numbered `after` (0: the first)."""

    after: int
    entries: list[FeedEntry]


ALERT_ENTRIES = TypeAdapter(AlertEntries)
ALERT = TypeAdapter(Alert)


@dataclass(frozen=True, slots=True)
class BusFeed:
    """A feed relayed as the leader's bus events themselves: a console process publishes each on its own bus,
    where the same feed class as the leader's (console.<domain>.feed) turns it into its sockets' messages."""

    feed: str  # its name on the relay
    event: type[Any]
    adapter: TypeAdapter[Any]

    def dump(self, event: object) -> str:
        return self.adapter.dump_json(event).decode()

    def load(self, body: str) -> object:
        loaded: object = self.adapter.validate_json(body)
        return loaded


def _bus_feed(feed: str, event: type[Any]) -> BusFeed:
    return BusFeed(feed, event, TypeAdapter(event))


BUS_FEEDS = (_bus_feed("dispatch", DispatchEvent), _bus_feed("cases", CaseEvent),
             _bus_feed("broadcast", BroadcastUpdate), _bus_feed("calls", CallEvent))
