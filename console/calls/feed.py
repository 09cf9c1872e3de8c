"""The call feed (/ws/calls): the calls a console may see, opened, changed and ended, as they happen.

This is how a village cadre's console, or their phone's browser, learns that
the centre is calling: the feed opens with the open calls that invite their
village, then sends every change of those. Each message is the whole call, so
a console that falls behind is closed (4008) and starts again from `hello`.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, WebSocket
from pydantic import BaseModel
from starlette.requests import HTTPConnection

from console.auth import WATCHERS, ws_admit
from console.calls.routes import scoped
from console.calls.schemas import CallEntryPublic, CallPublic
from console.fanout import FanOut, Policy
from console.wsfeed import Opening, send_model, serve
from hub.calls.model import CallEvent
from hub.context import HubContext
from hub.users.model import Principal

QUEUE_LIMIT = 200
ROOM_LIMIT = 1
call_feed_router = APIRouter()


class Named(BaseModel):
    id: str
    name: str


class CallHello(BaseModel):
    """The first message: who the caller is, the villages and open calls in their scope, the cameras to share."""

    type: Literal["hello"] = "hello"
    me: str
    name: str
    role: str
    available: bool
    villages: list[Named]
    calls: list[CallPublic]
    cameras: list[Named]


class CallChange(BaseModel):
    """A call as it now is, and the entry of its trail that changed it (none for a plain update)."""

    type: Literal["call"] = "call"
    call: CallPublic
    entry: CallEntryPublic | None


class CallFeed:
    """Fans call events out to every connected console (`fanout`) and to every participant's call socket (`rooms`);
    a console's `hello` by *opening* (by default from the call service's memory). Loop only."""

    def __init__(self, ctx: HubContext, opening: Opening[CallHello] | None = None) -> None:
        self.ctx = ctx
        self.opening: Opening[CallHello] = opening or self._hello
        # Consoles: a call's entry (who joined, left, was removed) is an event a console lists, so one that falls
        # behind is closed and starts again from `hello` rather than silently missing an entry.
        self.fanout: FanOut[CallEvent] = FanOut("call feed", QUEUE_LIMIT, Policy.close)
        # Call sockets: each update is the whole call and the page draws only the latest, so one waiting update
        # is enough; a newer one replaces it (counted, and the page is told) rather than closing a live call.
        self.rooms: FanOut[CallEvent] = FanOut("call room", ROOM_LIMIT, Policy.drop_oldest)
        self.fanout.keep(ctx.bus.subscribe(CallEvent, self._on_event))

    def _on_event(self, event: CallEvent) -> None:
        self.fanout.publish(event)
        self.rooms.publish(event)

    async def _hello(self, conn: HTTPConnection, principal: Principal) -> CallHello:
        ctx = self.ctx
        live = ctx.calls.book.calls.values() if ctx.calls else ()
        whole = principal.is_staff  # the villages invited read numbers in the call's texts masked
        calls = [CallPublic.of(c, ctx.clock(), whole) for c in live if scoped(principal, c)]
        villages = [Named(id=v.id, name=v.name) for v in ctx.town.villages if principal.sees_village(v.id)]
        names = ctx.town.device_map()
        cameras = [Named(id=c, name=names[c].name) for c in ctx.calls.shareable_cameras()
                   if principal.is_staff] if ctx.calls else []
        return CallHello(me=principal.username, name=principal.name, role=principal.role.value,
                         available=ctx.calls is not None, villages=villages, calls=calls, cameras=cameras)


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

    async def opening() -> list[CallHello]:
        return [await feed.opening(websocket, principal)]

    async def send(event: CallEvent) -> None:
        entry = CallEntryPublic.of(event.entry, whole) if event.entry else None
        await send_model(websocket, CallChange(call=CallPublic.of(event.call, ctx.clock(), whole), entry=entry))

    def view(event: CallEvent) -> CallEvent | None:
        return event if scoped(principal, event.call) else None

    await serve(websocket, feed.fanout.subscribe(view), opening, send)
