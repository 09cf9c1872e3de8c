"""The leader's feeds through PostgreSQL (adapters.cluster.relay): a new leader relays what the last one stored
and never relayed, and a batch of readings larger than a NOTIFY payload arrives whole."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import generate_latest

from adapters.alert_store import SqlAlertStore
from adapters.cluster.relay import PgFeedRelay
from console.cluster.publisher import QUEUE_LIMIT, FeedPublisher
from console.cluster.wire import ALERT_ENTRIES, ALERTS, GAP, LIVE
from hub.alerts.model import Action, Alert, AlertEvent, AlertState, Severity, Transition
from hub.alerts.store import FeedEntry
from hub.bus import Bus
from hub.cluster import Relayed
from hub.metrics import HubMetrics
from hub.models import IngestBatch, Reading
from hub.settings import HubSettings

pytestmark = pytest.mark.integration
ALERT = Alert(id=1, rule="river-level", source="RS01", title="RS01 水位", severity=Severity.ORANGE,
              state=AlertState.RAISED, message="", value=58.1, count=1, raised_at=0.0, updated_at=0.0,
              last_seen_at=0.0, active=True, device="RS01", grid="G19", village="shimen")


def entry(seq: int) -> FeedEntry:
    return FeedEntry(Transition(seq, 1, Action.NOTE, "system", float(seq), f"第{seq}条", AlertState.RAISED,
                                Severity.ORANGE), ALERT)


def leader(store: SqlAlertStore, settings: HubSettings, metrics: HubMetrics | None = None) -> tuple[FeedPublisher, Bus]:
    bus = Bus()
    ctx: Any = SimpleNamespace(bus=bus, alerts=SimpleNamespace(store=store), metrics=metrics or HubMetrics())
    return FeedPublisher(ctx, PgFeedRelay(settings, "town")), bus


async def follow(relay: PgFeedRelay, into: list[Relayed]) -> None:
    async for batch in relay.follow():
        into.extend(batch)


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def until(check: Any, what: str, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {seconds:g} s: {what}")


async def test_a_new_leader_relays_what_the_last_one_stored_and_never_relayed(postgres_url: str,
                                                                              tmp_path: Path) -> None:
    settings = HubSettings(data_dir=tmp_path, state_url=postgres_url, process_name="t1")
    store = SqlAlertStore(postgres_url)
    store.save([ALERT], [entry(1), entry(2)], [])  # before any leader relayed: consoles read these from the store
    got: list[Relayed] = []
    listener = PgFeedRelay(settings, "town")
    following = asyncio.create_task(follow(listener, got))
    await asyncio.sleep(0.5)  # listening
    first, bus = leader(store, settings)
    await first.start()
    store.save([], [entry(3)], [])
    bus.async_publish(AlertEvent(ALERT, entry(3).transition))
    await until(lambda: len(got) == 1, "the first leader's transition")
    await first.stop()
    store.save([], [entry(4), entry(5)], [])  # stored by the first leader, which died before relaying them
    second, bus = leader(store, settings)
    await second.start()
    store.save([], [entry(6)], [])
    bus.async_publish(AlertEvent(ALERT, entry(6).transition))
    await until(lambda: sum(len(ALERT_ENTRIES.validate_json(m.body).entries) for m in got) == 4, "4, 5 and 6")
    await second.stop()
    await stop(following)
    await listener.close()
    store.close()
    batches = [ALERT_ENTRIES.validate_json(m.body) for m in got if m.feed == ALERTS]
    assert [(b.after, [e.transition.seq for e in b.entries]) for b in batches] in (
        [(2, [3]), (3, [4, 5]), (5, [6])], [(2, [3]), (3, [4, 5, 6])])
    assert batches[1].entries[0].transition.note == "第4条"


async def test_a_batch_larger_than_a_notify_payload_arrives_whole(postgres_url: str, tmp_path: Path) -> None:
    settings = HubSettings(data_dir=tmp_path, state_url=postgres_url, process_name="t2")
    store = SqlAlertStore(postgres_url)
    got: list[Relayed] = []
    listener = PgFeedRelay(settings, "town")
    following = asyncio.create_task(follow(listener, got))
    await asyncio.sleep(0.5)
    publisher, bus = leader(store, settings)
    await publisher.start()
    readings = tuple(Reading(f"RS{i:03d}", "water_level", 50 + i / 100, "m", 1.7e9 + i) for i in range(500))
    bus.async_publish(IngestBatch(readings))
    await until(lambda: got, "the readings")
    await publisher.stop()
    await stop(following)
    await listener.close()
    store.close()
    assert got[0].feed == LIVE and len(got[0].body) > 8000
    assert got[0].body.count('"device"') == 500


async def test_messages_dropped_for_a_full_queue_are_counted_by_feed_and_leave_a_gap(postgres_url: str,
                                                                                      tmp_path: Path) -> None:
    settings = HubSettings(data_dir=tmp_path, state_url=postgres_url, process_name="t3")
    store = SqlAlertStore(postgres_url)
    got: list[Relayed] = []
    listener = PgFeedRelay(settings, "town")
    following = asyncio.create_task(follow(listener, got))
    await asyncio.sleep(0.5)
    metrics = HubMetrics()
    publisher, bus = leader(store, settings, metrics)
    await publisher.start()
    # Published faster than the relay takes them (in one turn of the loop): the queue's limit, then 7 more.
    for i in range(QUEUE_LIMIT + 7):
        bus.async_publish(IngestBatch((Reading("RS01", "water_level", 50 + i / 1e4, "m", 1.7e9 + i),)))
    # 5,000 messages go through PostgreSQL before the gap: about 5 s here, so the wait is not the 5 s of one message
    await until(lambda: any(m.feed == GAP for m in got), "the gap", seconds=60)
    await publisher.stop()
    await stop(following)
    await listener.close()
    store.close()
    assert [m.feed for m in got] == [LIVE] * QUEUE_LIMIT + [GAP] and got[-1].body == LIVE
    assert publisher.dropped == {LIVE: 7}
    exposed = generate_latest(metrics.registry).decode()
    assert 'gridhub_feed_relay_dropped_total{feed="live"} 7.0' in exposed
