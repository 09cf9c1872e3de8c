"""In a console process: the leader's live feeds, followed through the relay and served to this process's sockets.

The sockets are the leader's own routes (console.alerts.feed, console.screen.feed, and the dispatch, case,
broadcast and call feeds) with the same scope rules, messages and resume protocol; only where their messages
come from differs. A page resuming from a sequence number is served from a ring of the newest transitions; one
that is further behind, from the shared alert store, as the leader would; one further still gets a snapshot,
read from the store in one transaction. The dispatch, case, broadcast and call events arrive as the leader's bus
events, and are published on this process's bus, where the leader's own feed classes hear them
(console.cluster.wire.BUS_FEEDS); their openings are asked of the leader (console.cluster.openings).

What this process may have missed (its connection to PostgreSQL was lost, it fell behind the relay's rows, or
the leader dropped messages of a feed: a `gap`) closes the sockets of the feeds that must not skip (4008: they
reconnect and resume or re-open) and tells the others' pages how many messages they lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from console.alerts.feed import QUEUE_LIMIT, replay, resumed, snapshot
from console.cluster.wire import ALERT, ALERT_ENTRIES, ALERT_UPDATE, ALERTS, BUS_FEEDS, GAP, LIVE, AlertEntries
from console.fanout import FanOut, Policy
from console.screen.feed import LIVE_MESSAGE, LiveMessage, live_fanout
from hub.alerts.model import AlertEvent
from hub.alerts.store import FeedEntry
from hub.bus import Bus
from hub.cluster import FeedGap, FeedRelay, Relayed
from hub.context import HubContext
from hub.tasks import TaskSet
from hub.users.model import Principal

log = logging.getLogger(__name__)
_BUS_FEEDS = {feed.feed: feed for feed in BUS_FEEDS}
RING_LIMIT = 2000
RETRY_S = 1.0
SERVICE_RESTART = 1012


class AlertRing:
    """The newest relayed transitions: every one after `floor` (None: none yet), oldest first."""

    def __init__(self, limit: int = RING_LIMIT) -> None:
        self.entries: deque[FeedEntry] = deque()
        self.floor: int | None = None
        self._limit = limit

    @property
    def last(self) -> int | None:
        return self.entries[-1].transition.seq if self.entries else self.floor

    def add(self, batch: AlertEntries) -> list[FeedEntry]:
        """Keep *batch*; the entries new to the ring (a batch that does not follow its last starts it again)."""
        if self.last is None or batch.after > self.last:
            self.entries.clear()
            self.floor = batch.after
        last = self.last or 0
        new = [e for e in batch.entries if e.transition.seq > last]
        self.entries.extend(new)
        while len(self.entries) > self._limit:
            self.floor = self.entries.popleft().transition.seq
        return new

    def after(self, since: int) -> list[FeedEntry] | None:
        """The transitions after *since*, or None if the ring no longer (or not yet) reaches back to it."""
        if self.floor is None or since < self.floor:
            return None
        return [e for e in self.entries if e.transition.seq > since]

    def clear(self) -> None:
        self.entries.clear()
        self.floor = None


class RelayedAlertFeed:
    """The alert feed of a console process (an AlertSource): live from the relay, opened from the ring or store."""

    def __init__(self, ctx: HubContext) -> None:
        self.ctx = ctx
        self.fanout: FanOut[AlertEvent] = FanOut("alert feed", QUEUE_LIMIT, Policy.close)
        self.ring = AlertRing()

    async def opening(self, since: int | None, principal: Principal) -> tuple[list[BaseModel], int]:
        if since is not None:
            kept = self.ring.after(since)
            if kept is not None:
                return resumed(self.ctx, principal, since, kept), max(since, self.ring.last or since)
            if (replayed := await replay(self.ctx, since, principal)) is not None:
                return replayed
        seq, open_alerts = await asyncio.to_thread(self.ctx.alerts.store.snapshot)
        return snapshot(self.ctx, principal, seq, open_alerts, since is not None)

    def on_entries(self, batch: AlertEntries) -> None:
        for entry in self.ring.add(batch):
            self.fanout.publish(AlertEvent(entry.alert, entry.transition))

    def on_gap(self) -> None:
        """What the relay held is lost to this process: its sockets reconnect and resume from the store."""
        self.ring.clear()
        missed(self.fanout)


def missed(fanout: FanOut[Any]) -> None:
    """Messages of *fanout*'s feed did not reach this process: each subscriber is closed (Policy.close: it reconnects
    and re-opens or resumes) or counts one more dropped (Policy.drop_oldest: its page is told with the next)."""
    for subscription in tuple(fanout.subscriptions):
        if fanout.policy is Policy.close:
            subscription.overflowed.set()
        else:
            subscription.dropped += 1
            fanout.dropped += 1


class RelayedLive:
    """The readings and device events of a console process: `app.state.live` for console.screen.feed."""

    def __init__(self) -> None:
        self.fanout: FanOut[LiveMessage] = live_fanout()


class RelayListener:
    """Follows the relay and hands each message to its feed; reconnects after a drop. Loop only."""

    name = "feed-listener"

    def __init__(self, relay: FeedRelay, alerts: RelayedAlertFeed, live: RelayedLive, bus: Bus,
                 fanouts: Mapping[str, FanOut[Any]]) -> None:
        self._relay = relay
        self.alerts = alerts
        self.live = live
        self._bus = bus  # where the BUS_FEEDS events go, for this process's feeds of them
        self._fanouts = {LIVE: live.fanout, **fanouts}  # each relayed feed's fan-out, by name: for its gaps
        self.bad = 0  # messages that did not parse: counted and logged, the rest still served
        self._tasks = TaskSet()

    async def start(self) -> None:
        self._tasks.spawn(self._follow(), name="gridhub-feed-listener")

    async def stop(self) -> None:
        await self._tasks.cancel()
        await self._relay.close()

    async def _follow(self) -> None:
        while True:
            try:
                async for batch in self._relay.follow():
                    for message in batch:
                        self._hand(message)
            except FeedGap as exc:
                log.warning("console: %s; sockets resume from the store", exc)
                self._lost()
            except Exception as exc:  # the relay's engine is an adapter's: whatever it raises, follow again
                log.warning("console: following the leader's feeds failed (%s); trying again", exc)
                self._lost()  # notifications may have been missed meanwhile
                await asyncio.sleep(RETRY_S)

    def _lost(self) -> None:
        self.alerts.on_gap()
        for fanout in self._fanouts.values():
            missed(fanout)

    def _hand(self, message: Relayed) -> None:
        try:
            if message.feed == ALERTS:
                self.alerts.on_entries(ALERT_ENTRIES.validate_json(message.body))
            elif message.feed == ALERT_UPDATE:
                self.alerts.fanout.publish(AlertEvent(ALERT.validate_json(message.body)))
            elif message.feed == LIVE:
                self.live.fanout.publish(LIVE_MESSAGE.validate_json(message.body))
            elif message.feed in _BUS_FEEDS:
                self._bus.async_publish(_BUS_FEEDS[message.feed].load(message.body))
            elif message.feed == GAP and message.body in self._fanouts:
                log.warning("console: the leader dropped %s messages; that feed's sockets are told", message.body)
                missed(self._fanouts[message.body])
        except (ValueError, TypeError) as exc:  # ValidationError, or a model's own check: this message only
            self.bad += 1
            if message.feed in self._fanouts:  # its sockets must not go on as if nothing was lost
                missed(self._fanouts[message.feed])
            why = exc.errors()[:1] if isinstance(exc, ValidationError) else exc
            log.warning("console: relayed %s message %d does not parse (%d so far): %s", message.feed, message.id,
                        self.bad, why)
