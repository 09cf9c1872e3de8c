"""Appointments at the centre: a mediation room, or the on-duty judge or legal adviser, for a time slot."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from hub.cases.config import CasesConfig
from hub.cases.places import CaseInputError
from hub.cases.workcal import WorkCalendar

MIN_MINUTES, MAX_MINUTES = 15, 240
STEP_S = 1800  # slots start on the hour and the half hour
WEEK = frozenset(range(1, 8))


@dataclass(frozen=True, slots=True)
class Appointment:
    id: int
    resource: str  # a room's or an adviser's id
    start: float
    end: float
    name: str  # who comes
    phone: str
    purpose: str
    booked_by: str
    booked_at: float
    case_id: int | None = None
    cancelled: bool = False
    cancelled_by: str = ""
    cancelled_at: float | None = None
    cancel_reason: str = ""


@dataclass(frozen=True, slots=True)
class Slot:
    """An appointment asked for: what, when, for whom."""

    resource: str
    start: float
    end: float
    name: str
    phone: str = ""
    purpose: str = ""


class Slotting:
    """Which rooms and advisers exist, when they can be booked, and whether a slot is free."""

    def __init__(self, config: CasesConfig, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self.names = {r.id: r.name for r in config.rooms} | {a.id: a.name for a in config.advisers}
        self.duty_days = {a.id: set(a.duty_days) for a in config.advisers}
        self.kinds = {r.id: "room" for r in config.rooms} | {a.id: a.kind for a in config.advisers}

    def on_duty(self, resource: str, day: date) -> bool:
        """Whether *resource* can be booked at all on *day*: a working day, and one of an adviser's days."""
        return self.calendar.is_working_day(day) and day.isoweekday() in self.duty_days.get(resource, WEEK)

    def check(self, resource: str, start: float, end: float, now: float) -> None:
        """CaseInputError unless the slot is one the resource can have: its duty day, office hours, ahead."""
        if resource not in self.names:
            raise CaseInputError(f"no room or adviser {resource!r}; known: {', '.join(self.names)}")
        if not MIN_MINUTES * 60 <= end - start <= MAX_MINUTES * 60:
            raise CaseInputError(f"an appointment lasts {MIN_MINUTES} to {MAX_MINUTES} minutes")
        if start < now - 300:
            raise CaseInputError("that time has passed")
        day = datetime.fromtimestamp(start, self.calendar.tz).date()
        if not self.calendar.is_working_day(day):
            raise CaseInputError(f"{day} is not a working day")
        if resource in self.duty_days and day.isoweekday() not in self.duty_days[resource]:
            raise CaseInputError(f"{self.names[resource]} is not at the centre on {day}")
        if self.calendar.between(start, end) < end - start - 1:
            raise CaseInputError("an appointment must lie within office hours")

    def free(self, resource: str, day: date, booked: Iterable[Appointment], minutes: int = 60,
             now: float = 0.0) -> list[tuple[float, float]]:
        """Slots of *minutes* on the hour and half-hour within office hours that nobody has booked."""
        out: list[tuple[float, float]] = []
        if not self.on_duty(resource, day):
            return out
        taken = list(booked)
        for opens, closes in self.calendar.periods:
            start = datetime.combine(day, opens, self.calendar.tz).timestamp()
            last = datetime.combine(day, closes, self.calendar.tz).timestamp() - minutes * 60
            start = math.ceil(start / STEP_S) * STEP_S
            while start <= last:
                if start >= now and clash(taken, resource, start, start + minutes * 60) is None:
                    out.append((start, start + minutes * 60))
                start += STEP_S
        return out


def clash(booked: Iterable[Appointment], resource: str, start: float, end: float) -> Appointment | None:
    """The live appointment of *resource* that overlaps [start, end), if any."""
    return next((a for a in booked if a.resource == resource and not a.cancelled
                 and a.start < end and start < a.end), None)
