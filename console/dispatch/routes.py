"""Dispatch routes for the centre: teams, recommendations, dispatches, sign-in links, photos, metrics."""

from __future__ import annotations

import asyncio
import io
import statistics
from collections.abc import Awaitable
from typing import Annotated, TypeVar

import segno
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse

from console.alerts.routes import alert_in_scope, find_alert
from console.auth import Staff, Watcher
from console.bounds import Id
from console.deps import Ctx
from console.dispatch.schemas import (
    DispatchCreate,
    DispatchDetail,
    DispatchPublic,
    EntryPublic,
    Fix,
    LoginLink,
    MemberAdd,
    PhonePresence,
    Reason,
    Reassign,
    RecommendationPublic,
    TeamChange,
    TeamPublic,
    TeamStatusChange,
    team_public,
)
from console.schemas import at
from console.scope import sees_alert, village_id
from hub.cases.privacy import sees as sees_case
from hub.cases.store import CaseQuery
from hub.context import HubContext
from hub.dispatch.book import DispatchBook, DispatchError
from hub.dispatch.model import Dispatch, DispatchState
from hub.dispatch.roster import Roster
from hub.dispatch.store import DispatchQuery
from hub.town import Member, Town
from hub.users.model import Principal

dispatch_router = APIRouter(tags=["dispatch"])
T = TypeVar("T")


async def refused(action: Awaitable[T]) -> T:
    """Await a dispatch action, turning the book's refusals into HTTP errors."""
    try:
        return await action
    except (KeyError, LookupError) as exc:
        raise HTTPException(404, str(exc).strip("'\"")) from None
    except PermissionError as exc:
        raise HTTPException(403, str(exc)) from None
    except DispatchError as exc:
        raise HTTPException(409, str(exc)) from None


@dispatch_router.get("/api/teams")
async def teams(ctx: Ctx, principal: Watcher) -> list[TeamPublic]:
    """Every team (a cadre: those based in their village) with status, last location and active dispatches."""
    return board(ctx.town, ctx.dispatch.book, ctx.dispatch.roster, principal)


def board(town: Town, book: DispatchBook, roster: Roster, principal: Principal) -> list[TeamPublic]:
    """The teams *principal* sees, as *book* and *roster* have them."""
    return [_of(book, roster, t) for t in roster.teams
            if principal.sees_village(village_id(town, roster.teams[t].base_grid))]


def _team(ctx: HubContext, team_id: str) -> TeamPublic:
    return _of(ctx.dispatch.book, ctx.dispatch.roster, team_id)


def _of(book: DispatchBook, roster: Roster, team_id: str) -> TeamPublic:
    return team_public(book.teams[team_id], roster.teams[team_id], roster.of_team(team_id),
                       [d.id for d in book.active(team_id)])


@dispatch_router.patch("/api/teams/{team_id}")
async def edit_team(ctx: Ctx, principal: Staff, team_id: str, body: TeamChange) -> TeamPublic:
    """Rename a team or move its base grid."""
    await refused(ctx.dispatch.edit_team(team_id, principal.actor, name=body.name, base_grid=body.base_grid))
    return _team(ctx, team_id)


@dispatch_router.post("/api/teams/{team_id}/members", status_code=201)
async def add_member(ctx: Ctx, principal: Staff, team_id: str, body: MemberAdd) -> TeamPublic:
    """A new member, numbered after the last one the team ever had."""
    member = Member(name=body.name, phone=body.phone, role=body.role)
    await refused(ctx.dispatch.edit_team(team_id, principal.actor, add=member))
    return _team(ctx, team_id)


@dispatch_router.delete("/api/members/{member_id}")
async def remove_member(ctx: Ctx, principal: Staff, member_id: str) -> TeamPublic:
    """A member leaves the team: signed out on every phone; their number is never reused."""
    team = member_id.rsplit(".", 1)[0]
    await refused(ctx.dispatch.edit_team(team, principal.actor, leaves=member_id))
    return _team(ctx, team)


