"""Case routes: intake from the desk, the phones and alerts; lists, details and the audited whole record."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse

from console.alerts.schemas import DeliveryPublic
from console.auth import Anyone, Staff, Watcher
from console.bounds import Id
from console.cases.appointments import appointment_public
from console.cases.inputs import AppointmentIn, DeskCase, FieldReport, FromAlert
from console.cases.schemas import CaseDetail, CasePublic, DuplicatePublic, EntryPublic, MediationPublic, Received
from console.cases.scope import Seen, acted, audit_read, may_see_whole, public
from console.deps import Ctx
from console.photos import store_photo, unknown_photo
from console.schemas import states_of
from hub.cases.appointments import Slot
from hub.cases.model import OPEN, Case, CaseState, Source
from hub.cases.privacy import sees
from hub.cases.store import CaseQuery
from hub.context import HubContext
from hub.users.model import Principal

cases_router = APIRouter(tags=["cases"])


@cases_router.post("/api/cases", status_code=201)
async def desk(ctx: Ctx, principal: Staff, body: DeskCase) -> Received:
    """A visitor at the desk: the case (accepted at once unless told), likely duplicates, and an appointment."""
    new = body.new_case(body.source, body.requester.requester(), body.accept)
    slot = _slot(body.appointment, body.requester.name, body.requester.phone)
    case, _, made = await acted(ctx.cases.receive(new, principal.actor, appointment=slot))
    return Received(case=public(ctx, case), duplicates=_duplicates(ctx, case, principal),
                    appointment=appointment_public(ctx, made) if made else None)


def _slot(asked: AppointmentIn | None, name: str, phone: str) -> Slot | None:
    if asked is None:
        return None
    start = asked.start.timestamp()
    return Slot(asked.resource, start, start + asked.minutes * 60, name, phone, asked.purpose)


@cases_router.post("/api/cases/reports", status_code=201)
async def field_report(ctx: Ctx, principal: Anyone, body: FieldReport) -> Received:
    """A grid worker's or patrol member's report from the phone, with where and photos."""
    missing = unknown_photo(ctx.cases.photos, body.photos)
    if missing is not None:
        raise HTTPException(422, f"no photo {missing!r}: upload it first")
    new = body.new_case(Source.GRID, None, accept=False, photos=tuple(body.photos))
    case, _, _ = await acted(ctx.cases.receive(new, principal.actor))
    return Received(case=public(ctx, case), duplicates=_duplicates(ctx, case, principal))


@cases_router.post("/api/cases/photos", status_code=201)
async def upload_photo(ctx: Ctx, principal: Anyone, request: Request,
                       key: Annotated[str, Query(min_length=8, max_length=80, pattern=r"^[A-Za-z0-9_-]+$")]
                       ) -> dict[str, str]:
    """A photo (JPEG or PNG body) for a report, stored as JPEG without its metadata; the same key, the same id."""
    return {"photo": await store_photo(request, ctx.cases.photos, f"case/{principal.username}", key)}


@cases_router.post("/api/alerts/{alert_id}/case", status_code=201)
async def from_alert(ctx: Ctx, principal: Staff, alert_id: Id, body: FromAlert) -> CasePublic:
    """One action: the alert becomes an accepted case (urgent unless told), placed where the alert is."""
    return public(ctx, await acted(ctx.cases.from_alert(alert_id, principal.actor, body.category, body.urgent,
                                                        body.note)))


@cases_router.get("/api/cases")
async def list_cases(
    ctx: Ctx, principal: Watcher,
    state: Annotated[list[str] | None, Query(description="a state, or open")] = None,
    category: Annotated[list[str] | None, Query()] = None, source: Source | None = None,
    grid: str | None = None, village: str | None = None,
    since: Annotated[datetime | None, Query(description="received at or after (ISO-8601)")] = None,
    until: Annotated[datetime | None, Query(description="received before (ISO-8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[CasePublic]:
    """Cases, newest first, masked; a village cadre's are those of their village and those routed to it."""
    if not principal.is_staff:
        if village not in (None, principal.village):
            raise HTTPException(403, "outside your village")
        village = principal.village
    query = CaseQuery(states_of(state or [], CaseState, OPEN), tuple(category or ()), source, grid, village,
                      since.timestamp() if since else None, until.timestamp() if until else None, limit=limit)
    return [public(ctx, c) for c in await asyncio.to_thread(ctx.cases.store.find, query)]


@cases_router.get("/api/cases/{case_id}")
async def detail(ctx: Ctx, principal: Watcher, case: Seen) -> CaseDetail:
    """One case with its trail, masked."""
    return await _detail(ctx, case, whole=False)


@cases_router.get("/api/cases/{case_id}/full")
async def full(ctx: Ctx, principal: Watcher, request: Request, case: Seen) -> CaseDetail:
    """The whole record, phones and ID numbers included, with its mediation: for staff and the lead village's
    cadre; every read is in the audit log."""
    if not may_see_whole(principal, case):
        raise HTTPException(403, "the whole record is for the centre and the village that handles the case")
    await audit_read(ctx, request, principal, f"case {case.id}: whole record")
    return await _detail(ctx, case, whole=True)


async def _detail(ctx: HubContext, case: Case, whole: bool) -> CaseDetail:
    trail, record, sent = await asyncio.gather(asyncio.to_thread(ctx.cases.store.entries, case.id),
                                               ctx.cases.mediation(case.id),
                                               asyncio.to_thread(ctx.cases.store.deliveries, case.id))
    return CaseDetail(**public(ctx, case, whole).model_dump(), trail=[EntryPublic.of(e, whole) for e in trail],
                      mediation=MediationPublic.of(record, whole) if record else None,
                      deliveries=[DeliveryPublic.of(d) for d in sent])


@cases_router.get("/api/cases/{case_id}/duplicates")
async def duplicates(ctx: Ctx, principal: Staff, case: Seen) -> list[DuplicatePublic]:
    """Open cases that look like this one: the same place, the same matter, close in time."""
    return _duplicates(ctx, case, principal)


def _duplicates(ctx: HubContext, case: Case, principal: Principal) -> list[DuplicatePublic]:
    """Likely duplicates the principal may see (a patrol phone sees none: it gets its receipt only)."""
    found = ctx.cases.duplicates(case)
    return [DuplicatePublic(case=public(ctx, other), score=c.score, reasons=list(c.reasons))
            for other, c in found if sees(principal, other)]


@cases_router.get("/api/cases/{case_id}/photos/{photo_id}")
async def photo(ctx: Ctx, principal: Watcher, case: Seen, photo_id: str) -> FileResponse:
    path = ctx.cases.photos / f"{photo_id}.jpg"
    if photo_id not in (*case.photos, *case.result_photos) or not path.is_file():
        raise HTTPException(404, f"no photo {photo_id} in case {case.id}")
    return FileResponse(path, media_type="image/jpeg")

