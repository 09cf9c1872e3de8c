"""The console's FastAPI application: REST under /api, live feed under /ws, metrics, pages."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from console.alert_feed import AlertFeed, alert_feed_router
from console.alerts import alerts_router
from console.broadcast import BroadcastFeed, broadcast_router
from console.cameras import cameras_router
from console.deps import Ctx
from console.dispatch import dispatch_router
from console.dispatch_feed import DispatchFeed, dispatch_feed_router
from console.live import LiveFeed, live_router
from console.phone import phone_router
from console.schemas import (
    DeadLetterCountPublic,
    DeadLetterPublic,
    DeadLetters,
    DeviceDetail,
    DeviceEventPublic,
    DevicePublic,
    HubStatus,
    ReadingPublic,
    Series,
    SeriesPointPublic,
)
from console.speakers import speakers_router
from hub.context import HubContext
from hub.quantities import QUANTITIES, base_quantity
from hub.store import DeadLetterQuery, SeriesQuery

STATIC = Path(__file__).parent / "static"
MAX_POINTS = 10000
MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z, the last time datetime can show


def create_app(ctx: HubContext) -> FastAPI:
    app = FastAPI(title="gridhub", version="0.1.0", docs_url="/api/docs", redoc_url=None)
    app.state.ctx = ctx
    app.state.live = LiveFeed(ctx)
    app.state.alert_feed = AlertFeed(ctx)
    app.include_router(live_router)
    app.include_router(alerts_router)
    app.include_router(alert_feed_router)
    app.state.dispatch_feed = DispatchFeed(ctx)
    app.include_router(dispatch_router)
    app.include_router(phone_router)
    app.include_router(dispatch_feed_router)
    app.mount("/m", StaticFiles(directory=STATIC / "phone", html=True), name="phone")
    app.include_router(cameras_router)
    app.state.broadcast_feed = BroadcastFeed(ctx)
    app.include_router(broadcast_router)
    app.include_router(speakers_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.get("/", include_in_schema=False)(lambda: FileResponse(STATIC / "index.html"))
    app.get("/api/status")(status)
    app.get("/api/devices")(devices)
    app.get("/api/devices/{device_id}")(device_detail)
    app.get("/api/readings")(readings)
    app.get("/api/dead-letters")(dead_letters)
    app.get("/api/device-events")(device_events)
    app.get("/metrics", include_in_schema=False)(metrics)
    return app


async def status(ctx: Ctx) -> HubStatus:
    """The hub at a glance."""
    counts: dict[str, int] = {}
    for h in ctx.health.snapshot():
        counts[h.state.value] = counts.get(h.state.value, 0) + 1
    return HubStatus(town=ctx.town.town.name, started=datetime.fromtimestamp(ctx.started_at, UTC),
                     mqtt_connected=ctx.metrics.mqtt_up,
                     devices=counts, dead_letters=ctx.dead_letters.total(),
                     readings_committed=ctx.recorder.committed)


async def devices(ctx: Ctx, kind: str | None = None, grid: str | None = None) -> list[DevicePublic]:
    """Every device of the town with its health, optionally of one kind or grid."""
    return [DevicePublic.of(d, ctx.health.get(d.id)) for d in ctx.town.devices
            if (kind is None or d.kind.value == kind) and (grid is None or d.grid == grid)]


async def device_detail(ctx: Ctx, device_id: str) -> DeviceDetail:
    """One device with its latest reading of each quantity and its recent events."""
    device = ctx.town.device_map().get(device_id)
    if device is None:
        raise HTTPException(404, f"no device {device_id!r}")
    latest, events = await asyncio.gather(asyncio.to_thread(ctx.store.latest, device_id),
                                          asyncio.to_thread(ctx.store.device_events, device_id, 20))
    public = DevicePublic.of(device, ctx.health.get(device_id))
    return DeviceDetail(**public.model_dump(), latest=[ReadingPublic.of(r) for r in latest],
                        events=[DeviceEventPublic.of(e) for e in events])


async def readings(
    ctx: Ctx,
    device: Annotated[str, Query(description="device id")],
    quantity: Annotated[str, Query(description="canonical quantity, e.g. water_level")],
    start: Annotated[float | None, Query(ge=0, le=MAX_EPOCH, allow_inf_nan=False,
                                         description="UTC epoch seconds; default end − 24 h")] = None,
    end: Annotated[float | None, Query(ge=0, le=MAX_EPOCH, allow_inf_nan=False,
                                       description="UTC epoch seconds; default now")] = None,
    every: Annotated[float | None, Query(gt=0, le=366 * 86400, allow_inf_nan=False,
                                         description="bucket width in seconds; omit for raw")] = None,
) -> Series:
    """A device's series of one quantity, raw or in buckets (mean, min, max, count, sum).

    Buckets align to the town's local midnight, so `every=86400` gives calendar days.
    """
    if ctx.town.device_map().get(device) is None:
        raise HTTPException(404, f"no device {device!r}")
    known = base_quantity(quantity)
    if known is None and ":" not in quantity:
        raise HTTPException(422, f"unknown quantity {quantity!r}; known: {', '.join(sorted(QUANTITIES))}, "
                                 "their statistics (cod.avg_1h) and raw codes (hj212:w99999)")
    end = time.time() if end is None else end
    start = end - 86400 if start is None else start
    if start >= end:
        raise HTTPException(422, "start must be before end")
    if every is not None and (end - start) / every > MAX_POINTS:
        raise HTTPException(422, f"more than {MAX_POINTS} buckets: widen every")
    offset = datetime.now(ZoneInfo(ctx.town.town.timezone)).utcoffset() or timedelta(0)
    query = SeriesQuery(device, quantity, start, end, every, MAX_POINTS, offset.total_seconds())
    points = await asyncio.to_thread(ctx.store.series, query)
    return Series(device=device, quantity=quantity, unit=known.unit if known else "",
                  start=datetime.fromtimestamp(start, UTC), end=datetime.fromtimestamp(end, UTC), every_s=every,
                  points=[SeriesPointPublic.of(p) for p in points])


async def dead_letters(
    ctx: Ctx, device: str | None = None, reason: str | None = None, since: float | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DeadLetters:
    """Rejected payloads: counts since start per device and reason, and the newest items."""
    items = await asyncio.to_thread(ctx.store.dead_letters, DeadLetterQuery(device, reason, since, limit))
    return DeadLetters(counts=[DeadLetterCountPublic.of(c) for c in ctx.dead_letters.counts()],
                       items=[DeadLetterPublic.of(d) for d in items])


async def device_events(ctx: Ctx, device: str | None = None,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[DeviceEventPublic]:
    """Online/offline changes, newest first."""
    events = await asyncio.to_thread(ctx.store.device_events, device, limit)
    return [DeviceEventPublic.of(e) for e in events]


async def metrics(ctx: Ctx) -> Response:
    """Prometheus exposition of the hub's counters and gauges."""
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)
