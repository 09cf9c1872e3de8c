"""Live dispatch feeds: every change for the centre (/ws/dispatch), a team's own for its phones (/ws/phone).

A feed opens with the whole current state (`hello`), so a phone that was
offline needs no resume: it reconnects and is whole again. A subscriber that
cannot keep up is closed (code 4008) rather than skipped; it reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect

from console.dispatch_schemas import DispatchPublic, EntryPublic
from console.phone import me_of
from hub.context import HubContext
from hub.dispatch.model import DispatchEvent

QUEUE_LIMIT = 500
TOO_SLOW, UNAUTHORISED = 4008, 4401
dispatch_feed_router = APIRouter()


@dataclass(frozen=True, slots=True)
class _Outgoing:
    """One event as every feed sends it: serialised once, however many phones hear it."""

    team: str | None
    text: str


class _Subscriber:
    def __init__(self, team: str | None) -> None:
        self.team = team  # None: the centre, which sees every team
        self.queue: asyncio.Queue[_Outgoing] = asyncio.Queue(QUEUE_LIMIT)
        self.overflowed = asyncio.Event()

    def offer(self, out: _Outgoing) -> None:
        if self.team is not None and out.team != self.team:
            return
        if self.queue.full():
            self.overflowed.set()
        else:
            self.queue.put_nowait(out)


class DispatchFeed:
    """Fans stored dispatch events out to the centre and to phones. Loop only."""

    def __init__(self, ctx: HubContext) -> None:
        self.subscribers: set[_Subscriber] = set()
        ctx.bus.subscribe(DispatchEvent, self._on_event)

    def _on_event(self, event: DispatchEvent) -> None:
        if not self.subscribers:
            return
        out = _Outgoing(event.entry.team, orjson.dumps(message(event)).decode())
        for subscriber in self.subscribers:
            subscriber.offer(out)


def message(event: DispatchEvent) -> dict[str, Any]:
    return {"type": "dispatch", "seq": event.entry.seq, "entry": EntryPublic.of(event.entry).model_dump(mode="json"),
            "dispatch": DispatchPublic.of(event.dispatch).model_dump(mode="json") if event.dispatch else None,
            "team": {"id": event.team.team, "status": event.team.status.value} if event.team else None}


async def _serve(websocket: WebSocket, subscriber: _Subscriber, hello: dict[str, Any]) -> None:
    feed: DispatchFeed = websocket.app.state.dispatch_feed
    feed.subscribers.add(subscriber)  # before the hello, so nothing falls between the two
    tasks: list[asyncio.Task[Any]] = []
    try:
        await websocket.send_json(hello)
        tasks = [asyncio.create_task(_pump(websocket, subscriber)), asyncio.create_task(subscriber.overflowed.wait()),
                 asyncio.create_task(_until_closed(websocket))]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if tasks[1] in done:
            await websocket.close(TOO_SLOW, "too slow: reconnect")
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        feed.subscribers.discard(subscriber)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task


async def _pump(websocket: WebSocket, subscriber: _Subscriber) -> None:
    while True:
        await websocket.send_text((await subscriber.queue.get()).text)


async def _until_closed(websocket: WebSocket) -> None:
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass


@dispatch_feed_router.websocket("/ws/dispatch")
async def centre_feed(websocket: WebSocket) -> None:
    """Every dispatch change and team status, as it is stored."""
    ctx: HubContext = websocket.app.state.ctx
    await websocket.accept()
    book = ctx.dispatch.book
    hello = {"type": "hello", "seq": book.last_seq,
             "dispatches": [DispatchPublic.of(d).model_dump(mode="json") for d in book.active()],
             "teams": {t: s.status.value for t, s in book.teams.items()}}
    await _serve(websocket, _Subscriber(None), hello)


@dispatch_feed_router.websocket("/ws/phone")
async def phone_feed(websocket: WebSocket, token: Annotated[str, Query(min_length=10)]) -> None:
    """A phone's live jobs: its team's dispatches and reminders; opens with the whole state."""
    ctx: HubContext = websocket.app.state.ctx
    member = await ctx.dispatch.member_of(token)
    await websocket.accept()
    if member is None:
        await websocket.close(UNAUTHORISED, "sign in again")
        return
    hello = {"type": "hello", "me": me_of(ctx, member).model_dump(mode="json")}
    await _serve(websocket, _Subscriber(member.team.id), hello)
