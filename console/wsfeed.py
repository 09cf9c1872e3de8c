"""A live feed's socket: its opening messages, then its subscription's items, until either side stops.

The subscription is taken before the opening messages are built, so nothing
published meanwhile falls between the two. Under `Policy.close` a subscriber
that cannot keep up is closed with code 4008 and reconnects (and, where the
feed has them, resumes); under `Policy.drop_oldest` it is sent `dropped`.

A feed's first message (its `Opening`) is read from the leader's memory; in a console process
(console.cluster) it is asked of the leader, while the items come through the relay.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import BaseModel
from starlette.requests import HTTPConnection

from console.fanout import Dropped, Policy, Subscription
from hub.users.model import Principal

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
# What a feed's socket is sent first, for the connection's caller (the connection: to ask the leader as them).
Opening = Callable[[HTTPConnection, Principal], Awaitable[M]]
TOO_SLOW = 4008


async def send_model(websocket: WebSocket, message: BaseModel) -> None:
    await websocket.send_text(message.model_dump_json())


async def serve(websocket: WebSocket, subscription: Subscription[T],
                opening: Callable[[], Awaitable[Iterable[BaseModel]]],
                send: Callable[[T], Awaitable[None]], too_slow: str = "too slow: reconnect") -> None:
    """Send *opening*, then every item of *subscription* through *send*; it is unsubscribed however this ends."""
    tasks: list[asyncio.Task[Any]] = []
    with subscription:
        try:
            for message in await opening():
                await send_model(websocket, message)
            tasks = [asyncio.create_task(_pump(websocket, subscription, send)),
                     asyncio.create_task(subscription.overflowed.wait()),
                     asyncio.create_task(_until_closed(websocket))]
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            if tasks[1] in done:
                await websocket.close(TOO_SLOW, too_slow)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                    await task


async def _pump(websocket: WebSocket, subscription: Subscription[T], send: Callable[[T], Awaitable[None]]) -> None:
    reported = 0
    while True:
        item = await subscription.get()
        if subscription.policy is Policy.drop_oldest and subscription.dropped != reported:
            reported = subscription.dropped
            await send_model(websocket, Dropped(count=reported))
        await send(item)


async def _until_closed(websocket: WebSocket) -> None:
    # Reading is how a closed browser (or a stopping server) is noticed while nothing is sent.
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass
