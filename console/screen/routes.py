"""The duty officer's big screen: its setup, the town map as GeoJSON, the KPIs, recent camera snapshots.

Every route answers for the caller's scope: a village cadre gets their village's
grids, devices, alerts and teams and nothing else. The screen's map and chart
libraries are served from web/node_modules (installed by scripts/setup), never a CDN.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.staticfiles import StaticFiles

from console.auth import WATCHERS, Watcher, resolve
from console.config import ConsoleConfig
from console.deps import Ctx
from console.schemas import at, utc
from console.scope import sees_alert, sees_device, village_id
from console.screen.kpis import kpis_of
from console.screen.schemas import (
    Contact,
    DeviceFeature,
    DeviceProperties,
    EventSnapshot,
    GridFeature,
    GridProperties,
    HubClock,
    Kpis,
    Levels,
    PointGeometry,
    PolygonGeometry,
    RainfallLevels,
    ScreenSession,
    ScreenSetup,
    TownMap,
)
from console.users.schemas import Me
from hub.alerts.combination import basin_of
from hub.alerts.model import Alert, Severity
from hub.context import HubContext
from hub.town import Device, DeviceKind, Grid, Town, Village
from hub.users.model import Principal, Role

log = logging.getLogger(__name__)
screen_router = APIRouter(tags=["screen"])
VENDOR = Path(__file__).resolve().parents[2] / "web" / "node_modules"
LIBRARIES = {"leaflet": VENDOR / "leaflet" / "dist", "echarts": VENDOR / "echarts" / "dist",
             "swagger-ui": VENDOR / "swagger-ui-dist"}  # the API docs page (console/api_docs.py)


def _serve_libraries() -> None:
    """Each library's dist/ at /vendor/<name>/; a missing one is a warning (setup has not run), not a crash."""
    for name, dist in LIBRARIES.items():
        if not dist.is_dir():
            log.warning("console: %s is missing; run `bash scripts/setup` (npm ci in web/)", dist)
        screen_router.mount(f"/vendor/{name}", StaticFiles(directory=dist, check_dir=False), name=f"vendor-{name}")


_serve_libraries()


@screen_router.get("/api/screen/session")
async def session(request: Request) -> ScreenSession:
    """Who is signed in to the console, or null: asked before the sign-in form, so it never answers 401. A grid
    worker is answered too (their pages, /register/ and /gridwork/, ask it); each page enters for its own roles."""
    principal = await resolve(request)
    pages = (*WATCHERS, Role.grid_worker)
    return ScreenSession(user=Me.of(principal) if principal and principal.role in pages else None)


@screen_router.get("/api/screen/setup")
async def setup(ctx: Ctx, principal: Watcher) -> ScreenSetup:
    """The town, its thresholds and map tiles, and whether live video is running."""
    town = ctx.town
    console: ConsoleConfig = ctx.sections.get("console") or ConsoleConfig()
    rain = town.thresholds.rainfall_mm
    return ScreenSetup(user=Me.of(principal), town=town.town.name, timezone=town.town.timezone,
                       center=town.town.center, tiles=console.tiles,
                       rainfall_mm=RainfallLevels(**rain.model_dump()) if rain else None,
                       acknowledge_within_min={s: ctx.alerts.policy.after_s(s) / 60 for s in Severity},
                       cameras_running=ctx.cameras is not None, clock=hub_clock(ctx))


def hub_clock(ctx: HubContext) -> HubClock:
    """The hub's time now, and how fast it runs: the demo's clock catches up with real time at its speed."""
    demo = ctx.settings.demo
    return HubClock(now=at(ctx.clock()), speed=demo.speed if demo and demo.speed > 1 else 1.0)


@screen_router.get("/api/map")
async def town_map(ctx: Ctx, principal: Watcher) -> TownMap:
    """Grids (coloured by their worst open alert) and devices (with their health) as GeoJSON."""
    villages = [v for v in ctx.town.villages if principal.sees_village(v.id)]
    worst = worst_severity(ctx, principal)
    grids = [_grid_feature(v, g, worst.get(g.id)) for v in villages for g in v.grids]
    devices = [_device_feature(ctx, d) for d in ctx.town.devices if sees_device(ctx, principal, d.id)]
    return TownMap(bbox=_bbox([p for v in villages for g in v.grids for p in g.polygon]),
                   features=[*grids, *devices])


