"""Live dispatch feeds: every change for the centre (/ws/dispatch), a team's own for its phones (/ws/phone).

A feed opens with the whole current state (`hello`), so a phone that was
offline needs no resume: it reconnects and is whole again. A subscriber that
cannot keep up is closed (code 4008) rather than skipped; it reconnects.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import APIRouter, WebSocket

from console.auth import STAFF, WS_NOT_SIGNED_IN, ws_admit
from console.dispatch_schemas import DispatchPublic, EntryPublic
from console.phone import me_of
from console.wsfeed import Subscriber, serve
from hub.context import HubContext
from hub.dispatch.model import DispatchEvent
from hub.users.model import Role

QUEUE_LIMIT = 500
dispatch_feed_router = APIRouter()


@dataclass(frozen=True, slots=True)
class _Outgoing:
    """One event as every feed sends it: serialised once, however many phones hear it."""

    team: str | None
    text: str


class DispatchFeed:
    """Fans stored dispatch events out to the centre and to phones. Loop only."""

    def __init__(self, ctx: HubContext) -> None:
        self.subscribers: set[Subscriber[_Outgoing]] = set()
        self.phones_open: Counter[str] = Counter()  # member → their phones' feeds open now: "online" on the screen
        ctx.bus.subscribe(DispatchEvent, self._on_event)

    def _on_event(self, event: DispatchEvent) -> None:
        if not self.subscribers:
            return
        out = _Outgoing(event.entry.team, orjson.dumps(message(event)).decode())
        for subscriber in self.subscribers:
            subscriber.offer(out)


def message(event: DispatchEvent) -> dict[str, Any]:
    return {"type": "dispatch", "seq": event.entry.seq, "entry": EntryPublic.of(event.entry).model_dump(mode="json"),
            "dispatch": DispatchPublic.of(event.dispatch).model_dump(mode="json") if event.dispatch else None,
            "team": {"id": event.team.team, "status": event.team.status.value} if event.team else None}


async def _serve(websocket: WebSocket, team: str | None, hello: dict[str, Any]) -> None:
    """*team*'s events (None: every team's, for the centre) after the whole current state."""
    feed: DispatchFeed = websocket.app.state.dispatch_feed

    async def opening() -> list[dict[str, Any]]:
        return [hello]

    async def send(out: _Outgoing) -> None:
        await websocket.send_text(out.text)

    subscriber: Subscriber[_Outgoing] = Subscriber(QUEUE_LIMIT, lambda out: team is None or out.team == team)
    await serve(websocket, feed.subscribers, subscriber, opening, send)


@dispatch_feed_router.websocket("/ws/dispatch")
async def centre_feed(websocket: WebSocket) -> None:
    """Every dispatch change and team status, as it is stored: the centre's (admins and duty officers)."""
    ctx: HubContext = websocket.app.state.ctx
    if await ws_admit(websocket, *STAFF) is None:
        return
    book = ctx.dispatch.book
    hello = {"type": "hello", "seq": book.last_seq,
             "dispatches": [DispatchPublic.of(d).model_dump(mode="json") for d in book.active()],
             "teams": {t: s.status.value for t, s in book.teams.items()}}
    await _serve(websocket, None, hello)


@dispatch_feed_router.websocket("/ws/phone")
async def phone_feed(websocket: WebSocket) -> None:
    """A phone's live jobs (its token as ?token=): its team's dispatches and reminders; opens with the whole state."""
    ctx: HubContext = websocket.app.state.ctx
    principal = await ws_admit(websocket, Role.patrol)
    member = ctx.dispatch.roster.members.get(principal.username) if principal else None
    if member is None:
        if principal is not None:
            await websocket.close(WS_NOT_SIGNED_IN, "sign in again")
        return
    hello = {"type": "hello", "me": me_of(ctx, member).model_dump(mode="json")}
    feed: DispatchFeed = websocket.app.state.dispatch_feed
    feed.phones_open[member.id] += 1
    try:
        await _serve(websocket, member.team.id, hello)
    finally:
        feed.phones_open[member.id] -= 1
        if feed.phones_open[member.id] <= 0:
            del feed.phones_open[member.id]
