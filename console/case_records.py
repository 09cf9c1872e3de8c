"""Mediation records of a case, appointments at the centre, and the options intake forms offer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from console.auth import Anyone, Staff, Watcher
from console.case_inputs import AppointmentCreate, FollowUpIn, OutcomeIn, PartiesIn, Reason, SessionIn
from console.case_schemas import AppointmentPublic, MediationPublic
from console.case_scope import Seen, acted, acting
from console.deps import Ctx
from console.schemas import at, utc
from hub.cases.appointments import Appointment, Slot
from hub.cases.mediation import FollowUp, Mediation, Session
from hub.cases.model import Action, Case, Kind, Source
from hub.cases.privacy import mask_phone, mask_text
from hub.context import HubContext

records_router = APIRouter(tags=["cases"])
Mediating = Annotated[Case, acting(Action.MEDIATION)]
KIND_LABELS = {Kind.ENQUIRY: "咨询", Kind.HELP: "求助", Kind.COMPLAINT: "投诉", Kind.REPORT: "反映/举报",
               Kind.SUGGESTION: "建议", Kind.DISPUTE: "纠纷调解"}
SOURCE_LABELS = {Source.DESK: "窗口来访", Source.PHONE: "来电", Source.WECHAT: "网格微信群", Source.VISIT: "入户走访",
                 Source.GRID: "网格员上报", Source.OPEN311: "热线/外部系统", Source.ALERT: "告警转办"}


# --- mediation -------------------------------------------------------------------------------------

@records_router.get("/api/cases/{case_id}/mediation")
async def mediation(ctx: Ctx, principal: Watcher, case: Seen) -> MediationPublic:
    """The case's mediation record, phones and ID numbers masked (whole in GET /api/cases/{id}/full)."""
    record = await ctx.cases.mediation(case.id)
    if record is None:
        raise HTTPException(404, f"case {case.id} has no mediation record")
    return MediationPublic.of(record)


async def _mediate(ctx: HubContext, case_id: int, actor: str, note: str,
                   change: Callable[[Mediation], Mediation]) -> MediationPublic:
    return MediationPublic.of(await acted(ctx.cases.mediate(case_id, actor, note, change)))


@records_router.put("/api/cases/{case_id}/mediation")
async def parties(ctx: Ctx, principal: Watcher, case: Mediating, body: PartiesIn) -> MediationPublic:
    """Who the parties are (starts the record)."""
    names = "、".join(p.name for p in body.parties)
    return await _mediate(ctx, case.id, principal.actor, f"登记当事人：{names}",
                          lambda m: m.evolve(parties=tuple(body.parties)))


@records_router.post("/api/cases/{case_id}/mediation/sessions", status_code=201)
async def session(ctx: Ctx, principal: Watcher, case: Mediating, body: SessionIn) -> MediationPublic:
    """A mediation session held: when, where, by whom, what was said."""
    held = Session(at=body.at.timestamp() if body.at else ctx.clock(), place=body.place,
                   mediators=tuple(body.mediators), summary=body.summary, recorded_by=principal.actor)
    return await _mediate(ctx, case.id, principal.actor, f"调解（{body.place}）：{body.summary}",
                          lambda m: m.evolve(sessions=(*m.sessions, held)))


@records_router.post("/api/cases/{case_id}/mediation/outcome")
async def outcome(ctx: Ctx, principal: Watcher, case: Mediating, body: OutcomeIn) -> MediationPublic:
    """How it ended, with the agreement's text when there is one; an agreement sets the follow-up visit."""
    return await _mediate(ctx, case.id, principal.actor, f"调解结果：{body.outcome}",
                          lambda m: m.evolve(outcome=body.outcome, agreement=body.agreement))


@records_router.post("/api/cases/{case_id}/mediation/follow-ups", status_code=201)
async def follow_up(ctx: Ctx, principal: Watcher, case: Mediating, body: FollowUpIn) -> MediationPublic:
    """A follow-up visit: is the agreement kept?"""
    visit = FollowUp(at=ctx.clock(), by=principal.actor, note=body.note, fulfilled=body.fulfilled)
    kept = "履行中" if body.fulfilled else "未履行"
    return await _mediate(ctx, case.id, principal.actor, f"回访（{kept}）：{body.note}",
                          lambda m: m.evolve(follow_ups=(*m.follow_ups, visit)))


# --- appointments ----------------------------------------------------------------------------------

