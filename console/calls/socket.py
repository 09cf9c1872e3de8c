"""A participant's call socket (/ws/calls/{id}): signalling relayed to the SFU, and the call as it changes.

Browsers never reach Janus: they speak the messages of hub/calls/signals.py
here, with the console's sign-in and scope, and the hub relays them. The
socket is the participant's presence: while it is open they are in the call;
closed without `leave`, they dropped and may come back.

Close codes, besides 4401/4403 of every socket: 4403 also when removed from the
call; 4404 no such open call; 4409 the same account joined from another page;
4410 the call has ended; 4429 the call is full; 4502 the video server lost the
participant (the page joins again); 4503 calls are not running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import TypeAdapter, ValidationError

from console.auth import WATCHERS, WS_FORBIDDEN, ws_admit
from console.bounds import Id
from console.calls.feed import CallFeed
from console.calls.schemas import CallPublic, CallReady, CallUpdate, IceServerPublic, SignalRefused
from console.fanout import Dropped, Subscription
from console.wsfeed import send_model
from hub.calls.book import CallError, CallRefused
from hub.calls.model import CallEvent
from hub.calls.ports import LegLost
from hub.calls.service import Attendance, CallService, Ended
from hub.calls.signals import ClientSignal, Leave, Mute
from hub.context import HubContext
from hub.users.model import Principal

log = logging.getLogger(__name__)
CLOSES = {Ended.REMOVED: (WS_FORBIDDEN, "the centre removed you from this call"),
          Ended.CALL_ENDED: (4410, "the call has ended"),
          Ended.REPLACED: (4409, "you joined this call from another page")}
NO_CALL, FULL, MEDIA_LOST, NOT_RUNNING = 4404, 4429, 4502, 4503
SIGNAL: TypeAdapter[ClientSignal] = TypeAdapter(ClientSignal)
call_socket_router = APIRouter()


@call_socket_router.websocket("/ws/calls/{call_id}")
async def call_socket(websocket: WebSocket, call_id: Id) -> None:
    """Join call *call_id*: for the centre, and for cadres of the villages it invited."""
    ctx: HubContext = websocket.app.state.ctx
    principal = await ws_admit(websocket, *WATCHERS)
    if principal is None:
        return
    if ctx.calls is None:
        await websocket.close(NOT_RUNNING, "video calls are not running")
        return
    code, reason = await _attend(websocket, ctx, ctx.calls, call_id, principal)
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.close(code, reason)


async def _attend(websocket: WebSocket, ctx: HubContext, calls: CallService, call_id: int,
                  principal: Principal) -> tuple[int, str]:
    """The participant in the call until one side ends it: the close code and reason."""
    try:
        async with calls.attend(call_id, principal) as attendance:
            return await _session(websocket, ctx, calls, call_id, principal, attendance)
    except KeyError:
        return NO_CALL, "no such open call"
    except CallRefused as exc:
        return WS_FORBIDDEN, str(exc)
    except CallError as exc:
        return FULL, str(exc)
    except LegLost as exc:
        log.warning("call %d: %s lost by the video server: %s", call_id, principal.username, exc)
        return MEDIA_LOST, "the video server lost you: joining again"


async def _session(websocket: WebSocket, ctx: HubContext, calls: CallService, call_id: int, principal: Principal,
                   attendance: Attendance) -> tuple[int, str]:
    feed: CallFeed = websocket.app.state.call_feed
    updates = feed.rooms.subscribe(lambda e: e if e.call.id == call_id else None)
    with updates:
        ice = calls.sfu.ice(principal.username)
        await send_model(websocket, CallReady(
            me=principal.username, call=CallPublic.of(calls.book.get(call_id), ctx.clock(), principal.is_staff),
            ice_servers=[IceServerPublic.of(s) for s in ice.servers], relay_only=ice.relay_only))
        return await _until_ended(websocket, ctx, calls, call_id, principal, attendance, updates)


async def _until_ended(websocket: WebSocket, ctx: HubContext, calls: CallService, call_id: int,
                       principal: Principal, attendance: Attendance,
                       updates: Subscription[CallEvent]) -> tuple[int, str]:
    tasks: list[asyncio.Future[Any]] = [
        asyncio.create_task(_inbound(websocket, calls, call_id, principal, attendance)),
        asyncio.create_task(_outbound(websocket, attendance)),
        asyncio.create_task(_updates(websocket, ctx, updates, principal.is_staff))]
    try:
        done, _ = await asyncio.wait([*tasks, attendance.ended], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if attendance.ended in done:
        return CLOSES[attendance.ended.result()]
    lost = next((t.exception() for t in done if isinstance(t.exception(), LegLost)), None)
    if lost is not None:
        raise lost
    return 1000, "left the call"


async def _inbound(websocket: WebSocket, calls: CallService, call_id: int, principal: Principal,
                   attendance: Attendance) -> None:
    """The browser's messages, until it leaves or goes."""
    while True:
        try:
            raw = await websocket.receive_text()
        except (WebSocketDisconnect, RuntimeError):
            return
        try:
            signal = SIGNAL.validate_json(raw)
        except ValidationError as exc:
            await send_model(websocket, SignalRefused(reason=str(exc.errors(include_url=False)[:1])))
            continue
        if isinstance(signal, Leave):
            attendance.leaving = True
            return
        if isinstance(signal, Mute):
            await calls.mute(call_id, principal.username, signal.audio, signal.video)
        else:
            await attendance.leg.handle(signal)


async def _outbound(websocket: WebSocket, attendance: Attendance) -> None:
    async for signal in attendance.leg.signals():
        await send_model(websocket, signal)


async def _updates(websocket: WebSocket, ctx: HubContext, updates: Subscription[CallEvent], whole: bool) -> None:
    """The call as it changes; an update replaced before it was sent (the feed's `rooms` policy) is reported."""
    reported = 0
    while True:
        event = await updates.get()
        if updates.dropped != reported:
            reported = updates.dropped
            await send_model(websocket, Dropped(count=reported))
        await send_model(websocket, CallUpdate(call=CallPublic.of(event.call, ctx.clock(), whole)))
