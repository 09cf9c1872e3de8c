"""The patrol phones' API: sign in with a one-time code, see the team's jobs, take steps, share location, photos."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from console.alerts.schemas import AlertPublic
from console.auth import Patrol
from console.deps import Ctx
from console.dispatch.routes import refused
from console.dispatch.schemas import DispatchPublic, Fix, PhoneStep, TeamPublic, team_public
from console.photos import store_photo
from hub.alerts.model import Alert
from hub.context import HubContext
from hub.dispatch.members import MemberRef
from hub.town import Town

phone_router = APIRouter(prefix="/api/phone", tags=["phone"])


class SignIn(BaseModel):
    code: str = Field(min_length=8, max_length=64)


class SignedIn(BaseModel):
    token: str = Field(description="send as `Authorization: Bearer …`, and as ?token= on /ws/phone")
    member: str
    name: str
    team: str


class PhoneContact(BaseModel):
    """Someone the patrol may call from the job: the scene's grid worker, or the centre's duty line."""

    role: str = Field(description="网格员 or 综治中心")
    name: str
    phone: str


class StepRules(BaseModel):
    """What the hub asks of a step, so the phone says so before it sends one that would be refused."""

    note_required: list[str] = Field(description="steps refused without a note")
    location_required: list[str] = Field(description="steps refused without a GPS fix")


class Job(BaseModel):
    """A dispatch with what the phone needs to know of its alert."""

    dispatch: DispatchPublic
    alert: AlertPublic | None
    place: tuple[float, float] | None = Field(description="lon, lat of the alert's device, if any")
    place_name: str = Field(default="", description="the scene in words: the grid, else the village")
    worker: PhoneContact | None = Field(default=None, description="the grid worker of the scene, from the town file")


class Me(BaseModel):
    member: str
    name: str
    role: str
    team: TeamPublic
    jobs: list[Job]
    rules: StepRules
    centre: PhoneContact | None = Field(description="the centre's duty line (alerts.duty_officer in the town file)")


async def phone_member(request: Request, principal: Patrol) -> MemberRef:
    """The member whose phone calls; a member taken off the team since is signed out."""
    ctx: HubContext = request.app.state.ctx
    member = ctx.dispatch.roster.members.get(principal.username)
    if member is None:
        raise HTTPException(401, "sign in again with a new link from the duty officer",
                            headers={"WWW-Authenticate": "Bearer"})
    return member


Member = Annotated[MemberRef, Depends(phone_member)]


@phone_router.post("/sign-in")
async def sign_in(ctx: Ctx, body: SignIn) -> SignedIn:
    """Exchange the one-time code of a sign-in link for the phone's token."""
    token, member = await refused(ctx.dispatch.sign_in(body.code))
    return SignedIn(token=token, member=member.id, name=member.member.name, team=member.team.id)


def me_of(ctx: HubContext, member: MemberRef) -> Me:
    book = ctx.dispatch.book
    team = member.team
    jobs = []
    for d in sorted(book.active(team.id), key=lambda d: d.id):
        alert = ctx.alerts.book.by_id.get(d.alert_id)
        device = ctx.town.device_map().get(alert.device or "") if alert else None
        jobs.append(Job(dispatch=DispatchPublic.of(d), alert=AlertPublic.of(alert) if alert else None,
                        place=device.location if device else None, **scene_of(ctx.town, alert)))
    config, duty = ctx.dispatch.config, ctx.town.alerts.duty_officer
    return Me(member=member.id, name=member.member.name, role=member.member.role,
              team=team_public(book.teams[team.id], team, ctx.dispatch.roster.of_team(team.id),
                               [d.id for d in book.active(team.id)]), jobs=jobs,
              rules=StepRules(note_required=list(config.note_required),
                              location_required=list(config.location_required)),
              centre=PhoneContact(role="综治中心", name=duty.name, phone=duty.phone) if duty else None)


def scene_of(town: Town, alert: Alert | None) -> dict[str, Any]:
    """Where the job is, in words, and whom to call there: the grid worker of the alert's grid."""
    grid = town.grids().get(alert.grid or "") if alert else None
    village = town.village_of(grid.id) if grid else None
    if grid is None or village is None:
        named = next((v.name for v in town.villages if alert and v.id == alert.village), "")
        return {"place_name": named}
    name = grid.name if grid.name.startswith(village.name) else f"{village.name}{grid.name}"
    return {"place_name": name,
            "worker": PhoneContact(role="网格员", name=grid.worker.name, phone=grid.worker.phone)}


@phone_router.get("/me")
async def me(ctx: Ctx, member: Member) -> Me:
    """Who the phone belongs to, the team's status and its active jobs."""
    return me_of(ctx, member)


@phone_router.post("/steps")
async def step(ctx: Ctx, member: Member, body: PhoneStep) -> Response:
    """Acknowledge, en route, on scene, clear: applied once per key, however often the phone resends it."""
    location = body.location.location(ctx.clock()) if body.location else None
    answer, replayed = await refused(ctx.dispatch.step(member, body.key, body.dispatch, body.step, body.note,
                                                       location, body.photo))
    payload: dict[str, Any] = json.loads(answer) | {"replayed": replayed}
    return Response(json.dumps(payload), media_type="application/json")


@phone_router.post("/location", status_code=204)
async def location(ctx: Ctx, member: Member, fix: Fix) -> None:
    """The phone's position while on duty: the team's last known location."""
    await ctx.dispatch.locate(member, fix.location(ctx.clock()))


@phone_router.post("/photos", status_code=201)
async def upload_photo(ctx: Ctx, member: Member, request: Request,
                       key: Annotated[str, Query(min_length=8, max_length=80, pattern=r"^[A-Za-z0-9_-]+$")]
                       ) -> dict[str, str]:
    """A photo (JPEG or PNG body) from the phone's camera; stored as JPEG without its metadata, once per key."""
    return {"photo": await store_photo(request, ctx.dispatch.photos, member.id, key)}
