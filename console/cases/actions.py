"""Lifecycle routes: the centre accepts, routes, checks, closes, rates, merges (and splits) and reopens; the lead unit
starts, handles, sends back and asks for more time. A move the case's state does not allow is a 409 with the reason.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException

from console.auth import Staff, Watcher
from console.cases.inputs import (
    Accept,
    ExtensionAsk,
    ExtensionDecision,
    Handle,
    MergeIn,
    Note,
    Rate,
    Reason,
    Reassign,
    RouteIn,
)
from console.cases.schemas import CasePublic
from console.cases.scope import acted, acting, public
from console.deps import Ctx
from console.photos import unknown_photo
from hub.cases.model import Action, Case
from hub.cases.service import Change
from hub.context import HubContext

case_actions_router = APIRouter(prefix="/api/cases/{case_id}", tags=["cases"])


async def _do(ctx: HubContext, case_id: int, change: Change) -> CasePublic:
    return public(ctx, await acted(ctx.cases.apply(case_id, change)))


@case_actions_router.post("/accept")
async def accept(ctx: Ctx, principal: Staff, case: Annotated[Case, acting(Action.ACCEPT)],
                 body: Accept) -> CasePublic:
    """Take the case on (受理), correcting its category or urgency first: its time limit starts now."""
    return await _do(ctx, case.id, lambda c: ctx.cases.book.accept(c, principal.actor, body.note, body.category,
                                                                   body.urgent))


@case_actions_router.post("/reject")
async def reject(ctx: Ctx, principal: Staff, case: Annotated[Case, acting(Action.REJECT)],
                 body: Reason) -> CasePublic:
    """Not taken on (不予受理), with the reason."""
    return await _do(ctx, case.id, lambda c: ctx.cases.book.reject(c, principal.actor, body.reason))


@case_actions_router.post("/route")
async def route(ctx: Ctx, principal: Staff, case: Annotated[Case, acting(Action.ROUTE)],
                body: RouteIn) -> CasePublic:
    """Send the case to a lead unit with assisting units (分流)."""
    return await _do(ctx, case.id, lambda c: ctx.cases.book.route(c, body.lead, body.assisting, principal.actor,
                                                                  body.note))


@case_actions_router.post("/reassign")
async def reassign(ctx: Ctx, principal: Staff, case: Annotated[Case, acting(Action.REASSIGN)],
                   body: Reassign) -> CasePublic:
    """Give the case to another lead unit, with the reason (改派)."""
    return await _do(ctx, case.id, lambda c: ctx.cases.book.reassign(c, body.lead, body.assisting, principal.actor,
                                                                     body.reason))


@case_actions_router.post("/send-back")
async def send_back(ctx: Ctx, principal: Watcher, case: Annotated[Case, acting(Action.SEND_BACK)],
                    body: Reason) -> CasePublic:
    """The lead unit returns the case to the centre, with the reason (退回); the clock runs on."""
    return await _do(ctx, case.id, lambda c: ctx.cases.book.send_back(c, principal.actor, body.reason))


@case_actions_router.post("/start")
async def start(ctx: Ctx, principal: Watcher, case: Annotated[Case, acting(Action.START)],
                body: Note) -> CasePublic:
    return await _do(ctx, case.id, lambda c: ctx.cases.book.start(c, principal.actor, body.note))


@case_actions_router.post("/handle")
async def handle(ctx: Ctx, principal: Watcher, case: Annotated[Case, acting(Action.HANDLE)],
                 body: Handle) -> CasePublic:
    """The lead unit reports it dealt with (办结), saying how, with photos of the result if it has them."""
    missing = unknown_photo(ctx.cases.photos, body.photos)
    if missing is not None:
        raise HTTPException(422, f"no photo {missing!r}: upload it first")
    return await _do(ctx, case.id, lambda c: ctx.cases.book.handle(c, principal.actor, body.result, body.photos))


@case_actions_router.post("/verify")
async def verify(ctx: Ctx, principal: Staff, case: Annotated[Case, acting(Action.VERIFY)],
                 body: Note) -> CasePublic:
    """The centre checked the result (核查), e.g. by calling the requester back."""
    return await _do(ctx, case.id, lambda c: ctx.cases.book.verify(c, principal.actor, body.note))


@case_actions_router.post("/redo")
async def redo(ctx: Ctx, principal: Staff, case: Annotated[Case, acting(Action.REDO)],
               body: Reason) -> CasePublic:
    """The check failed: back to the lead unit, against the same limit."""
    return await _do(ctx, case.id, lambda c: ctx.cases.book.redo(c, principal.actor, body.reason))


@case_actions_router.post("/close")
async def close(ctx: Ctx, principal: Staff, case: Annotated[Case, acting(Action.CLOSE)],
                body: Note) -> CasePublic:
    return await _do(ctx, case.id, lambda c: ctx.cases.book.close(c, principal.actor, body.note))


@case_actions_router.post("/rate")
async def rate(ctx: Ctx, principal: Staff, case: Annotated[Case, acting(Action.RATE)],
               body: Rate) -> CasePublic:
    """The requester's satisfaction, as the centre heard it on the return call."""
    return await _do(ctx, case.id, lambda c: ctx.cases.book.rate(c, body.rating, principal.actor, body.note))


@case_actions_router.post("/reopen")
async def reopen(ctx: Ctx, principal: Staff, case: Annotated[Case, acting(Action.REOPEN)],
                 body: Reason) -> CasePublic:
    """A closed, rated or rejected case comes back, with a new time limit from now."""
    return await _do(ctx, case.id, lambda c: ctx.cases.book.reopen(c, principal.actor, body.reason))


@case_actions_router.post("/merge")
async def merge(ctx: Ctx, principal: Staff, case: Annotated[Case, acting(Action.MERGE)],
                body: MergeIn) -> CasePublic:
    """Confirm this case duplicates another: it is closed as merged into it (see /duplicates)."""
    return public(ctx, await acted(ctx.cases.merge(case.id, body.into, principal.actor, body.reason)))


@case_actions_router.post("/split")
async def split(ctx: Ctx, principal: Staff, case: Annotated[Case, acting(Action.SPLIT)], body: Reason) -> CasePublic:
    """Undo a wrong merge, with the reason: this case is its own again, in the state it was merged from, and the
    case it was merged into no longer lists it; both trails record it."""
    return public(ctx, await acted(ctx.cases.split(case.id, principal.actor, body.reason)))


@case_actions_router.post("/notes")
async def note(ctx: Ctx, principal: Watcher, case: Annotated[Case, acting(Action.NOTE)],
               body: Note) -> CasePublic:
    """A note in the trail, changing nothing else."""
    return await _do(ctx, case.id, lambda c: ctx.cases.book.note(c, principal.actor, body.note or "（无内容）"))


@case_actions_router.post("/extension")
async def ask_extension(ctx: Ctx, principal: Watcher, case: Annotated[Case, acting(Action.EXTEND_ASK)],
                        body: ExtensionAsk) -> CasePublic:
    """The lead unit asks for more working days, with the reason; the centre decides."""
    return await _do(ctx, case.id, lambda c: ctx.cases.book.ask_extension(c, body.days, principal.actor,
                                                                          body.reason))


@case_actions_router.post("/extension/decision")
async def decide_extension(ctx: Ctx, principal: Staff, case: Annotated[Case, acting(Action.EXTEND_DECIDE)],
                           body: ExtensionDecision) -> CasePublic:
    """Approve (the limit moves on by the days asked) or refuse the waiting request."""
    return await _do(ctx, case.id, lambda c: ctx.cases.book.decide_extension(c, body.approve, principal.actor,
                                                                             body.note))
