"""The county's work at the town: cases it routed here (accept, or send back with a reason) and requests for the
town's loudspeakers (confirm, or decline with a reason). Duty officers and admins act; each answer is audited and
goes up to the county on the link, in order, once. A town without a county link has none.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from console.auth import Staff
from console.bounds import Id
from console.deps import Ctx
from hub.cases.places import CaseInputError
from hub.context import HubContext
from hub.county.work import BroadcastIn, CountyWork, RoutedIn, WorkError
from hub.privacy import mask_phone, mask_text

county_work_router = APIRouter(tags=["county"])


class Acceptance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str | None = Field(default=None, description="the town's category, when the county's is not one")


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000, description="required: why")


def _work(ctx: HubContext) -> CountyWork:
    if ctx.county_work is None:
        raise HTTPException(404, "this town has no county link (its file has no county section)")
    return ctx.county_work


@contextmanager
def _answering(what: str, seq: int, *refusals: type[Exception]) -> Iterator[None]:
    """A town's answer to the county's work: 404 for a number it does not hold, 409 for an answer the item's state
    (or *refusals*) does not allow."""
    conflicts: tuple[type[Exception], ...] = (WorkError, *refusals)
    try:
        yield
    except KeyError:
        raise HTTPException(404, f"no {what} numbered {seq}") from None
    except conflicts as exc:
        raise HTTPException(409, str(exc)) from None


@county_work_router.get("/api/county/routed-cases")
async def routed(ctx: Ctx, _principal: Staff) -> list[RoutedIn]:
    """Cases the county routed to this town, newest first, with what the town did with each; masked as case lists
    are (the whole record is the town case's, once accepted)."""
    return [] if ctx.county_work is None else [_masked(r) for r in await ctx.county_work.routed()]


def _masked(held: RoutedIn) -> RoutedIn:
    case = held.case
    return held.model_copy(update={"case": case.model_copy(update={
        "requester_phone": mask_phone(case.requester_phone), "matter": mask_text(case.matter),
        "title": mask_text(case.title), "note": mask_text(case.note)})})


@county_work_router.post("/api/county/routed-cases/{seq}/accept")
async def accept(ctx: Ctx, principal: Staff, seq: Id, body: Acceptance, request: Request) -> RoutedIn:
    """Take the case on (受理): it becomes a town case, accepted, with its time limit."""
    with _answering("case routed here", seq):
        try:
            done = await _work(ctx).accept(seq, principal.actor, body.category)
        except CaseInputError as exc:
            raise HTTPException(422, str(exc)) from None
    request.state.audit_detail = f"county case {done.case.number}: accepted as case {done.town_case_id}"
    return _masked(done)


@county_work_router.post("/api/county/routed-cases/{seq}/send-back")
async def send_back(ctx: Ctx, principal: Staff, seq: Id, body: Reason, request: Request) -> RoutedIn:
    """Send the case back to the county (退回), with the reason."""
    with _answering("case routed here", seq):
        done = await _work(ctx).send_back(seq, principal.actor, body.reason)
    request.state.audit_detail = f"county case {done.case.number}: sent back"
    return _masked(done)


@county_work_router.get("/api/county/broadcast-requests")
async def broadcast_requests(ctx: Ctx, _principal: Staff) -> list[BroadcastIn]:
    """The county's requests for this town's loudspeakers, newest first."""
    return [] if ctx.county_work is None else await ctx.county_work.broadcast_requests()


@county_work_router.post("/api/county/broadcast-requests/{seq}/confirm")
async def confirm(ctx: Ctx, principal: Staff, seq: Id, request: Request) -> BroadcastIn:
    """Play it: a broadcast job of the town's, whose outcome goes up once it is finished."""
    with _answering("broadcast request", seq, ValueError):  # ValueError: the broadcast service refused the job
        done = await _work(ctx).confirm(seq, principal.actor)
    request.state.audit_detail = f"county broadcast request {done.request.request_id}: job {done.job_id}"
    return done


@county_work_router.post("/api/county/broadcast-requests/{seq}/decline")
async def decline(ctx: Ctx, principal: Staff, seq: Id, body: Reason, request: Request) -> BroadcastIn:
    """Do not play it, with the reason."""
    with _answering("broadcast request", seq):
        done = await _work(ctx).decline(seq, principal.actor, body.reason)
    request.state.audit_detail = f"county broadcast request {done.request.request_id}: declined"
    return done
