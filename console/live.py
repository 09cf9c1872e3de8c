"""The live feed: readings and device events pushed to browsers over one WebSocket.

Each browser has a bounded queue. A browser that cannot keep up loses the
oldest updates (counted, and told in a `dropped` message): the screen is a view
of state it can re-read from the REST API, so the hub never waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

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
        self.clients: set[DroppingClient] = set()
        ctx.bus.subscribe(IngestBatch, self._on_batch)
        ctx.bus.subscribe(DeviceEvent, self._on_event)

    def _broadcast(self, message: dict[str, Any]) -> None:
        for client in self.clients:
            client.offer(message)

    def _on_batch(self, batch: IngestBatch) -> None:
        if self.clients and batch.readings:
            self._broadcast({"type": "readings", "items": [
                {"device": r.device, "quantity": r.quantity, "value": r.value, "unit": r.unit,
                 "time": _iso(r.ts), "quality": r.quality.value} for r in batch.readings]})

    def _on_event(self, event: DeviceEvent) -> None:
        self._broadcast({"type": "device_event", "device": event.device, "kind": event.kind.value,
                         "reason": event.reason, "time": _iso(event.ts)})


@live_router.websocket("/ws/live")
async def live(websocket: WebSocket) -> None:
    """Readings and device events as they happen; the browser only listens."""
    feed: LiveFeed = websocket.app.state.live
    await websocket.accept()
    client = DroppingClient(QUEUE_LIMIT)
    feed.clients.add(client)
    pump = asyncio.create_task(pump_dropping(websocket, client))
    try:
        # Reading is how a closed browser (or a stopping server) is noticed while nothing is sent.
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass
    finally:
        feed.clients.discard(client)
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            await pump
