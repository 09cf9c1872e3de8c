"""The broadcast feed (/ws/broadcast): a snapshot of the unfinished jobs, then every job update.

It first sends the unfinished jobs with their summaries, then one `job`
message per job and step with the receipts that changed. A browser that falls
behind loses the oldest messages (told in a `dropped` message) and re-reads the
job from REST: receipts are state, not events.
"""

from __future__ import annotations

from fastapi import APIRouter, WebSocket
from starlette.requests import HTTPConnection

from console.auth import STAFF, ws_admit
from console.broadcast.schemas import BroadcastSnapshot, JobPublic, JobUpdate, ReceiptPublic
from console.fanout import FanOut, Policy
from console.wsfeed import Opening, send_model, serve
from hub.broadcast.model import BroadcastUpdate
from hub.context import HubContext
from hub.users.model import Principal

QUEUE_LIMIT = 1000
broadcast_feed_router = APIRouter()


class BroadcastFeed:
    """Fans broadcast updates out to every connected browser; its snapshot by *opening* (by default from the
    broadcast service's memory). Loop only."""

    def __init__(self, ctx: HubContext, opening: Opening[BroadcastSnapshot] | None = None) -> None:
        self.ctx = ctx
        self.opening: Opening[BroadcastSnapshot] = opening or self._snapshot
        # Receipts are state the browser can re-read from REST: one that falls behind loses the oldest updates.
        self.fanout: FanOut[JobUpdate] = FanOut("broadcast feed", QUEUE_LIMIT, Policy.drop_oldest)
        self.fanout.keep(ctx.bus.subscribe(BroadcastUpdate, self._on_update))

    def _on_update(self, update: BroadcastUpdate) -> None:
        if self.fanout:
            self.fanout.publish(JobUpdate(job=JobPublic.of(update.job, update.summary),
                                          receipts=[ReceiptPublic.of(r) for r in update.receipts]))

    async def _snapshot(self, conn: HTTPConnection, principal: Principal) -> BroadcastSnapshot:
        service = self.ctx.broadcast
        live = [] if service is None else [
            JobPublic.of(j, service.summary(j)) for j in service.engine.jobs.values() if not j.state.is_final]
        return BroadcastSnapshot(jobs=live)


@broadcast_feed_router.websocket("/ws/broadcast")
async def broadcast_feed(websocket: WebSocket) -> None:
    """A snapshot of unfinished jobs, then every job update with its changed receipts."""
    feed: BroadcastFeed = websocket.app.state.broadcast_feed
    principal = await ws_admit(websocket, *STAFF)
    if principal is None:
        return

    async def opening() -> list[BroadcastSnapshot]:
        return [await feed.opening(websocket, principal)]

    async def send(update: JobUpdate) -> None:
        await send_model(websocket, update)

    await serve(websocket, feed.fanout.subscribe(), opening, send)
