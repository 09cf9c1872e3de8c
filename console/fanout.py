"""One fan-out for every live feed: a bounded queue per subscriber, and a policy for when one fills.

The hub never waits for a browser. Which way a full queue goes depends on what
the feed sends:

- `Policy.close`: the messages are events a console must not miss (alert
  transitions, case changes). Skipping one silently would leave it wrong, so a
  subscriber that falls behind is marked overflowed and its socket is closed;
  it reconnects and resumes (by sequence number, or from a fresh snapshot).
- `Policy.drop_oldest`: the messages are views of state the browser can re-read
  (readings, broadcast receipts). The oldest waiting one is dropped and counted,
  and the browser is told how many it lost.

Each subscription removes itself when it ends (`unsubscribe`, or leaving its
`with` block), so a closed socket leaves nothing behind in the fan-out; the
fan-out keeps the unsubscribe of its own source on the bus, so `close` detaches it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from enum import StrEnum
from types import TracebackType
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel

T = TypeVar("T")
log = logging.getLogger(__name__)


class Policy(StrEnum):
    close = "close"
    drop_oldest = "drop_oldest"


class Dropped(BaseModel):
    """Sent before the next message to a browser that lost `count` messages (in all) to a full queue."""

    type: Literal["dropped"] = "dropped"
    count: int


def _everything(item: T) -> T:
    return item


class Subscription(Generic[T]):
    """One subscriber's bounded queue; `view` gives its own view of an item, or None for nothing. Loop only."""

    def __init__(self, fanout: FanOut[T], view: Callable[[T], T | None]) -> None:
        self.queue: asyncio.Queue[T] = asyncio.Queue(fanout.limit)
        self.overflowed = asyncio.Event()  # set under Policy.close: the subscriber must go
        self.dropped = 0  # under Policy.drop_oldest: how many this subscriber has lost
        self._fanout = fanout
        self._view = view

    @property
    def policy(self) -> Policy:
        return self._fanout.policy

    def offer(self, item: T) -> None:
        mine = self._view(item)
        if mine is None or self.overflowed.is_set():
            return
        if self.queue.full():
            if self._fanout.policy is Policy.close:
                self.overflowed.set()
                self._fanout.closed += 1
                log.warning("%s: a subscriber fell %d behind and is closed", self._fanout.name, self.queue.qsize())
                return
            self.queue.get_nowait()
            self.dropped += 1
            self._fanout.dropped += 1
        self.queue.put_nowait(mine)

    async def get(self) -> T:
        return await self.queue.get()

    def unsubscribe(self) -> None:
        self._fanout.subscriptions.discard(self)

    def __enter__(self) -> Subscription[T]:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.unsubscribe()


class FanOut(Generic[T]):
    """Delivers each published item to every subscription under one policy. Loop only."""

    def __init__(self, name: str, limit: int, policy: Policy) -> None:
        self.name = name
        self.limit = limit
        self.policy = policy
        self.subscriptions: set[Subscription[T]] = set()
        self.dropped = 0  # items dropped over all subscribers (drop_oldest)
        self.closed = 0  # subscribers closed for falling behind (close)
        self._sources: list[Callable[[], None]] = []

    def keep(self, unsubscribe: Callable[[], None]) -> None:
        """Keep the unsubscribe of what feeds this fan-out (a bus subscription), for `close`."""
        self._sources.append(unsubscribe)

    def close(self) -> None:
        """Stop listening to its sources; subscriptions still open drain what they hold."""
        while self._sources:
            self._sources.pop()()

    def subscribe(self, view: Callable[[T], T | None] = _everything) -> Subscription[T]:
        """A new subscription, live at once: register it before building what it is sent first."""
        subscription = Subscription(self, view)
        self.subscriptions.add(subscription)
        return subscription

    def publish(self, item: T) -> None:
        for subscription in tuple(self.subscriptions):
            subscription.offer(item)

    def __len__(self) -> int:
        return len(self.subscriptions)