@dispatch_router.put("/api/teams/{team_id}/status")
async def team_status(ctx: Ctx, principal: Staff, team_id: str, body: TeamStatusChange) -> TeamPublic:
    """Set a team available, returning or off duty (dispatch states follow the phones)."""
    await refused(ctx.dispatch.set_team_status(team_id, body.status, principal.actor, body.note))
    return _team(ctx, team_id)


@dispatch_router.get("/api/teams/{team_id}/phones")
async def phones(ctx: Ctx, principal: Staff, request: Request, team_id: str) -> list[PhonePresence]:
    """Each member of the team: phones signed in, since when, and whether one is online now."""
    if team_id not in ctx.dispatch.roster.teams:
        raise HTTPException(404, f"no team {team_id!r}")
    signed = await ctx.dispatch.signed_in(team_id)
    online = request.app.state.dispatch_feed.phones_open
    return [PhonePresence(member=m.id, name=m.member.name, role=m.member.role, phones=signed.get(m.id, (0, 0))[0],
                          signed_in_at=at(signed[m.id][1]) if m.id in signed else None, online=online[m.id] > 0)
            for m in ctx.dispatch.roster.of_team(team_id)]


@dispatch_router.get("/api/alerts/{alert_id}/recommendations")
async def recommendations(ctx: Ctx, principal: Staff, alert_id: Id) -> list[RecommendationPublic]:
    """Teams to send: available first, nearest first, with a straight-line ETA."""
    try:
        return [RecommendationPublic.of(r) for r in ctx.dispatch.recommendations(alert_id)]
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None


@dispatch_router.post("/api/dispatches", status_code=201)
async def create(ctx: Ctx, principal: Staff, body: DispatchCreate) -> list[DispatchPublic]:
    """Send one or more teams to an open alert with instructions."""
    made = await refused(ctx.dispatch.assign(body.alert_id, body.teams, body.instructions, principal.actor))
    return [DispatchPublic.of(d) for d in made]


