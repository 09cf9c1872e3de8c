"""The hub's own REST routes: its status, the devices and their readings, dead letters, device events, metrics."""

from __future__ import annotations

import asyncio
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from console.auth import Staff, Watcher, signed_in, token_of
from console.deps import Ctx
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
from console.scope import device_in_scope, village_id
from hub.quantities import QUANTITIES, base_quantity
from hub.store import DeadLetterQuery, SeriesQuery

MAX_POINTS = 10000
MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z, the last time datetime can show
devices_router = APIRouter()


@devices_router.get("/api/status")
async def status(ctx: Ctx, principal: Watcher) -> HubStatus:
    """The hub at a glance."""
    counts: dict[str, int] = {}
    for h in ctx.health.snapshot():
        counts[h.state.value] = counts.get(h.state.value, 0) + 1
    return HubStatus(town=ctx.town.town.name, started=datetime.fromtimestamp(ctx.started_at, UTC),
                     mqtt_connected=ctx.metrics.mqtt_up,
                     devices=counts, dead_letters=ctx.dead_letters.total(),
                     readings_committed=ctx.recorder.committed)


@devices_router.get("/api/devices")
async def devices(ctx: Ctx, principal: Watcher, kind: str | None = None,
                  grid: str | None = None) -> list[DevicePublic]:
    """Every device of the town (a cadre: of their village) with its health, optionally of one kind or grid."""
    return [DevicePublic.of(d, ctx.health.get(d.id)) for d in ctx.town.devices
            if (kind is None or d.kind.value == kind) and (grid is None or d.grid == grid)
            and principal.sees_village(village_id(ctx.town, d.grid))]


@devices_router.get("/api/devices/{device_id}")
async def device_detail(ctx: Ctx, principal: Watcher, device_id: str) -> DeviceDetail:
    """One device with its latest reading of each quantity and its recent events."""
    device = device_in_scope(ctx, principal, device_id)
    latest, events = await asyncio.gather(asyncio.to_thread(ctx.store.latest, device_id),
                                          asyncio.to_thread(ctx.store.device_events, device_id, 20))
    public = DevicePublic.of(device, ctx.health.get(device_id))
    return DeviceDetail(**public.model_dump(), latest=[ReadingPublic.of(r) for r in latest],
                        events=[DeviceEventPublic.of(e) for e in events])


@devices_router.get("/api/readings")
async def readings(
    ctx: Ctx,
    principal: Watcher,
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
    device_in_scope(ctx, principal, device)
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


@devices_router.get("/api/dead-letters")
async def dead_letters(
    ctx: Ctx, principal: Staff, device: str | None = None, reason: str | None = None, since: float | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DeadLetters:
    """Rejected payloads: counts since start per device and reason, and the newest items."""
    items = await asyncio.to_thread(ctx.store.dead_letters, DeadLetterQuery(device, reason, since, limit))
    return DeadLetters(counts=[DeadLetterCountPublic.of(c) for c in ctx.dead_letters.counts()],
                       items=[DeadLetterPublic.of(d) for d in items])


@devices_router.get("/api/device-events")
async def device_events(ctx: Ctx, principal: Watcher, device: str | None = None,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[DeviceEventPublic]:
    """Online/offline changes and device events, newest first; a cadre names one of their devices."""
    if device is not None:
        device_in_scope(ctx, principal, device)
    elif not principal.is_staff:
        raise HTTPException(403, "name one of your village's devices")
    events = await asyncio.to_thread(ctx.store.device_events, device, limit)
    return [DeviceEventPublic.of(e) for e in events]


@devices_router.get("/metrics", include_in_schema=False)
async def metrics(ctx: Ctx, request: Request) -> Response:
    """Prometheus exposition of the hub's counters and gauges: for staff, or a scraper with the metrics token."""
    expected = ctx.settings.metrics_token
    if expected is None or not secrets.compare_digest(token_of(request)[0] or "", expected.get_secret_value()):
        principal = await signed_in(request)
        if not principal.is_staff:
            raise HTTPException(403, f"not for a {principal.role.value}")
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)
