"""Call routes: the centre opens, invites, shares a camera, removes and ends; anyone invited reads them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Annotated, TypeVar

from fastapi import APIRouter, HTTPException, Query

from console.auth import Staff, Watcher
from console.bounds import Id
from console.calls.schemas import CallAsk, CallDetail, CallEntryPublic, CallPublic, CameraChoice, Invite, Removal
from console.deps import Ctx
from hub.calls.book import CallError, CallInvalid
from hub.calls.model import Call, CallState
from hub.calls.ports import LegLost
from hub.calls.service import CallService
from hub.context import HubContext
from hub.users.model import Principal

calls_router = APIRouter(tags=["calls"])
T = TypeVar("T")


def service(ctx: HubContext) -> CallService:
    if ctx.calls is None:
        raise HTTPException(503, "video calls are not running (adapters.janus.enabled is false)")
    return ctx.calls


def scoped(principal: Principal, call: Call) -> bool:
    """Staff see every call; a cadre those that invited their village."""
    return principal.is_staff or principal.village in call.villages


async def refused(action: Awaitable[T]) -> T:
    """Await a call action, turning refusals into HTTP errors."""
    try:
        return await action
    except KeyError as exc:
        raise HTTPException(404, f"no open call or alert {exc}") from None
    except CallInvalid as exc:
        raise HTTPException(422, str(exc)) from None
    except CallError as exc:
        raise HTTPException(409, str(exc)) from None
    except LegLost as exc:
        raise HTTPException(503, f"the video server is unavailable: {exc}") from None


def public(ctx: HubContext, call: Call, whole: bool = True) -> CallPublic:
    """The call as the centre reads it, or (*whole* False) a village invited, numbers in its texts masked."""
    return CallPublic.of(call, ctx.clock(), whole)


@calls_router.get("/api/calls")
async def calls(ctx: Ctx, principal: Watcher, state: CallState | None = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[CallPublic]:
    """Calls newest first (a cadre: those that invited their village)."""
    calls = service(ctx)
    village = None if principal.is_staff else principal.village
    found = await asyncio.to_thread(calls.store.find, state, village, limit)
    live = calls.book.calls
    return [public(ctx, live.get(c.id, c), principal.is_staff) for c in found if scoped(principal, c)]


@calls_router.get("/api/calls/{call_id}")
async def call_detail(ctx: Ctx, principal: Watcher, call_id: Id) -> CallDetail:
    """One call with its participants and its log."""
    calls = service(ctx)
    call = calls.book.calls.get(call_id) or await asyncio.to_thread(calls.store.get, call_id)
    if call is None:
        raise HTTPException(404, f"no call {call_id}")
    if not scoped(principal, call):
        raise HTTPException(403, "your village is not in this call")
    entries = await asyncio.to_thread(calls.store.entries, call_id)
    whole = principal.is_staff
    return CallDetail(**public(ctx, call, whole).model_dump(), log=[CallEntryPublic.of(e, whole) for e in entries])


@calls_router.post("/api/calls", status_code=201)
async def open_call(ctx: Ctx, principal: Staff, body: CallAsk) -> CallPublic:
    """Open a call, alone or about an alert (its village invited and its camera shared by default)."""
    return public(ctx, await refused(service(ctx).open(body, principal)))


@calls_router.post("/api/calls/{call_id}/invite")
async def invite(ctx: Ctx, principal: Staff, call_id: Id, body: Invite) -> CallPublic:
    """Invite more villages: their cadres are told on their consoles and phones."""
    return public(ctx, await refused(service(ctx).invite(call_id, body.villages, principal)))


@calls_router.put("/api/calls/{call_id}/camera")
async def share_camera(ctx: Ctx, principal: Staff, call_id: Id, body: CameraChoice) -> CallPublic:
    """Share a camera into the call (replacing the one shared), or stop sharing."""
    return public(ctx, await refused(service(ctx).share(call_id, body.camera, principal)))


@calls_router.post("/api/calls/{call_id}/remove")
async def remove(ctx: Ctx, principal: Staff, call_id: Id, body: Removal) -> CallPublic:
    """Take someone out of the call; they may not join it again."""
    return public(ctx, await refused(service(ctx).remove(call_id, body.username, principal)))


@calls_router.post("/api/calls/{call_id}/end")
async def end(ctx: Ctx, principal: Staff, call_id: Id) -> CallPublic:
    """End the call for everyone."""
    return public(ctx, await refused(service(ctx).end(call_id, principal)))
