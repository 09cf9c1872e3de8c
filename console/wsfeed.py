"""What the live feeds share: a bounded subscriber that is closed rather than skipped, and its socket's life.

A subscriber is registered before its opening messages are built, so nothing
published meanwhile falls between the two; one that cannot keep up is closed
with code 4008 and reconnects (and, where the feed has them, resumes).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Generic, TypeVar

from fastapi import WebSocket, WebSocketDisconnect

T = TypeVar("T")
TOO_SLOW = 4008


class Subscriber(Generic[T]):
    def __init__(self, limit: int, accepts: Callable[[T], bool] = lambda _: True) -> None:
        self.queue: asyncio.Queue[T] = asyncio.Queue(limit)
        self.overflowed = asyncio.Event()
        self._accepts = accepts

    def offer(self, item: T) -> None:
        if not self._accepts(item):
            return
        if self.queue.full():
            self.overflowed.set()
        else:
            self.queue.put_nowait(item)


async def serve(websocket: WebSocket, subscribers: set[Subscriber[T]], subscriber: Subscriber[T],
                opening: Callable[[], Awaitable[Iterable[dict[str, Any]]]],
                send: Callable[[T], Awaitable[None]], too_slow: str = "too slow: reconnect") -> None:
    """Send *opening*, then every item offered to *subscriber* through *send*, until either side stops."""
    subscribers.add(subscriber)
    tasks: list[asyncio.Task[Any]] = []
    try:
        for message in await opening():
            await websocket.send_json(message)
        tasks = [asyncio.create_task(_pump(subscriber, send)), asyncio.create_task(subscriber.overflowed.wait()),
                 asyncio.create_task(_until_closed(websocket))]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if tasks[1] in done:
            await websocket.close(TOO_SLOW, too_slow)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        subscribers.discard(subscriber)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task


async def _pump(subscriber: Subscriber[T], send: Callable[[T], Awaitable[None]]) -> None:
    while True:
        await send(await subscriber.queue.get())


async def _until_closed(websocket: WebSocket) -> None:
    # Reading is how a closed browser (or a stopping server) is noticed while nothing is sent.
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass


class DroppingClient:
    """A browser of a feed whose messages are views of state it can re-read: when it falls behind, the
    oldest are dropped and counted, and it is told so (`{"type": "dropped", "count": n}`)."""

    def __init__(self, limit: int) -> None:
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(limit)
        self.dropped = 0

    def offer(self, message: dict[str, Any]) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(message)


async def pump_dropping(websocket: WebSocket, client: DroppingClient) -> None:
    reported = 0
    while True:
        message = await client.queue.get()
        if client.dropped != reported:
            reported = client.dropped
            await websocket.send_json({"type": "dropped", "count": reported})
        await websocket.send_json(message)
