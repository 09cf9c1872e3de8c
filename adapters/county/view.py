"""The county's view: its API (towns, their link, alerts, cases) and a page listing the towns, zh-CN first.

The county's console (console/county_app.py) serves these routes to county accounts only.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from adapters.county.county_store import SqlCountyStore
from adapters.county.identity import Refusals
from adapters.county.intake_store import SqlIntakeStore
from adapters.county.intake_view import intake_router
from adapters.county.pages import Lang, render_page, render_town
from hub.county.config import County
from hub.county.messages import DirectiveDown

SILENT_AFTER_S = 60.0  # a linked town says something (a batch or a heartbeat) at least every 15 s
SEVERITY_RANK = {"blue": 1, "yellow": 2, "orange": 3, "red": 4}


class TownStatus(BaseModel):
    id: str
    name: str
    link: Literal["up", "silent", "never"]
    last_heard: float | None
    backlog: int
    open_alerts: int
    worst: str | None  # the severity of its worst open alert
    summary: dict[str, Any] | None


class Refused(BaseModel):
    certificate: str
    claimed: str
    count: int


class DirectiveNew(BaseModel):
    """A directive or notice from the county to some of its towns, or to all."""

    model_config = ConfigDict(extra="forbid")

    towns: list[str] = Field(default_factory=list, description="town ids; empty: every town of the county")
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=5000)
    issued_by: str = Field(min_length=1, max_length=100, description="who at the county issues it")


def view_app(county: County, store: SqlCountyStore, intake: SqlIntakeStore, refusals: Refusals) -> FastAPI:
    # No routes of its own beyond the API's (no docs, no schema): the county console serves it all behind accounts.
    app = FastAPI(title=f"gridhub county {county.county.id}", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(intake_router(county, intake))

    @app.get("/api/county/towns")
    async def towns() -> list[TownStatus]:
        return await asyncio.to_thread(town_statuses, county, store, time.time())

    @app.get("/api/county/alerts")
    async def alerts(town: str | None = None, open_only: bool = Query(False, alias="open")) -> list[dict[str, Any]]:
        return await asyncio.to_thread(store.alerts, town, open_only)

    @app.get("/api/county/alerts/log")
    async def alert_log(town: str, after: int = Query(0, ge=0)) -> list[dict[str, Any]]:
        return await asyncio.to_thread(store.alert_log, town, after)

    @app.get("/api/county/cases")
    async def cases(town: str | None = None) -> list[dict[str, Any]]:
        return await asyncio.to_thread(store.cases, town)

    @app.post("/api/county/directives", status_code=201)
    async def issue(body: DirectiveNew) -> list[DirectiveDown]:
        known = county.town_map()
        unknown = [t for t in body.towns if t not in known]
        if unknown:
            raise HTTPException(422, f"no town {', '.join(unknown)} in {county.county.name}")
        return await asyncio.to_thread(store.issue, body.towns or list(known), body.title, body.text,
                                       body.issued_by, time.time())

    @app.get("/api/county/directives")
    async def directives(town: str | None = None) -> list[dict[str, Any]]:
        return await asyncio.to_thread(store.directives, town)

    @app.get("/api/county/refused")
    async def refused() -> list[Refused]:
        return [Refused(certificate=c, claimed=t, count=n) for (c, t), n in sorted(refusals.counts.items())]

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/county")

    @app.get("/county", response_class=HTMLResponse)
    async def page(lang: Lang = "zh") -> str:
        statuses = await asyncio.to_thread(town_statuses, county, store, time.time())
        return render_page(county, [s.model_dump() for s in statuses], lang)

    @app.get("/county/towns/{town_id}", response_class=HTMLResponse)
    async def town_page(town_id: str, lang: Lang = "zh") -> str:
        """One town read-only: its open alerts, its cases, the county's directives to it."""
        town = county.town_map().get(town_id)
        if town is None:
            raise HTTPException(404, f"no town {town_id!r} in {county.county.name}")
        alerts, cases, directives, summary = await asyncio.to_thread(lambda: (
            store.alerts(town_id, True), store.cases(town_id), store.directives(town_id),
            store.summaries().get(town_id) or {}))
        return render_town(county, town, alerts, cases, directives, summary.get("stations", []), lang)

    return app


def town_statuses(county: County, store: SqlCountyStore, now: float) -> list[TownStatus]:
    heard, summaries = store.links(), store.summaries()
    open_alerts: dict[str, list[str]] = {}
    for alert in store.alerts(open_only=True):
        open_alerts.setdefault(alert["town"], []).append(alert["severity"])
    statuses = []
    for town in county.towns:
        last, backlog = heard.get(town.id, (None, 0))
        link: Literal["up", "silent", "never"] = "never" if last is None else (
            "up" if now - last < SILENT_AFTER_S else "silent")
        severities = open_alerts.get(town.id, [])
        statuses.append(TownStatus(id=town.id, name=town.name, link=link, last_heard=last, backlog=backlog,
                                   open_alerts=len(severities), summary=summaries.get(town.id),
                                   worst=max(severities, key=lambda s: SEVERITY_RANK.get(s, 0), default=None)))
    return statuses
