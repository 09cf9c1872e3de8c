"""What the case API returns: public views of cases, their trail, units and extensions, masked or whole."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from console.alerts.schemas import DeliveryPublic
from console.schemas import at, utc
from hub.cases.mediation import OUTCOME_LABELS, FollowUp, Mediation, Party, Session
from hub.cases.model import Case, Entry, Extension, Requester, Unit
from hub.cases.privacy import masked
from hub.privacy import mask_id, mask_phone, mask_text


class UnitPublic(BaseModel):
    ref: str = Field(description="department:police, grid:G01, village:shimen, team:T01")
    kind: str
    id: str
    name: str
    village: str | None

    @classmethod
    def of(cls, u: Unit) -> UnitPublic:
        return cls(ref=u.ref, kind=u.kind.value, id=u.id, name=u.name, village=u.village)


class RequesterPublic(BaseModel):
    name: str
    phone: str
    id_number: str
    address: str

    @classmethod
    def of(cls, r: Requester) -> RequesterPublic:
        return cls(name=r.name, phone=r.phone, id_number=r.id_number, address=r.address)


class ExtensionPublic(BaseModel):
    days: int
    reason: str
    asked_by: str
    asked_at: datetime
    approved: bool | None
    decided_by: str | None
    decided_at: datetime | None
    note: str

    @classmethod
    def of(cls, e: Extension, whole: bool = False) -> ExtensionPublic:
        reason, note = (e.reason, e.note) if whole else (mask_text(e.reason), mask_text(e.note))
        return cls(days=e.days, reason=reason, asked_by=e.asked_by, asked_at=at(e.asked_at), approved=e.approved,
                   decided_by=e.decided_by, decided_at=utc(e.decided_at), note=note)


class CasePublic(BaseModel):
    id: int
    number: str = Field(description="the receipt number given to the requester")
    masked: bool = Field(description="phones and ID numbers masked; GET /api/cases/{id}/full for the whole record")
    source: str
    source_ref: str
    category: str
    category_name: str
    category_name_en: str = Field(description="the category's name in English mode")
    kind: str
    title: str
    matter: str
    state: str
    state_label: str
    requester: RequesterPublic | None
    address: str
    location: tuple[float, float] | None
    grid: str | None
    village: str | None
    urgent: bool
    attributes: dict[str, str]
    photos: list[str]
    media_url: str
    alert_id: int | None
    lead: UnitPublic | None
    assisting: list[UnitPublic]
    created_by: str
    created_at: datetime
    updated_at: datetime
    accepted_at: datetime | None
    routed_at: datetime | None
    handling_at: datetime | None
    handled_at: datetime | None
    verified_at: datetime | None
    closed_at: datetime | None
    rated_at: datetime | None
    due_at: datetime | None = Field(description="the time limit")
    remind_at: datetime | None = Field(description="when the lead unit is reminded that the limit is near")
    limit: str = Field(description="the limit as people say it, e.g. 3个工作日")
    overdue: bool
    reminded: bool
    escalated: bool
    escalations: int = Field(description="steps of the escalation chain taken since the limit last moved")
    extensions: list[ExtensionPublic]
    result: str
    result_photos: list[str] = Field(description="photos of the result, sent with handle")
    rating: int | None
    rating_note: str
    merged_into: int | None
    merged: list[int]
    reopened: int

    @classmethod
    def of(cls, case: Case, now: float, category_names: tuple[str, str], whole: bool = False) -> CasePublic:
        """*category_names*: the category's Chinese and English names."""
        c = case if whole else masked(case)
        return cls(
            id=c.id, number=c.number, masked=not whole, source=c.source.value, source_ref=c.source_ref,
            category=c.category, category_name=category_names[0], category_name_en=category_names[1],
            kind=c.kind.value, title=c.title, matter=c.matter,
            state=c.state.value, state_label=c.state.label,
            requester=RequesterPublic.of(c.requester) if c.requester else None, address=c.address,
            location=c.location, grid=c.grid, village=c.village, urgent=c.urgent, attributes=c.attributes,
            photos=list(c.photos), media_url=c.media_url, alert_id=c.alert_id,
            lead=UnitPublic.of(c.lead) if c.lead else None, assisting=[UnitPublic.of(u) for u in c.assisting],
            created_by=c.created_by, created_at=at(c.created_at), updated_at=at(c.updated_at),
            accepted_at=utc(c.accepted_at), routed_at=utc(c.routed_at), handling_at=utc(c.handling_at),
            handled_at=utc(c.handled_at), verified_at=utc(c.verified_at), closed_at=utc(c.closed_at),
            rated_at=utc(c.rated_at), due_at=utc(c.due_at), remind_at=utc(c.remind_at), limit=c.limit,
            overdue=c.overdue(now), reminded=c.reminded, escalated=c.escalated,
            escalations=c.escalations,
            extensions=[ExtensionPublic.of(e, whole) for e in c.extensions], result=c.result,
            result_photos=list(c.result_photos), rating=c.rating, rating_note=c.rating_note,
            merged_into=c.merged_into, merged=list(c.merged), reopened=c.reopened)