@screen_router.get("/api/kpis")
async def kpis(ctx: Ctx, principal: Watcher) -> Kpis:
    """Alerts today, open, acknowledged within their limit, teams available, devices online by kind."""
    return await kpis_of(ctx, principal)


@screen_router.get("/api/screen/snapshots")
async def snapshots(ctx: Ctx, principal: Watcher,
                    limit: Annotated[int, Query(ge=1, le=100)] = 12) -> list[EventSnapshot]:
    """The newest camera events that kept a snapshot, newest first (none while video is not running)."""
    if ctx.cameras is None:
        return []
    cameras = {d.id for d in ctx.town.devices if d.kind is DeviceKind.CAMERA and sees_device(ctx, principal, d.id)}
    events = await asyncio.to_thread(ctx.store.device_events, None, 50 * limit)
    return [EventSnapshot(camera=e.device, name=name, event=e.kind.value, time=at(e.ts),
                          detail=str(e.detail.get("zone") or e.detail.get("what") or ""))
            for e in events if e.device in cameras and isinstance(name := e.detail.get("snapshot"), str)][:limit]


def worst_severity(ctx: HubContext, principal: Principal) -> dict[str, tuple[Severity, int]]:
    """Per grid the principal sees, the worst severity of the open alerts concerning it (a village's own alerts
    count for each of its grids, a basin's for each grid of the villages its devices are in)."""
    shown = {g.id for v in ctx.town.villages if principal.sees_village(v.id) for g in v.grids}
    worst: dict[str, tuple[Severity, int]] = {}
    for alert in ctx.alerts.open_alerts():
        if sees_alert(ctx.town, principal, alert):
            # A cadre sees a covering basin alert on their own grids only: the rest of the basin is not theirs.
            for grid in shown.intersection(grids_of(ctx.town, alert)):
                severity, count = worst.get(grid, (alert.severity, 0))
                worst[grid] = (max(severity, alert.severity, key=lambda s: s.rank), count + 1)
    return worst


def grids_of(town: Town, alert: Alert) -> list[str]:
    """The grids an alert concerns: its own, its village's, or those of the villages its basin runs through.

    A town-wide alert colours none (every grid red would hide the grids that are worse off): the screen shows
    it as a banner over the map instead.
    """
    if alert.grid:
        return [alert.grid]
    basin = basin_of(alert)
    villages = ({village_id(town, d.grid) for d in town.devices if d.basin == basin} if basin
                else {alert.village})
    return [g.id for v in town.villages if v.id in villages for g in v.grids]


def _grid_feature(village: Village, grid: Grid, worst: tuple[Severity, int] | None) -> GridFeature:
    ring = [*grid.polygon, grid.polygon[0]] if grid.polygon[0] != grid.polygon[-1] else list(grid.polygon)
    return GridFeature(id=grid.id, geometry=PolygonGeometry(coordinates=[ring]), properties=GridProperties(
        name=grid.name, village=village.id, village_name=village.name,
        worker=Contact(name=grid.worker.name, phone=grid.worker.phone),
        cadre=Contact(name=village.cadre.name, phone=village.cadre.phone), wechat_group=grid.wechat_group,
        households=grid.households, severity=worst[0] if worst else None, open_alerts=worst[1] if worst else 0))


def _device_feature(ctx: HubContext, device: Device) -> DeviceFeature:
    health = ctx.health.get(device.id)
    levels = Levels(**device.levels.model_dump()) if device.levels else None
    return DeviceFeature(id=device.id, geometry=PointGeometry(coordinates=device.location), properties=DeviceProperties(
        name=device.name, kind=device.kind.value, grid=device.grid,
        state=health.state.value if health else "unmonitored", state_since=utc(health.since) if health else None,
        state_reason=health.reason if health else "", last_seen=utc(health.last_seen) if health else None,
        levels=levels, basin=device.basin))


def _bbox(points: list[tuple[float, float]]) -> tuple[float, float, float, float] | None:
    if not points:
        return None
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)
