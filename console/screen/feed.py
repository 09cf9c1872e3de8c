"""The live feed: readings and device events pushed to browsers over one WebSocket.

Each browser has a bounded queue. A browser that cannot keep up loses the
oldest updates (counted, and told in a `dropped` message): the screen is a view
of state it can re-read from the REST API, so the hub never waits for it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, WebSocket
from pydantic import BaseModel, Field, TypeAdapter

from console.auth import WATCHERS, ws_admit
from console.fanout import FanOut, Policy
from console.scope import sees_device
from console.wsfeed import send_model, serve
from hub.context import HubContext
from hub.models import DeviceEvent, IngestBatch, Reading

QUEUE_LIMIT = 500
live_router = APIRouter()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


class ReadingItem(BaseModel):
    device: str
    quantity: str
    value: float
    unit: str
    time: str
    quality: str

    @classmethod
    def of(cls, r: Reading) -> ReadingItem:
        # Built per batch on the ingest path from values already typed: construct, do not validate again.
        return cls.model_construct(device=r.device, quantity=r.quantity, value=r.value, unit=r.unit,
                                   time=_iso(r.ts), quality=r.quality.value)


class Readings(BaseModel):
    type: Literal["readings"] = "readings"
    items: list[ReadingItem]


class DeviceEventMessage(BaseModel):
    type: Literal["device_event"] = "device_event"
    device: str
    kind: str
    reason: str
    time: str


LiveMessage = Readings | DeviceEventMessage
# A live message as it crosses processes (console.cluster), told apart by its type.
LIVE_MESSAGE: TypeAdapter[LiveMessage] = TypeAdapter(Annotated[LiveMessage, Field(discriminator="type")])


def live_fanout() -> FanOut[LiveMessage]:
    return FanOut("live feed", QUEUE_LIMIT, Policy.drop_oldest)


class LiveFeed:
    """Fans bus events out to every connected browser. Loop only."""

    def __init__(self, ctx: HubContext) -> None:
        self.fanout = live_fanout()
        self.fanout.keep(ctx.bus.subscribe(IngestBatch, self._on_batch))
        self.fanout.keep(ctx.bus.subscribe(DeviceEvent, self._on_event))

    def _on_batch(self, batch: IngestBatch) -> None:
        if self.fanout and batch.readings:
            self.fanout.publish(readings_message(batch))

    def _on_event(self, event: DeviceEvent) -> None:
        self.fanout.publish(event_message(event))


def readings_message(batch: IngestBatch) -> Readings:
    return Readings.model_construct(items=[ReadingItem.of(r) for r in batch.readings])


def event_message(event: DeviceEvent) -> DeviceEventMessage:
    return DeviceEventMessage(device=event.device, kind=event.kind.value, reason=event.reason, time=_iso(event.ts))


def _only(devices: frozenset[str], message: LiveMessage) -> LiveMessage | None:
    """What of *message* a browser that may see only *devices* is sent."""
    if isinstance(message, DeviceEventMessage):
        return message if message.device in devices else None
    mine = [i for i in message.items if i.device in devices]
    return Readings.model_construct(items=mine) if mine else None


@live_router.websocket("/ws/live")
async def live(websocket: WebSocket) -> None:
    """Readings and device events as they happen (a cadre's: their village's devices); the browser only listens."""
    feed: LiveFeed = websocket.app.state.live
    ctx: HubContext = websocket.app.state.ctx
    principal = await ws_admit(websocket, *WATCHERS)
    if principal is None:
        return
    if principal.is_staff:
        subscription = feed.fanout.subscribe()
    else:
        devices = frozenset(d.id for d in ctx.town.devices if sees_device(ctx, principal, d.id))
        subscription = feed.fanout.subscribe(lambda message: _only(devices, message))

    async def opening() -> list[BaseModel]:
        return []

    async def send(message: LiveMessage) -> None:
        await send_model(websocket, message)

    await serve(websocket, subscription, opening, send)
