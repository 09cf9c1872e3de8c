"""The services' shared ledger: events are announced only once stored, and a failing tick does not stop the timers."""

from __future__ import annotations

import asyncio

import pytest

from hub.bus import Bus
from hub.ledger import Ledger


async def test_events_are_published_after_they_are_stored_and_not_when_storing_fails() -> None:
    bus, heard, stored = Bus(), [], []
    bus.subscribe(str, lambda e: heard.append((e, list(stored))))
    ledger: Ledger[str] = Ledger(bus, "test")
    await ledger.commit(["a", "b"], lambda: stored.extend(["a", "b"]))
    assert heard == [("a", ["a", "b"]), ("b", ["a", "b"])]

    def refuse() -> None:
        raise OSError("disk full")

    with pytest.raises(OSError):
        await ledger.commit(["c"], refuse)
    assert [e for e, _ in heard] == ["a", "b"]


async def test_the_timers_go_on_past_a_failing_tick_and_stop_when_told(caplog: pytest.LogCaptureFixture) -> None:
    ledger: Ledger[int] = Ledger(Bus(), "test")
    ticks: list[int] = []
    committed: list[list[int]] = []

    def tick() -> list[int]:
        ticks.append(len(ticks))
        if len(ticks) == 2:
            raise ValueError("a broken case")
        return [len(ticks)] if len(ticks) % 2 else []

    async def commit(events: list[int]) -> None:
        assert ledger.lock.locked()  # the tick and its commit happen under the service's lock
        committed.append(events)

    ledger.start_timers(0.001, tick, commit)
    for _ in range(500):
        if len(ticks) >= 5:
            break
        await asyncio.sleep(0.002)
    await ledger.stop()
    assert committed[:3] == [[1], [3], [5]] and "test timers failed" in caplog.text
    count = len(ticks)
    await asyncio.sleep(0.01)
    assert len(ticks) == count
