"""Reads a console process answers from the shared state store instead of passing them to the leader.

The alerts list is the leader's own route (`GET /api/alerts`), which reads the alert store on the leader too. The
teams (`GET /api/teams`) are read as a new leader loads them: the stored team states, active dispatches and
team edits, through the leader's own rendering and village scope (console.dispatch.routes.board). A team whose
state was never stored is available; its `since` is then the time of this read, where the leader gives its own
start. The other reads of the leader's memory (one alert, the map, KPIs, device health) still go to the leader.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from console.auth import Watcher
from console.deps import Ctx
from console.dispatch.routes import board
from console.dispatch.schemas import TeamPublic
from hub.context import HubContext
from hub.dispatch.book import DispatchBook
from hub.dispatch.roster import Roster, TeamEdits

STORE_READS = frozenset({"/api/alerts", "/api/teams"})  # GET only: any other method goes to the leader
store_reads_router = APIRouter()


def _stored(ctx: HubContext) -> tuple[DispatchBook, Roster]:
    store = ctx.dispatch.store
    active, states, edits = store.active(), store.teams(), store.team_edits()
    roster = Roster(ctx.town, {team: TeamEdits.model_validate_json(e) for team, e in edits.items()})
    return DispatchBook(ctx.town, ctx.dispatch.config, ctx.clock, active, states), roster


@store_reads_router.get("/api/teams")
async def teams(ctx: Ctx, principal: Watcher) -> list[TeamPublic]:
    """Every team (a cadre: those based in their village) with status, last location and active dispatches, as
    stored."""
    book, roster = await asyncio.to_thread(_stored, ctx)
    return board(ctx.town, book, roster, principal)
