"""What the case and dispatch services share: changes made under one lock, stored, then announced, and a
book's timers run every few seconds on the same path.

The order matters: an event is published only once its store call returned, so a console never hears of a
change that a crash could still lose.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from hub.bus import Bus
from hub.tasks import TaskSet

log = logging.getLogger(__name__)
E = TypeVar("E")


class Ledger(Generic[E]):
    """One service's lock, its store-then-publish commit and its timer task."""

    def __init__(self, bus: Bus, name: str) -> None:
        self.lock = asyncio.Lock()
        self._bus = bus
        self._name = name
        self._tasks = TaskSet()

    async def commit(self, events: Sequence[E], save: Callable[[], None]) -> None:
        """Run *save* in a thread (it stores *events* in one transaction), then publish each event in order."""
        await asyncio.to_thread(save)
        for event in events:
            self._bus.async_publish(event)

    def start_timers(self, period_s: float, tick: Callable[[], list[E]],
                     commit: Callable[[list[E]], Awaitable[None]]) -> None:
        """Every *period_s*, under the lock, commit what the book's *tick* returns."""
        self._tasks.spawn(self._timers(period_s, tick, commit), name=f"gridhub-{self._name}-timers")

    async def stop(self) -> None:
        await self._tasks.cancel()

    async def _timers(self, period_s: float, tick: Callable[[], list[E]],
                      commit: Callable[[list[E]], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(period_s)
            try:
                async with self.lock:
                    events = tick()
                    if events:
                        await commit(events)
            except Exception:  # a bad case or dispatch must not stop the timers of all the others
                log.exception("%s timers failed", self._name)
