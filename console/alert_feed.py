"""The alert feed: every alert transition, numbered, over one WebSocket, with resume.

A console that reconnects with `?since=<last seq>` first receives every
transition it missed (read from the alert store), then the live ones, each
exactly once and in order. Without `since` it gets a snapshot of the open
alerts and the sequence number the snapshot stands at. A console too slow to
keep up is disconnected rather than silently skipped: it reconnects and resumes.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect

from console.alert_schemas import AlertPublic, feed_message, update_message
from hub.alerts.model import AlertEvent
from hub.alerts.store import FeedEntry
from hub.context import HubContext

QUEUE_LIMIT = 2000
BACKLOG_LIMIT = 5000
TOO_SLOW = 4008  # close code: reconnect with ?since=
alert_feed_router = APIRouter()


class _Subscriber:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[AlertEvent] = asyncio.Queue(QUEUE_LIMIT)
        self.overflowed = asyncio.Event()

    def offer(self, event: AlertEvent) -> None:
        if self.queue.full():
            self.overflowed.set()
        else:
            self.queue.put_nowait(event)


class AlertFeed:
    """Fans stored alert events out to every connected console. Loop only."""

    def __init__(self, ctx: HubContext) -> None:
        self.ctx = ctx
        self.subscribers: set[_Subscriber] = set()
        ctx.bus.subscribe(AlertEvent, self._on_event)

    def _on_event(self, event: AlertEvent) -> None:
        for subscriber in self.subscribers:
            subscriber.offer(event)


async def _opening(feed: AlertFeed, since: int | None) -> tuple[list[dict[str, Any]], int]:
    """What a console is sent first, and the sequence number it brings it to."""
    book = feed.ctx.alerts.book
    if since is not None:
        missed = await asyncio.to_thread(feed.ctx.alerts.store.feed, since, BACKLOG_LIMIT + 1)
        if len(missed) <= BACKLOG_LIMIT:
            last = missed[-1].transition.seq if missed else since
            return [{"type": "resumed", "since": since, "count": len(missed)},
                    *(feed_message(e) for e in missed)], last
    seq = book.last_seq
    alerts = [AlertPublic.of(a).model_dump(mode="json") for a in sorted(book.open_alerts(), key=lambda a: a.id)]
    return [{"type": "snapshot", "seq": seq, "alerts": alerts, "reset": since is not None}], seq


async def _pump(websocket: WebSocket, subscriber: _Subscriber, seq: int) -> None:
    while True:
        event = await subscriber.queue.get()
        if event.transition is None:
            await websocket.send_json(update_message(event.alert))
        elif event.transition.seq > seq:
            seq = event.transition.seq
            await websocket.send_json(feed_message(FeedEntry(event.transition, event.alert)))


@alert_feed_router.websocket("/ws/alerts")
async def alert_feed(websocket: WebSocket,
                     since: Annotated[int | None, Query(ge=0, description="last seq received")] = None) -> None:
    """Alert transitions as they are stored, resumable from a sequence number."""
    feed: AlertFeed = websocket.app.state.alert_feed
    await websocket.accept()
    subscriber = _Subscriber()
    feed.subscribers.add(subscriber)  # before reading the backlog, so nothing falls between the two
    tasks: list[asyncio.Task[Any]] = []
    try:
        opening, seq = await _opening(feed, since)
        for message in opening:
            await websocket.send_json(message)
        tasks = [asyncio.create_task(_pump(websocket, subscriber, seq)),
                 asyncio.create_task(subscriber.overflowed.wait()),
                 asyncio.create_task(_until_closed(websocket))]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if tasks[1] in done:
            await websocket.close(TOO_SLOW, "too slow: reconnect with ?since=<last seq>")
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        feed.subscribers.discard(subscriber)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task


async def _until_closed(websocket: WebSocket) -> None:
    # Reading is how a closed browser (or a stopping server) is noticed while nothing is sent.
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass
