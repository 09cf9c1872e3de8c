"""The alert feed: every alert transition, numbered, over one WebSocket, with resume.

A console that reconnects with `?since=<last seq>` first receives every
transition it missed (read from the alert store), then the live ones, each
exactly once and in order. Without `since` it gets a snapshot of the open
alerts and the sequence number the snapshot stands at. A console too slow to
keep up is disconnected rather than silently skipped: it reconnects and resumes.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Protocol

from fastapi import APIRouter, Query, WebSocket
from pydantic import BaseModel

from console.alerts.schemas import AlertPublic, AlertSnapshot, AlertsResumed, AlertUpdate, feed_message
from console.auth import WATCHERS, ws_admit
from console.bounds import Seq
from console.fanout import FanOut, Policy
from console.scope import sees_alert
from console.wsfeed import send_model, serve
from hub.alerts.model import Alert, AlertEvent
from hub.alerts.store import FeedEntry
from hub.context import HubContext
from hub.users.model import Principal

QUEUE_LIMIT = 2000
BACKLOG_LIMIT = 5000
alert_feed_router = APIRouter()


class AlertSource(Protocol):
    """Where a console's alert sockets find their feed: the leader's book, or a console process's relay."""

    ctx: HubContext
    fanout: FanOut[AlertEvent]

    async def opening(self, since: int | None, principal: Principal) -> tuple[list[BaseModel], int]:
        """What a console is sent first, and the sequence number it brings it to."""
        ...


class AlertFeed:
    """Fans stored alert events out to every connected console. Loop only."""

    def __init__(self, ctx: HubContext) -> None:
        self.ctx = ctx
        # A transition must not be skipped: a console that falls behind is closed and resumes by seq.
        self.fanout: FanOut[AlertEvent] = FanOut("alert feed", QUEUE_LIMIT, Policy.close)
        self.fanout.keep(ctx.bus.subscribe(AlertEvent, self.fanout.publish))

    async def opening(self, since: int | None, principal: Principal) -> tuple[list[BaseModel], int]:
        if since is not None and (replayed := await replay(self.ctx, since, principal)) is not None:
            return replayed
        book = self.ctx.alerts.book
        return snapshot(self.ctx, principal, book.last_seq, book.open_alerts(), since is not None)


async def replay(ctx: HubContext, since: int, principal: Principal) -> tuple[list[BaseModel], int] | None:
    """The transitions after *since* from the store, as a resumed feed opens; None when they are too many."""
    missed = await asyncio.to_thread(ctx.alerts.store.feed, since, BACKLOG_LIMIT + 1)
    if len(missed) > BACKLOG_LIMIT:
        return None
    last = missed[-1].transition.seq if missed else since
    return resumed(ctx, principal, since, missed), last


def resumed(ctx: HubContext, principal: Principal, since: int, missed: list[FeedEntry]) -> list[BaseModel]:
    """A resumed feed's opening: how many of *missed* the principal sees, then each of them."""
    mine = [e for e in missed if sees_alert(ctx.town, principal, e.alert)]
    return [AlertsResumed(since=since, count=len(mine)), *(feed_message(e, principal.is_staff) for e in mine)]


def snapshot(ctx: HubContext, principal: Principal, seq: int, open_alerts: list[Alert],
             reset: bool) -> tuple[list[BaseModel], int]:
    """A fresh feed's opening: the open alerts the principal sees as of *seq*."""
    alerts = [AlertPublic.of(a) for a in sorted(open_alerts, key=lambda a: a.id) if sees_alert(ctx.town, principal, a)]
    return [AlertSnapshot(seq=seq, alerts=alerts, reset=reset)], seq


@alert_feed_router.websocket("/ws/alerts")
async def alert_feed(websocket: WebSocket,
                     since: Annotated[Seq | None, Query(description="last seq received")] = None) -> None:
    """Alert transitions as they are stored, resumable from a sequence number; a cadre's of their village and
    the basin- and town-wide alerts covering it."""
    feed: AlertSource = websocket.app.state.alert_feed
    principal = await ws_admit(websocket, *WATCHERS)
    if principal is None:
        return
    sent = since or 0  # the last seq the console has: the live feed skips what the opening covered

    async def opening() -> list[BaseModel]:
        nonlocal sent
        messages, sent = await feed.opening(since, principal)
        return messages

    async def send(event: AlertEvent) -> None:
        nonlocal sent
        if not sees_alert(feed.ctx.town, principal, event.alert):
            return
        if event.transition is None:
            await send_model(websocket, AlertUpdate(alert=AlertPublic.of(event.alert)))
        elif event.transition.seq > sent:
            sent = event.transition.seq
            await send_model(websocket, feed_message(FeedEntry(event.transition, event.alert), principal.is_staff))

    await serve(websocket, feed.fanout.subscribe(), opening, send,
                "too slow: reconnect with ?since=<last seq>")
