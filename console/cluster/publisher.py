"""On the core leader: every live-feed message to the feed relay, for the console processes to serve.

Alert transitions are relayed in seq order, each batch naming the transition it follows, and the relay saves
the last one relayed with them. A leader that takes over, or a publish that failed, first relays from the alert
store whatever came after that position, so a console never misses a transition the store has, even one the
dead leader stored but never relayed. Every other message (readings and device events, dispatch, case,
broadcast and call events) may be dropped when the queue is full (the database is slow) or its write failed:
each is counted by feed on /metrics, and a `gap` message naming the feed takes its place, so a console closes
that feed's sockets that must not skip anything (they reconnect to a fresh opening, as a slow browser does) and
tells the others how many they lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Callable
from functools import partial

from console.cluster.wire import ALERT, ALERT_ENTRIES, ALERT_UPDATE, ALERTS, BUS_FEEDS, GAP, LIVE, AlertEntries, BusFeed
from console.screen.feed import event_message, readings_message
from hub.alerts.model import AlertEvent
from hub.alerts.store import FeedEntry
from hub.cluster import FeedRelay, Relayed
from hub.context import HubContext
from hub.models import DeviceEvent, IngestBatch
from hub.tasks import TaskSet

log = logging.getLogger(__name__)
QUEUE_LIMIT = 5000
CATCH_UP = 1000  # transitions read from the store at a time
RETRY_S = 1.0
Queued = Relayed | FeedEntry


class FeedPublisher:
    """Subscribes to the leader's bus; one task publishes what it gathered, in order. Loop only."""

    name = "feed-publisher"

    def __init__(self, ctx: HubContext, relay: FeedRelay) -> None:
        self._ctx = ctx
        self._relay = relay
        self._queue: deque[Queued] = deque()
        self._wake = asyncio.Event()
        self._behind = True  # the store may hold transitions not yet relayed: read them first
        self._seq = 0  # the last transition relayed
        self.dropped: Counter[str] = Counter()  # by feed
        self._gapped: set[str] = set()  # feeds whose gap message is queued already
        self._tasks = TaskSet()
        self._unsubscribe: list[Callable[[], None]] = []

    async def start(self) -> None:
        saved = await self._relay.cursor(ALERTS)
        self._seq = saved if saved is not None else (await asyncio.to_thread(self._ctx.alerts.store.last_ids))[1]
        bus = self._ctx.bus
        self._unsubscribe = [bus.subscribe(AlertEvent, self._on_alert), bus.subscribe(IngestBatch, self._on_batch),
                             bus.subscribe(DeviceEvent, self._on_event),
                             *(bus.subscribe(feed.event, partial(self._on_bus, feed)) for feed in BUS_FEEDS)]
        self._wake.set()
        self._tasks.spawn(self._run(), name="gridhub-feed-publisher")

    async def stop(self) -> None:
        while self._unsubscribe:
            self._unsubscribe.pop()()
        await self._tasks.cancel()
        await self._relay.close()

    def _on_alert(self, event: AlertEvent) -> None:
        if event.transition is None:
            self._put(Relayed(ALERT_UPDATE, ALERT.dump_json(event.alert).decode()))
        else:
            self._put(FeedEntry(event.transition, event.alert))

    def _on_batch(self, batch: IngestBatch) -> None:
        if batch.readings:
            self._put(Relayed(LIVE, readings_message(batch).model_dump_json()))

    def _on_event(self, event: DeviceEvent) -> None:
        self._put(Relayed(LIVE, event_message(event).model_dump_json()))

    def _on_bus(self, feed: BusFeed, event: object) -> None:
        self._put(Relayed(feed.feed, feed.dump(event)))

    def _put(self, item: Queued) -> None:
        if len(self._queue) >= QUEUE_LIMIT:
            if isinstance(item, Relayed):
                self._drop(item.feed)
            else:
                self._behind = True  # the store has it: it is read from there once the relay catches up
            return
        self._queue.append(item)
        self._wake.set()

    def _drop(self, feed: str, count: int = 1) -> None:
        """Count *count* messages of *feed* lost, and queue the feed's gap message once until the next publish."""
        self.dropped[feed] += count
        self._ctx.metrics.feed_dropped.labels(feed).inc(count)
        if feed != ALERT_UPDATE:  # a lost repeat is made good by the next one
            self._gap(feed)
        total = sum(self.dropped.values())
        if total <= count or total // 1000 != (total - count) // 1000:
            log.warning("feed relay: messages dropped (the queue was full or the write failed): %s",
                        dict(self.dropped))

    def _gap(self, feed: str) -> None:
        if feed not in self._gapped:
            self._gapped.add(feed)
            self._queue.append(Relayed(GAP, feed))  # over the limit by one per feed at most
            self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._flush()
            except Exception as exc:  # the relay's engine is an adapter's: whatever it raises, try again
                log.warning("feed relay: publishing failed (%s); trying again", exc)
                self._behind = True
                self._wake.set()
                await asyncio.sleep(RETRY_S)

    async def _flush(self) -> None:
        taken = list(self._queue)
        self._queue.clear()
        self._gapped.clear()
        try:
            await self._publish(taken)
        except Exception:
            self._lost(taken)
            raise

    async def _publish(self, taken: list[Queued]) -> None:
        messages: list[Relayed] = []
        seq = self._seq
        if self._behind:
            missed = await asyncio.to_thread(self._ctx.alerts.store.feed, seq, CATCH_UP)
            self._behind = len(missed) == CATCH_UP
            if self._behind:
                self._wake.set()
            seq = self._entries(messages, seq, missed)
        for item in taken:
            if isinstance(item, FeedEntry):
                seq = self._entries(messages, seq, [item])
            else:
                messages.append(item)
        await self._relay.publish(messages, {ALERTS: seq} if seq != self._seq else {})
        self._seq = seq

    def _lost(self, taken: list[Queued]) -> None:
        """What a failed publish took: its transitions are read again from the store; the rest is counted and gapped."""
        relayed = [m for m in taken if isinstance(m, Relayed)]
        for feed, count in Counter(m.feed for m in relayed if m.feed != GAP).items():
            self._drop(feed, count)
        for gap in (m for m in relayed if m.feed == GAP):
            self._gap(gap.body)

    @staticmethod
    def _entries(messages: list[Relayed], after: int, entries: list[FeedEntry]) -> int:
        """Append the entries of *entries* after *after* as one alert message; the last seq relayed."""
        new = [e for e in entries if e.transition.seq > after]
        if not new:
            return after
        messages.append(Relayed(ALERTS, ALERT_ENTRIES.dump_json(AlertEntries(after, new)).decode()))
        return new[-1].transition.seq
