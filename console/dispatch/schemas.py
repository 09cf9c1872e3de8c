"""What the dispatch API takes and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from console.bounds import Id
from console.schemas import at, utc
from console.text import Input
from hub.dispatch.members import MemberRef
from hub.dispatch.model import Dispatch, Entry, Location, Step, TeamState, TeamStatus
from hub.dispatch.recommend import Recommendation
from hub.privacy import mask_text
from hub.town import Team


class Fix(BaseModel):
    """A GPS fix from a phone (WGS-84)."""

    model_config = ConfigDict(extra="forbid")

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    accuracy_m: float | None = Field(default=None, ge=0, le=100000)
    time: datetime | None = Field(default=None, description="when the phone took it; default: on arrival")

    def location(self, now: float) -> Location:
        return Location(self.lon, self.lat, self.time.timestamp() if self.time else now, self.accuracy_m)

    @classmethod
    def of(cls, loc: Location | None) -> Fix | None:
        return None if loc is None else cls.from_location(loc)

    @classmethod
    def from_location(cls, loc: Location) -> Fix:
        return cls(lon=loc.lon, lat=loc.lat, accuracy_m=loc.accuracy_m, time=utc(loc.ts))


class DispatchPublic(BaseModel):
    id: int
    alert_id: int
    team: str
    instructions: str
    state: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    en_route_at: datetime | None
    on_scene_at: datetime | None
    cleared_at: datetime | None
    cancelled_at: datetime | None
    reason: str
    reminded: bool
    escalated: bool

    @classmethod
    def of(cls, d: Dispatch, whole: bool = True) -> DispatchPublic:
        """Whole for the centre and the team sent (their feeds, their phones); a cadre reads numbers masked."""
        instructions, reason = (d.instructions, d.reason) if whole else (mask_text(d.instructions), mask_text(d.reason))
        return cls(id=d.id, alert_id=d.alert_id, team=d.team, instructions=instructions, state=d.state.value,
                   created_by=d.created_by, created_at=at(d.created_at), updated_at=at(d.updated_at),
                   acknowledged_at=utc(d.acknowledged_at), en_route_at=utc(d.en_route_at),
                   on_scene_at=utc(d.on_scene_at), cleared_at=utc(d.cleared_at), cancelled_at=utc(d.cancelled_at),
                   reason=reason, reminded=d.reminded, escalated=d.escalated)


class EntryPublic(BaseModel):
    seq: int
    action: str
    actor: str
    time: datetime
    dispatch_id: int | None
    team: str | None
    note: str
    location: Fix | None
    photo: str | None = Field(description="photo id: GET /api/photos/{id}")

    @classmethod
    def of(cls, e: Entry, whole: bool = True) -> EntryPublic:
        return cls(seq=e.seq, action=e.action.value, actor=e.actor, time=at(e.ts), dispatch_id=e.dispatch_id,
                   team=e.team, note=e.note if whole else mask_text(e.note), location=Fix.of(e.location), photo=e.photo)


class DispatchDetail(DispatchPublic):
    log: list[EntryPublic]
    track: list[Fix] = Field(default_factory=list,
                             description="the positions the team's phones shared during the job, oldest first "
                                         "(kept in memory since the hub started, the last 240 per team)")


class MemberPublic(BaseModel):
    id: str
    name: str
    role: str


class TeamPublic(BaseModel):
    id: str
    name: str
    kind: str
    base_grid: str
    status: str
    since: datetime
    location: Fix | None
    members: list[MemberPublic]
    active_dispatches: list[int]


class RecommendationPublic(BaseModel):
    team: str
    status: str
    distance_km: float
    eta_min: float
    basis: str = Field(description="phone: the last fix of a member's phone; base: the team's base grid")

    @classmethod
    def of(cls, r: Recommendation) -> RecommendationPublic:
        return cls(team=r.team, status=r.status.value, distance_km=r.distance_km, eta_min=r.eta_min, basis=r.basis)


class Officer(Input):
    """A duty officer's request; who asks is the signed-in user."""


class DispatchCreate(Officer):
    alert_id: Id
    teams: Annotated[list[str], Field(min_length=1, max_length=20)]
    instructions: str = Field(min_length=1, max_length=2000)


class Reason(Officer):
    reason: str = Field(min_length=1, max_length=2000)


class Reassign(Reason):
    team: str


class TeamStatusChange(Officer):
    status: TeamStatus
    note: str = Field(default="", max_length=2000)


class PhonePresence(BaseModel):
    """Whether a member's phone is signed in, and whether its live feed is open now."""

    member: str
    name: str
    role: str
    phones: int = Field(description="phones signed in (sessions not expired)")
    signed_in_at: datetime | None = Field(description="when the latest of them signed in")
    online: bool = Field(description="a phone of theirs has its live feed open now")


class LoginLink(BaseModel):
    member: str
    code: str
    url: str = Field(description="open on the member's phone; valid once")
    qr_svg: str = Field(description="the same link as a QR code (SVG)")
    expires_at: datetime


class PhoneStep(Input):
    """A step taken on a phone, replayed as often as the network needs but applied once per key."""

    key: str = Field(min_length=8, max_length=80, pattern=r"^[A-Za-z0-9_-]+$", description="idempotency key")
    dispatch: Id
    step: Step
    note: str = Field(default="", max_length=2000)
    location: Fix | None = None
    photo: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")


def team_public(state: TeamState, team: Team, members: list[MemberRef], active: list[int]) -> TeamPublic:
    return TeamPublic(id=team.id, name=team.name, kind=team.kind.value, base_grid=team.base_grid,
                      status=state.status.value, since=at(state.since), location=Fix.of(state.location),
                      members=[MemberPublic(id=m.id, name=m.member.name, role=m.member.role) for m in members],
                      active_dispatches=active)


class TeamChange(Officer):
    name: str | None = Field(default=None, min_length=1, max_length=64)
    base_grid: str | None = None


class MemberAdd(Officer):
    name: str = Field(min_length=1, max_length=64)
    phone: str = Field(pattern=r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
    role: str = Field(default="队员", max_length=32)
