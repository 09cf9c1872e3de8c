"""Appointments at the centre: a day's rooms and duty advisers, booking for a case, cancelling with a reason."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from console.auth import Staff, Watcher
from console.bounds import Id
from console.cases.inputs import AppointmentCreate, Reason
from console.cases.schemas import AppointmentDay, AppointmentPublic, ResourcePublic
from console.cases.scope import Seen, acted
from console.deps import Ctx
from console.schemas import at, utc
from hub.cases.appointments import Appointment, Slot
from hub.context import HubContext
from hub.privacy import mask_phone, mask_text

appointments_router = APIRouter(tags=["cases"])
SLOT_MINUTES = 30  # the day view's rows: slots start on the hour and the half hour


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


@appointments_router.get("/api/appointments")
async def appointments(ctx: Ctx, principal: Staff, day: Annotated[date, Query(alias="date")],
                       resource: str | None = None) -> list[AppointmentPublic]:
    """A day's appointments (town date), cancelled ones included."""
    found = await asyncio.to_thread(ctx.cases.store.appointments, resource, *_day(ctx, day))
    return [appointment_public(ctx, a) for a in found]


@appointments_router.get("/api/appointments/free")
async def free(ctx: Ctx, principal: Staff, day: Annotated[date, Query(alias="date")],
               minutes: Annotated[int, Query(ge=15, le=240)] = 60) -> dict[str, list[datetime]]:
    """Per room and adviser, the start times still free that day (on the hour and half hour, in office hours)."""
    booked = await asyncio.to_thread(ctx.cases.store.appointments, None, *_day(ctx, day))
    slots = ctx.cases.slots
    return {r: [at(s) for s, _ in slots.free(r, day, booked, minutes, ctx.clock())] for r in slots.names}


@appointments_router.get("/api/appointments/day")
async def day_view(ctx: Ctx, principal: Staff, day: Annotated[date, Query(alias="date")]) -> AppointmentDay:
    """A day at the centre in one answer: its office periods, each room and adviser (on duty or not), the
    appointments (cancelled ones included) and the half-hour starts still free."""
    booked = await asyncio.to_thread(ctx.cases.store.appointments, None, *_day(ctx, day))
    slots, calendar = ctx.cases.slots, ctx.cases.book.calendar
    working = calendar.is_working_day(day)
    periods = [(at(datetime.combine(day, s, calendar.tz).timestamp()), at(datetime.combine(day, e, calendar.tz)
                                                                         .timestamp())) for s, e in calendar.periods]
    resources = [ResourcePublic(id=r, name=n, kind=slots.kinds.get(r, "room"), on_duty=slots.on_duty(r, day))
                 for r, n in slots.names.items()]
    return AppointmentDay(date=day, working_day=working, periods=periods if working else [], resources=resources,
                          appointments=[appointment_public(ctx, a) for a in booked],
                          free={r: [at(s) for s, _ in slots.free(r, day, booked, SLOT_MINUTES, ctx.clock())]
                                for r in slots.names})


@appointments_router.post("/api/appointments", status_code=201)
async def book(ctx: Ctx, principal: Staff, body: AppointmentCreate) -> AppointmentPublic:
    """Book a mediation room, or the judge or legal adviser on duty; 409 when the slot is taken."""
    start = body.start.timestamp()
    slot = Slot(body.resource, start, start + body.minutes * 60, body.name, body.phone, body.purpose)
    return appointment_public(ctx, await acted(ctx.cases.book_appointment(slot, principal.actor, body.case_id)))


@appointments_router.post("/api/appointments/{appointment_id}/cancel")
async def cancel(ctx: Ctx, principal: Staff, appointment_id: Id, body: Reason) -> AppointmentPublic:
    """Call an appointment off, with the reason, which the case's trail records (409 once over or cancelled)."""
    return appointment_public(ctx, await acted(ctx.cases.cancel_appointment(appointment_id, principal.actor,
                                                                            body.reason)))


@appointments_router.get("/api/cases/{case_id}/appointments")
async def case_appointments(ctx: Ctx, principal: Watcher, case: Seen) -> list[AppointmentPublic]:
    """The appointments booked for the case, cancelled ones included, by start time."""
    return [appointment_public(ctx, a) for a in await ctx.cases.appointments_of(case.id)]
