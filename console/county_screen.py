"""The county's big screen (1920×1080): its towns on a map coloured by their worst open alert, each town's
figures, link and backlog, and the county's cases; the page is console/static/county/, its data one route here.

The figures are the county's reading of what the towns sent: an alert is acknowledged in time when its first
acknowledgement (or dispatch) came within the default escalation minutes of its raising severity (the towns'
files may set their own, which the county does not receive); a case is overdue when open past its time limit.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from console.auth import role_in
from hub.alerts.config import Escalation
from hub.alerts.model import Severity
from hub.cases.model import CaseState
from hub.county.config import County
from hub.county.intake import CountyIntake, IntakeState
from hub.county.reader import CountyReader
from hub.users.model import Principal, Role

STATIC = Path(__file__).parent / "static" / "county"
SILENT_AFTER_S = 60.0  # as the view's: a linked town says something at least every 15 s
TAKEN_ON = frozenset({"acknowledge", "dispatch"})  # either stops escalation, as on the town's screen
ACK_LIMIT_S = {s.value: m * 60.0 for s, m in Escalation().after_min.items()}
RANK = {s.value: s.rank for s in Severity}
CASES_SHOWN = 12
county_screen_router = APIRouter(tags=["county screen"])
CountyWatcher = Annotated[Principal, role_in(Role.county_admin, Role.county_officer)]


class TownFigures(BaseModel):
    alerts_today: int = Field(description="alerts raised since the county's midnight")
    acknowledged_today: int
    acknowledged_in_time: int
    open_alerts: int
    cases_open: int
    cases_on_time: int = Field(description="open and within their time limit")
    cases_overdue: int
    devices_online: int | None = Field(description="from the town's last summary; None before one")
    devices_total: int | None


class ScreenTown(BaseModel):
    id: str
    name: str
    center: tuple[float, float] = Field(description="[lon, lat]")
    outline: list[tuple[float, float]] | None
    link: Literal["up", "silent", "never"]
    last_heard: float | None
    backlog: int
    worst: str | None = Field(description="the severity of its worst open alert, or None")
    figures: TownFigures


class ScreenCase(BaseModel):
    town: str
    town_name: str
    number: str
    category: str
    title: str
    state: str
    due_at: float | None
    overdue: bool


class ScreenRiver(BaseModel):
    name: str
    towns: list[str] = Field(description="its towns' ids, upstream to downstream")


class CountyScreen(BaseModel):
    county: str
    timezone: str
    at: float
    towns: list[ScreenTown]
    rivers: list[ScreenRiver]
    cases_source: Literal["county", "towns"] = Field(description="county: the county's own intake; towns: the "
                                                     "towns' cases rolled up")
    cases: list[ScreenCase]


@county_screen_router.get("/api/county/screen")
async def screen(request: Request, principal: CountyWatcher) -> CountyScreen:
    """Everything the county screen shows, at once."""
    state = request.app.state.ctx
    return await asyncio.to_thread(screen_of, state.county, state.reader, state.acks, time.time(), state.intake)


class AckFigures:
    """Per town and alert: when it was raised, at what severity, and when first taken on; read on from the last
    transition seen, so a refresh reads only what arrived since."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._after: dict[str, int] = {}
        self._alerts: dict[str, dict[int, tuple[float, str, float | None]]] = {}

    def today(self, reader: CountyReader, town: str, midnight: float) -> tuple[int, int, int]:
        """Alerts raised since *midnight*, those acknowledged, those acknowledged in time."""
        with self._lock:
            alerts = self._alerts.setdefault(town, {})
            while log := reader.alert_log(town, self._after.get(town, 0)):
                for step in log:
                    self._take(alerts, step)
                self._after[town] = int(log[-1]["seq"])
            today = [a for a in alerts.values() if a[0] >= midnight]
        taken = [(raised, severity, at) for raised, severity, at in today if at is not None]
        in_time = sum(at - raised <= ACK_LIMIT_S.get(severity, 1800.0) for raised, severity, at in taken)
        return len(today), len(taken), in_time

    @staticmethod
    def _take(alerts: dict[int, tuple[float, str, float | None]], step: dict[str, Any]) -> None:
        alert_id = int(step["alert_id"])
        if step["action"] in ("raise", "reopen"):
            alerts[alert_id] = (float(step["at"]), str(step["severity"]), None)
        elif step["action"] in TAKEN_ON and alert_id in alerts and alerts[alert_id][2] is None:
            raised, severity, _ = alerts[alert_id]
            alerts[alert_id] = (raised, severity, float(step["at"]))