class EntryPublic(BaseModel):
    seq: int
    action: str
    actor: str
    time: datetime
    state: str
    note: str
    detail: dict[str, str]

    @classmethod
    def of(cls, e: Entry, whole: bool = False) -> EntryPublic:
        return cls(seq=e.seq, action=e.action.value, actor=e.actor, time=at(e.ts), state=e.state.value,
                   note=e.note if whole else mask_text(e.note), detail=e.detail)


class MediationPublic(BaseModel):
    parties: list[Party]
    sessions: list[Session]
    outcome: str
    outcome_label: str
    agreement: str
    decided_at: datetime | None
    follow_up_due: datetime | None
    follow_ups: list[FollowUp]
    updated_at: datetime

    @classmethod
    def of(cls, m: Mediation, whole: bool = False) -> MediationPublic:
        parties = m.parties if whole else tuple(p.model_copy(update={
            "phone": mask_phone(p.phone), "id_number": mask_id(p.id_number), "address": mask_text(p.address)})
            for p in m.parties)
        return cls(parties=list(parties), sessions=list(m.sessions), outcome=m.outcome,
                   outcome_label=OUTCOME_LABELS[m.outcome], agreement=m.agreement if whole else mask_text(m.agreement),
                   decided_at=utc(m.decided_at), follow_up_due=utc(m.follow_up_due), follow_ups=list(m.follow_ups),
                   updated_at=at(m.updated_at))


class CaseDetail(CasePublic):
    trail: list[EntryPublic]
    mediation: MediationPublic | None
    deliveries: list[DeliveryPublic] = Field(description="escalation messages: each channel's attempts")


class DuplicatePublic(BaseModel):
    case: CasePublic
    score: float = Field(description="likeness of the matters (0–1), plus 0.2 for the same category")
    reasons: list[str]


class AppointmentPublic(BaseModel):
    id: int
    resource: str
    resource_name: str
    start: datetime
    end: datetime
    name: str
    phone: str
    purpose: str
    case_id: int | None
    booked_by: str
    cancelled: bool
    cancelled_by: str
    cancelled_at: datetime | None
    cancel_reason: str


class ResourcePublic(BaseModel):
    id: str
    name: str
    kind: str = Field(description="room, judge, legal_adviser or mediator")
    on_duty: bool = Field(description="can be booked that day: a working day, and one of an adviser's days")


class AppointmentDay(BaseModel):
    """One day at the centre, as the workbench's day view shows it."""

    date: date
    working_day: bool
    periods: list[tuple[datetime, datetime]] = Field(description="office periods of the day; none on a day off")
    resources: list[ResourcePublic]
    appointments: list[AppointmentPublic] = Field(description="by start time, cancelled ones included")
    free: dict[str, list[datetime]] = Field(description="per resource, the half-hour starts still free and ahead")


class Received(BaseModel):
    """What the desk and the phones get back: the case, likely duplicates to look at, an appointment made."""

    case: CasePublic
    duplicates: list[DuplicatePublic]
    appointment: AppointmentPublic | None = None
