"""Mediation records of a case, and the options intake forms offer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException

from console.auth import Anyone, Watcher
from console.cases.inputs import FollowUpIn, OutcomeIn, PartiesIn, SessionIn
from console.cases.schemas import MediationPublic
from console.cases.scope import Seen, acted, acting
from console.deps import Ctx
from hub.cases.mediation import FollowUp, Mediation, Session
from hub.cases.model import Action, Case, Kind, Source
from hub.context import HubContext

records_router = APIRouter(tags=["cases"])
Mediating = Annotated[Case, acting(Action.MEDIATION)]
KIND_LABELS = {Kind.ENQUIRY: "咨询", Kind.HELP: "求助", Kind.COMPLAINT: "投诉", Kind.REPORT: "反映/举报",
               Kind.SUGGESTION: "建议", Kind.DISPUTE: "纠纷调解"}
SOURCE_LABELS = {Source.DESK: "窗口来访", Source.PHONE: "来电", Source.WECHAT: "网格微信群", Source.VISIT: "入户走访",
                 Source.GRID: "网格员上报", Source.OPEN311: "热线/外部系统", Source.ALERT: "告警转办",
                 Source.COUNTY: "县级转办"}


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


# --- what intake forms offer -----------------------------------------------------------------------

@records_router.get("/api/case-options")
async def options(ctx: Ctx, principal: Anyone) -> dict[str, Any]:
    """Categories (with limits and extra questions), kinds, sources, units, villages and grids, rooms, advisers."""
    config = ctx.town.cases
    categories = [{"id": c.id, "name": c.name, "name_en": c.english, "module": c.module, "lead": c.lead,
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
