"""A console process's listener: the leader's dispatch events arrive whole on its bus, and a feed's gap closes or
tells that feed's subscribers only (pure logic: the relay is a list of batches)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

from console.cluster.feeds import RelayedLive, RelayListener
from console.cluster.wire import BUS_FEEDS, GAP
from console.fanout import FanOut, Policy
from hub.broadcast.model import BroadcastUpdate, Summary
from hub.bus import Bus
from hub.calls.book import CallBook
from hub.cluster import Relayed
from hub.dispatch.book import DispatchBook
from hub.dispatch.config import DispatchConfig
from hub.dispatch.model import DispatchEvent
from tests.alert_support import FakeClock
from tests.support import ManualClock, sample_town
from tests.unit.test_broadcast_engine import T0, engine, job, plays

DISPATCH = next(f for f in BUS_FEEDS if f.event is DispatchEvent)


class ListRelay:
    """Gives its batches, then waits as a quiet relay does."""

    def __init__(self, *batches: list[Relayed]) -> None:
        self._batches = batches

    async def follow(self) -> AsyncIterator[list[Relayed]]:
        for batch in self._batches:
            yield batch
        await asyncio.Event().wait()

    async def close(self) -> None:
        pass


async def listened(relay: ListRelay, fanouts: dict[str, FanOut[Any]], bus: Bus,
                   live: RelayedLive | None = None) -> list[str]:
    """Run a listener over *relay*; the alert feed's gaps it reported."""
    gaps: list[str] = []
    alerts: Any = SimpleNamespace(on_gap=lambda: gaps.append("alerts"))
    live = live or RelayedLive()
    listener = RelayListener(relay, alerts, live, bus, fanouts)  # type: ignore[arg-type]
    await listener.start()
    await asyncio.sleep(0.05)
    await listener.stop()
    return gaps


async def test_a_relayed_dispatch_event_reaches_the_bus_as_the_leader_published_it() -> None:
    book = DispatchBook(sample_town().town, DispatchConfig(), FakeClock())
    events = book.assign(7, ["T01", "T02"], "巡查河堤", "值班员")
    heard: list[DispatchEvent] = []
    bus = Bus()
    bus.subscribe(DispatchEvent, heard.append)
    await listened(ListRelay([Relayed(DISPATCH.feed, DISPATCH.dump(e), n) for n, e in enumerate(events, 1)]), {}, bus)
    assert heard == events


async def test_a_gap_or_an_unreadable_message_closes_a_feed_that_must_not_skip_and_tells_one_that_may() -> None:
    must, may, other = (FanOut[Any]("dispatch", 10, Policy.close), FanOut[Any]("broadcast", 10, Policy.drop_oldest),
                        FanOut[Any]("cases", 10, Policy.close))
    subscriptions = [f.subscribe() for f in (must, may, other)]
    relay = ListRelay([Relayed(GAP, "dispatch", 1), Relayed("broadcast", '{"job": "unreadable"}', 2),
                       Relayed(GAP, "alert_update", 3)])
    gaps = await listened(relay, {"dispatch": must, "broadcast": may, "cases": other}, Bus())
    assert subscriptions[0].overflowed.is_set()  # its socket closes (4008) and re-opens
    assert subscriptions[1].dropped == 1 and not subscriptions[1].overflowed.is_set()  # its page is told
    assert not subscriptions[2].overflowed.is_set() and subscriptions[2].dropped == 0
    assert gaps == []  # a lost repeat of an alert closes nothing


async def test_a_lost_connection_is_a_gap_in_every_feed() -> None:
    class Failing(ListRelay):
        async def follow(self) -> AsyncIterator[list[Relayed]]:
            raise OSError("connection lost")
            yield []

    must, live = FanOut[Any]("cases", 10, Policy.close), RelayedLive()
    subscription, watching = must.subscribe(), live.fanout.subscribe()
    gaps = await listened(Failing(), {"cases": must}, Bus(), live)
    assert subscription.overflowed.is_set() and gaps[:1] == ["alerts"]
    assert watching.dropped >= 1 and not watching.overflowed.is_set()  # readings: the page is told it lost some


def test_every_relayed_event_crosses_processes_whole() -> None:
    """A call, a broadcast job's step with its receipts, a dispatch: each as its bus event, read back equal."""
    calls = CallBook(ManualClock(1_800_000_000.0))
    opened = calls.open("河水上涨", ("shimen",), "duty", alert_id=7)
    broadcast = engine()
    broadcast.put_job(job(1, "SPK01", "SPK02"))
    plays(broadcast, T0)
    step = BroadcastUpdate(broadcast.jobs[1], Summary(targeted=2, sending=2),
                           tuple(broadcast.receipts[1].values()))
    dispatched = DispatchBook(sample_town().town, DispatchConfig(), FakeClock()).assign(7, ["T01"], "巡查", "值班员")
    for event in (opened, step, *dispatched):
        feed = next(f for f in BUS_FEEDS if f.event is type(event))
        assert feed.load(feed.dump(event)) == event
