"""What the hub asks of a multi-process deployment: one leader among the core processes, and its live feeds
relayed to the console processes.

The engine behind it (PostgreSQL) is an adapter's business; the hub only campaigns, learns when it leads, and
stops at once when it no longer does, since another process may then be leading.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from starlette.types import Receive, Scope, Send


class Election(Protocol):
    """A campaign for the leadership of the town's state machines."""

    deposed: asyncio.Event  # set when leadership is lost (the lock's connection failed): stop acting at once

    async def campaign(self) -> None:
        """Return once this process leads; until then it is a standby."""

    async def close(self) -> None:
        """Give up the leadership (or the campaign)."""


@dataclass(frozen=True, slots=True)
class Relayed:
    """One live-feed message between processes: `id` orders all feeds; `body` is the feed's own JSON."""

    feed: str
    body: str
    id: int = 0  # given by the relay when published


class FeedGap(Exception):
    """A listener fell so far behind that the relay no longer holds what it missed: start again from now."""


class FeedRelay(Protocol):
    """How the leader's live feeds reach console processes: published in order, followed by every listener."""

    async def publish(self, messages: Sequence[Relayed], cursors: Mapping[str, int]) -> None:
        """Publish *messages* and save *cursors* (name → position) in one step: all or nothing."""

    async def cursor(self, name: str) -> int | None:
        """A position saved with `publish`, None if never."""

    def follow(self) -> AsyncIterator[list[Relayed]]:
        """What is published from now on, in order, in batches; raises when its connection is lost (follow again),
        or FeedGap."""

    async def close(self) -> None: ...


class LeaderProxy(Protocol):
    """An ASGI app passing what a console process does not answer itself to the leader's console."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...

    async def close(self) -> None: ...
