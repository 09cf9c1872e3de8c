"""The live feed: readings and device events pushed to browsers over one WebSocket.

Each browser has a bounded queue. A browser that cannot keep up loses the
oldest updates (counted, and told in a `dropped` message): the screen is a view
of state it can re-read from the REST API, so the hub never waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from console.auth import WATCHERS, ws_admit
from console.scope import sees_device
from console.wsfeed import DroppingClient, pump_dropping
from hub.context import HubContext
from hub.models import DeviceEvent, IngestBatch

QUEUE_LIMIT = 500
live_router = APIRouter()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


class LiveFeed:
    """Fans bus events out to every connected browser. Loop only."""

    def __init__(self, ctx: HubContext) -> None:
        self.clients: dict[DroppingClient, frozenset[str] | None] = {}  # the devices each may see; None: all
        ctx.bus.subscribe(IngestBatch, self._on_batch)
        ctx.bus.subscribe(DeviceEvent, self._on_event)

    def _on_batch(self, batch: IngestBatch) -> None:
        if not self.clients or not batch.readings:
            return
        items = [{"device": r.device, "quantity": r.quantity, "value": r.value, "unit": r.unit,
                  "time": _iso(r.ts), "quality": r.quality.value} for r in batch.readings]
        for client, devices in self.clients.items():
            mine = items if devices is None else [i for i in items if i["device"] in devices]
            if mine:
                client.offer({"type": "readings", "items": mine})

    def _on_event(self, event: DeviceEvent) -> None:
        message = {"type": "device_event", "device": event.device, "kind": event.kind.value,
                   "reason": event.reason, "time": _iso(event.ts)}
        for client, devices in self.clients.items():
            if devices is None or event.device in devices:
                client.offer(message)


@live_router.websocket("/ws/live")
async def live(websocket: WebSocket) -> None:
    """Readings and device events as they happen (a cadre's: their village's devices); the browser only listens."""
    feed: LiveFeed = websocket.app.state.live
    ctx: HubContext = websocket.app.state.ctx
    principal = await ws_admit(websocket, *WATCHERS)
    if principal is None:
        return
    client = DroppingClient(QUEUE_LIMIT)
    feed.clients[client] = None if principal.is_staff else frozenset(
        d.id for d in ctx.town.devices if sees_device(ctx, principal, d.id))
    pump = asyncio.create_task(pump_dropping(websocket, client))
    try:
        # Reading is how a closed browser (or a stopping server) is noticed while nothing is sent.
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass
    finally:
        feed.clients.pop(client, None)
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            await pump