def screen_of(county: County, reader: CountyReader, acks: AckFigures, now: float,
              intake: CountyIntake | None = None) -> CountyScreen:
    """The screen's data now. Runs in a thread."""
    heard, summaries = reader.links(), reader.summaries()
    open_alerts, cases = reader.alerts(open_only=True), reader.cases()
    midnight = _midnight(county, now)
    towns = []
    for town in county.towns:
        last, backlog = heard.get(town.id, (None, 0))
        severities = [a["severity"] for a in open_alerts if a["town"] == town.id]
        town_cases = [c for c in cases if c["town"] == town.id and _open(c)]
        overdue = sum(_overdue(c, now) for c in town_cases)
        devices = (summaries.get(town.id) or {}).get("devices")
        alerts_today, acked, in_time = acks.today(reader, town.id, midnight)
        towns.append(ScreenTown(
            id=town.id, name=town.name, center=town.center, outline=list(town.outline) if town.outline else None,
            link=_link(last, now), last_heard=last, backlog=backlog,
            worst=max(severities, key=lambda s: RANK.get(s, 0), default=None),
            figures=TownFigures(alerts_today=alerts_today, acknowledged_today=acked, acknowledged_in_time=in_time,
                                open_alerts=len(severities), cases_open=len(town_cases),
                                cases_on_time=len(town_cases) - overdue, cases_overdue=overdue,
                                devices_online=devices.get("online", 0) if devices is not None else None,
                                devices_total=sum(devices.values()) if devices is not None else None)))
    source, shown = _intake(county, intake, cases, now)
    rivers = [ScreenRiver(name=b.name, towns=[r.town for r in b.reaches]) for b in county.basins]
    return CountyScreen(county=county.county.name, timezone=county.county.timezone, at=now, towns=towns,
                        rivers=rivers, cases_source=source, cases=shown)


def _intake(county: County, intake: CountyIntake | None, cases: list[dict[str, Any]],
            now: float) -> tuple[Literal["county", "towns"], list[ScreenCase]]:
    """The county's own cases (its intake and their routing down to towns), newest first; without an intake, the
    towns' open cases rolled up."""
    names = {t.id: t.name for t in county.towns}
    if intake is None:
        return "towns", [ScreenCase(town=str(c.get("town") or ""), town_name=names.get(str(c.get("town")), ""),
                                    number=str(c.get("number", "")), category=str(c.get("category", "")),
                                    title=str(c.get("title", "")), state=str(c.get("state", "")),
                                    due_at=c.get("due_at"), overdue=_overdue(c, now))
                         for c in cases if _open(c)][:CASES_SHOWN]
    rows = sorted(intake.cases(), key=lambda c: c.updated_at, reverse=True)[:CASES_SHOWN]
    return "county", [ScreenCase(town=c.town or "", town_name=names.get(c.town or "", ""), number=c.number,
                                 category=c.category, title=c.title, state=c.town_state or c.state.value,
                                 due_at=c.due_at, overdue=c.state is not IntakeState.CLOSED and c.due_at is not None
                                 and c.due_at < now) for c in rows]


def _open(case: dict[str, Any]) -> bool:
    state = str(case.get("state"))
    return state in set(CaseState) and CaseState(state).is_open


def _overdue(case: dict[str, Any], now: float) -> bool:
    return _open(case) and case.get("due_at") is not None and float(case["due_at"]) < now


def _link(last: float | None, now: float) -> Literal["up", "silent", "never"]:
    return "never" if last is None else ("up" if now - last < SILENT_AFTER_S else "silent")


def _midnight(county: County, now: float) -> float:
    local = dt.datetime.fromtimestamp(now, ZoneInfo(county.county.timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