@dispatch_router.get("/api/dispatches")
async def find(ctx: Ctx, principal: Watcher, alert_id: Id | None = None, team: str | None = None,
               state: Annotated[list[DispatchState] | None, Query()] = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[DispatchPublic]:
    """Dispatches, newest first; a village cadre names an alert of their village."""
    if not principal.is_staff:
        if alert_id is None:
            raise HTTPException(403, "name an alert of your village")
        await alert_in_scope(ctx, principal, alert_id)
    query = DispatchQuery(alert_id, team, tuple(state or ()), limit)
    found = await asyncio.to_thread(ctx.dispatch.store.find, query)
    return [DispatchPublic.of(d, principal.is_staff) for d in found]


@dispatch_router.get("/api/dispatches/{dispatch_id}")
async def detail(ctx: Ctx, principal: Watcher, dispatch_id: Id) -> DispatchDetail:
    """One dispatch with its audit trail (steps, notes, fixes, photos)."""
    dispatch = ctx.dispatch.book.dispatches.get(dispatch_id) or \
        await asyncio.to_thread(ctx.dispatch.store.get, dispatch_id)
    if dispatch is None:
        raise HTTPException(404, f"no dispatch {dispatch_id}")
    if not principal.is_staff:
        await alert_in_scope(ctx, principal, dispatch.alert_id)
    log = await asyncio.to_thread(ctx.dispatch.store.entries, dispatch_id)
    whole = principal.is_staff  # a cadre reads numbers in the instructions and the team's notes masked
    until = dispatch.cleared_at or dispatch.cancelled_at
    track = ctx.dispatch.book.trail(dispatch.team, dispatch.created_at, until)
    return DispatchDetail(**DispatchPublic.of(dispatch, whole).model_dump(),
                          log=[EntryPublic.of(e, whole) for e in log], track=[Fix.from_location(f) for f in track])


@dispatch_router.post("/api/dispatches/{dispatch_id}/cancel")
async def cancel(ctx: Ctx, principal: Staff, dispatch_id: Id, body: Reason) -> DispatchPublic:
    return DispatchPublic.of(await refused(ctx.dispatch.cancel(dispatch_id, principal.actor, body.reason)))


@dispatch_router.post("/api/dispatches/{dispatch_id}/reassign")
async def reassign(ctx: Ctx, principal: Staff, dispatch_id: Id, body: Reassign) -> DispatchPublic:
    """Cancel this dispatch with the reason and give the job to another team: the new dispatch."""
    return DispatchPublic.of(await refused(ctx.dispatch.reassign(dispatch_id, body.team, principal.actor, body.reason)))


@dispatch_router.post("/api/members/{member_id}/login-link")
async def login_link(ctx: Ctx, principal: Staff, request: Request, member_id: str) -> LoginLink:
    """A one-time sign-in link (and QR code) for a patrol member's phone: no passwords on phones."""
    code, expires = await refused(ctx.dispatch.login_code(member_id))
    url = f"{str(request.base_url).rstrip('/')}/m/#code={code}"
    svg = io.BytesIO()
    segno.make(url, error="m").save(svg, kind="svg", scale=4)
    return LoginLink(member=member_id, code=code, url=url, qr_svg=svg.getvalue().decode(),
                     expires_at=at(expires))


@dispatch_router.get("/api/photos/{photo_id}")
async def photo(ctx: Ctx, principal: Watcher, photo_id: str) -> FileResponse:
    """A photo a patrol member took at the scene; a cadre's when a dispatch or case they may see lists it."""
    path = ctx.dispatch.photos / f"{photo_id}.jpg"
    if not photo_id.isalnum() or not path.is_file():
        raise HTTPException(404, f"no photo {photo_id}")
    if not principal.is_staff and not await _photo_in_scope(ctx, principal, photo_id):
        raise HTTPException(403, "not a photo of a dispatch or case you may see")
    return FileResponse(path, media_type="image/jpeg")


async def _photo_in_scope(ctx: HubContext, principal: Principal, photo_id: str) -> bool:
    """Whether a dispatch that lists the photo answered an alert the principal sees, or a case they see was
    made from that alert (the village leading the case needs the scene even when the alert was another's)."""
    listed = await asyncio.to_thread(ctx.dispatch.store.with_photo, photo_id)
    alerts = [a for d in listed if (a := await find_alert(ctx, d.alert_id)) is not None]
    if not alerts:
        return False
    if any(sees_alert(ctx.town, principal, a) for a in alerts):
        return True
    query = CaseQuery(village=principal.village, since=min(a.raised_at for a in alerts), limit=1000)
    cases = await asyncio.to_thread(ctx.cases.store.find, query)
    made_from = {a.id for a in alerts}
    return any(c.alert_id in made_from and sees_case(principal, c) for c in cases)


@dispatch_router.get("/api/dispatch-metrics")
async def metrics(ctx: Ctx, principal: Staff) -> dict[str, dict[str, float | int | None]]:
    """Per team, over its last 200 dispatches: how many, and median minutes to acknowledge, arrive, clear."""
    out: dict[str, dict[str, float | int | None]] = {}
    for team in ctx.dispatch.roster.teams.values():
        done = await asyncio.to_thread(ctx.dispatch.store.find, DispatchQuery(team=team.id, limit=200))
        out[team.id] = {"dispatches": len(done), "acknowledge_min": _median(done, "acknowledged_at"),
                        "arrive_min": _median(done, "on_scene_at"), "clear_min": _median(done, "cleared_at")}
    return out


def _median(dispatches: list[Dispatch], field: str) -> float | None:
    spans = [(t - d.created_at) / 60 for d in dispatches if (t := getattr(d, field)) is not None]
    return round(statistics.median(spans), 1) if spans else None
