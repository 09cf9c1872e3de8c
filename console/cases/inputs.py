"""What the case API takes: intake from the desk and the phones, and the bodies of each action."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from console.bounds import Id
from console.text import Input
from hub.cases.mediation import Outcome, Party
from hub.cases.model import Kind, NewCase, Requester, Source
from hub.town import Lat, Lon

PHONE = r"^(|1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$"
ID_NUMBER = r"^(|\d{17}[\dXx])$"


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("give the time with its UTC offset, e.g. 2026-03-11T09:00:00+08:00")
    return value


Aware = Annotated[datetime, AfterValidator(_aware)]


class Body(Input):
    """What every case request body refuses: unknown keys and control characters."""


class RequesterIn(Body):
    name: str = Field(min_length=1, max_length=64)
    phone: str = Field(default="", pattern=PHONE, description="mobile or landline")
    id_number: str = Field(default="", pattern=ID_NUMBER, description="居民身份证号码, when the matter needs it")
    address: str = Field(default="", max_length=200)

    def requester(self) -> Requester:
        return Requester(self.name, self.phone, self.id_number.upper(), self.address)


class Place(Body):
    lon: Lon
    lat: Lat


class AppointmentIn(Body):
    resource: str = Field(description="a room or adviser id: GET /api/case-options")
    start: Aware
    minutes: int = Field(default=60, ge=15, le=240)
    purpose: str = Field(default="", max_length=200)


class CaseIn(Body):
    category: str
    kind: Kind = Kind.COMPLAINT
    title: str = Field(default="", max_length=100, description="default: the start of the matter")
    matter: str = Field(min_length=1, max_length=4000)
    address: str = Field(default="", max_length=200)
    grid: str | None = None
    village: str | None = None
    location: Place | None = None
    urgent: bool = False
    attributes: dict[str, str] = Field(default_factory=dict, max_length=20)

    def new_case(self, source: Source, requester: Requester | None, accept: bool,
                 photos: tuple[str, ...] = ()) -> NewCase:
        return NewCase(source, self.category, self.title or _title(self.matter), self.matter, self.kind, requester,
                       self.address, (self.location.lon, self.location.lat) if self.location else None, self.grid,
                       self.village, self.urgent, attributes=self.attributes, photos=photos, accept=accept)


class DeskCase(CaseIn):
    """A visitor at the service centre's desk: who they are, what they bring, and maybe an appointment."""

    requester: RequesterIn
    source: Source = Field(default=Source.DESK, description="desk, phone, wechat or visit")
    accept: bool = Field(default=True, description="take it on at once: its time limit starts")
    appointment: AppointmentIn | None = None


class FieldReport(CaseIn):
    """A grid worker's or patrol member's report from the phone: where, and photos."""

    kind: Kind = Kind.REPORT
    location: Place
    photos: list[str] = Field(default_factory=list, max_length=9, description="ids from POST /api/cases/photos")


def _title(matter: str) -> str:
    line = matter.strip().splitlines()[0] if matter.strip() else matter
    return line[:30] + ("…" if len(line) > 30 else "")


class Note(Body):
    note: str = Field(default="", max_length=2000)


class Reason(Body):
    reason: str = Field(min_length=1, max_length=2000)


class Accept(Note):
    category: str | None = Field(default=None, description="correct the category before the limit starts")
    urgent: bool | None = None


class RouteIn(Note):
    lead: str = Field(description="department:<id>, grid:<id>, village:<id> or team:<id>")
    assisting: list[str] = Field(default_factory=list, max_length=10)


class Reassign(Reason):
    lead: str
    assisting: list[str] = Field(default_factory=list, max_length=10)


class Handle(Body):
    result: str = Field(min_length=1, max_length=4000, description="how it was dealt with")
    photos: list[str] = Field(default_factory=list, max_length=9,
                              description="photos of the result: ids from POST /api/cases/photos")


class Rate(Note):
    rating: int = Field(ge=1, le=5, description="1 very dissatisfied … 5 very satisfied")


class MergeIn(Reason):
    into: Id = Field(description="the case this one duplicates")


class ExtensionAsk(Reason):
    days: int = Field(ge=1, le=30, description="working days")


class ExtensionDecision(Note):
    approve: bool


class FromAlert(Note):
    category: str | None = Field(default=None, description="default: from the alert's device")
    urgent: bool = True


class AppointmentCreate(AppointmentIn):
    name: str = Field(min_length=1, max_length=64)
    phone: str = Field(default="", pattern=PHONE)
    case_id: Id | None = None


class PartiesIn(Body):
    parties: list[Party] = Field(min_length=1, max_length=20)


class SessionIn(Body):
    at: Aware | None = Field(default=None, description="default: now")
    place: str = Field(min_length=1, max_length=64)
    mediators: list[str] = Field(min_length=1, max_length=10)
    summary: str = Field(min_length=1, max_length=4000)


class OutcomeIn(Body):
    outcome: Outcome
    agreement: str = Field(default="", max_length=20000)


class FollowUpIn(Body):
    note: str = Field(min_length=1, max_length=2000)
    fulfilled: bool
