"""The call feed (/ws/calls): the calls a console may see, opened, changed and ended, as they happen.

This is how a village cadre's console, or their phone's browser, learns that
the centre is calling: the feed opens with the open calls that invite their
village, then sends every change of those. Each message is the whole call, so
a console that falls behind is closed (4008) and starts again from `hello`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, WebSocket

from console.auth import WATCHERS, ws_admit
from console.call_schemas import CallEntryPublic, CallPublic
from console.calls import scoped
from console.wsfeed import Subscriber, serve
from hub.calls.model import CallEvent
from hub.context import HubContext

QUEUE_LIMIT = 200
call_feed_router = APIRouter()


class CallFeed:
    """Fans call events out to every connected console. Loop only."""

    def __init__(self, ctx: HubContext) -> None:
        self.subscribers: set[Subscriber[CallEvent]] = set()
        ctx.bus.subscribe(CallEvent, self._on_event)

    def _on_event(self, event: CallEvent) -> None:
        for subscriber in self.subscribers:
            subscriber.offer(event)


@call_feed_router.websocket("/ws/calls")
async def call_feed(websocket: WebSocket) -> None:
    """`hello` with the open calls (and the villages) in the caller's scope and, for the centre, the cameras a call
    can share; then `{"type": "call", "call", "entry"}` per change."""
    ctx: HubContext = websocket.app.state.ctx
    feed: CallFeed = websocket.app.state.call_feed
    principal = await ws_admit(websocket, *WATCHERS)
    if principal is None:
        return
    whole = principal.is_staff  # the villages invited read numbers in the call's texts masked

    async def opening() -> list[dict[str, Any]]:
        live = ctx.calls.book.calls.values() if ctx.calls else ()
        calls = [CallPublic.of(c, ctx.clock(), whole).model_dump(mode="json") for c in live if scoped(principal, c)]
        villages = [{"id": v.id, "name": v.name} for v in ctx.town.villages if principal.sees_village(v.id)]
        names = ctx.town.device_map()
        cameras = [{"id": c, "name": names[c].name} for c in ctx.calls.shareable_cameras()
                   if principal.is_staff] if ctx.calls else []
        return [{"type": "hello", "me": principal.username, "name": principal.name, "role": principal.role.value,
                 "available": ctx.calls is not None, "villages": villages, "calls": calls,
                 "cameras": cameras}]

    async def send(event: CallEvent) -> None:
        entry = CallEntryPublic.of(event.entry, whole).model_dump(mode="json") if event.entry else None
        call = CallPublic.of(event.call, ctx.clock(), whole).model_dump(mode="json")
        await websocket.send_json({"type": "call", "call": call, "entry": entry})

    subscriber: Subscriber[CallEvent] = Subscriber(QUEUE_LIMIT, lambda e: scoped(principal, e.call))
    await serve(websocket, feed.subscribers, subscriber, opening, send)