def appointment_public(ctx: HubContext, a: Appointment) -> AppointmentPublic:
    """An appointment with the visitor's phone masked (the case's whole record has it)."""
    return AppointmentPublic(id=a.id, resource=a.resource, resource_name=ctx.cases.slots.names.get(a.resource, ""),
                             start=at(a.start), end=at(a.end), name=a.name, phone=mask_phone(a.phone),
                             purpose=a.purpose, case_id=a.case_id, booked_by=a.booked_by, cancelled=a.cancelled,
                             cancelled_by=a.cancelled_by, cancelled_at=utc(a.cancelled_at),
                             cancel_reason=mask_text(a.cancel_reason))


def _day(ctx: HubContext, day: date) -> tuple[float, float]:
    tz = ctx.cases.book.calendar.tz
    start = datetime.combine(day, datetime.min.time(), tz)
    return start.timestamp(), (start + timedelta(days=1)).timestamp()


@records_router.get("/api/appointments")
async def appointments(ctx: Ctx, principal: Staff, day: Annotated[date, Query(alias="date")],
                       resource: str | None = None) -> list[AppointmentPublic]:
    """A day's appointments (town date), cancelled ones included."""
    found = await asyncio.to_thread(ctx.cases.store.appointments, resource, *_day(ctx, day))
    return [appointment_public(ctx, a) for a in found]


@records_router.get("/api/appointments/free")
async def free(ctx: Ctx, principal: Staff, day: Annotated[date, Query(alias="date")],
               minutes: Annotated[int, Query(ge=15, le=240)] = 60) -> dict[str, list[datetime]]:
    """Per room and adviser, the start times still free that day (on the hour and half hour, in office hours)."""
    booked = await asyncio.to_thread(ctx.cases.store.appointments, None, *_day(ctx, day))
    slots = ctx.cases.slots
    return {r: [at(s) for s, _ in slots.free(r, day, booked, minutes, ctx.clock())] for r in slots.names}


@records_router.post("/api/appointments", status_code=201)
async def book(ctx: Ctx, principal: Staff, body: AppointmentCreate) -> AppointmentPublic:
    """Book a mediation room, or the judge or legal adviser on duty; 409 when the slot is taken."""
    start = body.start.timestamp()
    slot = Slot(body.resource, start, start + body.minutes * 60, body.name, body.phone, body.purpose)
    return appointment_public(ctx, await acted(ctx.cases.book_appointment(slot, principal.actor, body.case_id)))


@records_router.post("/api/appointments/{appointment_id}/cancel")
async def cancel(ctx: Ctx, principal: Staff, appointment_id: int, body: Reason) -> AppointmentPublic:
    """Call an appointment off, with the reason, which the case's trail records (409 once over or cancelled)."""
    return appointment_public(ctx, await acted(ctx.cases.cancel_appointment(appointment_id, principal.actor,
                                                                            body.reason)))


@records_router.get("/api/cases/{case_id}/appointments")
async def case_appointments(ctx: Ctx, principal: Watcher, case: Seen) -> list[AppointmentPublic]:
    """The appointments booked for the case, cancelled ones included, by start time."""
    return [appointment_public(ctx, a) for a in await ctx.cases.appointments_of(case.id)]


# --- what intake forms offer -----------------------------------------------------------------------

@records_router.get("/api/case-options")
async def options(ctx: Ctx, principal: Anyone) -> dict[str, Any]:
    """Categories (with limits and extra questions), kinds, sources, units, villages and grids, rooms, advisers."""
    config = ctx.town.cases
    categories = [{"id": c.id, "name": c.name, "module": c.module, "lead": c.lead,
                   "limit": c.limit.label if c.limit else None,
                   "attributes": [a.model_dump() for a in c.attributes]} for c in config.category_map().values()]
    tz = ctx.cases.book.calendar.tz
    return {
        "today": datetime.fromtimestamp(ctx.clock(), tz).date().isoformat(), "timezone": ctx.town.town.timezone,
        "categories": categories,
        "kinds": [{"id": k.value, "name": n, "limit": config.kind_limits[k].label if k in config.kind_limits else None}
                  for k, n in KIND_LABELS.items()],
        "sources": [{"id": s.value, "name": n} for s, n in SOURCE_LABELS.items()],
        "departments": [d.model_dump() for d in config.departments],
        "villages": [{"id": v.id, "name": v.name, "grids": [{"id": g.id, "name": g.name} for g in v.grids]}
                     for v in ctx.town.villages],
        "teams": [{"id": t.id, "name": t.name} for t in ctx.town.teams],
        "rooms": [r.model_dump() for r in config.rooms],
        "advisers": [a.model_dump() for a in config.advisers],
    }
