"""Live dispatch feeds: every change for the centre (/ws/dispatch), a team's own for its phones (/ws/phone).

A feed opens with the whole current state (`hello`), so a phone that was
offline needs no resume: it reconnects and is whole again; the centre's is
sent the changes numbered after its `hello`. A subscriber that cannot keep up
is closed (code 4008) rather than skipped; it reconnects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from fastapi import APIRouter, WebSocket
from pydantic import BaseModel
from starlette.requests import HTTPConnection

from console.auth import STAFF, WS_NOT_SIGNED_IN, ws_admit
from console.dispatch.phone import Me, me_of
from console.dispatch.schemas import DispatchPublic, EntryPublic
from console.fanout import FanOut, Policy
from console.wsfeed import Opening, serve
from hub.context import HubContext
from hub.dispatch.model import DispatchEvent
from hub.users.model import Principal, Role

QUEUE_LIMIT = 500
dispatch_feed_router = APIRouter()


class TeamBrief(BaseModel):
    id: str
    status: str


class DispatchChange(BaseModel):
    """A stored dispatch event: its trail entry, the dispatch and the team's status as they now are."""

    type: Literal["dispatch"] = "dispatch"
    seq: int
    entry: EntryPublic
    dispatch: DispatchPublic | None
    team: TeamBrief | None


class CentreHello(BaseModel):
    """The centre feed's first message: the active dispatches and every team's status, as of `seq`."""

    type: Literal["hello"] = "hello"
    seq: int
    dispatches: list[DispatchPublic]
    teams: dict[str, str]


class PhoneHello(BaseModel):
    """A phone feed's first message: the member, their team and its jobs."""

    type: Literal["hello"] = "hello"
    me: Me


@dataclass(frozen=True, slots=True)
class _Outgoing:
    """One event as every feed sends it: serialised once, however many phones hear it."""

    seq: int
    team: str | None
    text: str


class DispatchFeed:
    """Fans stored dispatch events out to the centre and to phones; the centre's `hello` by *opening* (by default
    from the book). Loop only."""

    def __init__(self, ctx: HubContext, opening: Opening[CentreHello] | None = None) -> None:
        self.ctx = ctx
        self.opening: Opening[CentreHello] = opening or self._hello
        # Each change is sent once; a phone that falls behind is closed and is whole again from its `hello`.
        self.fanout: FanOut[_Outgoing] = FanOut("dispatch feed", QUEUE_LIMIT, Policy.close)
        self.phones_open: Counter[str] = Counter()  # member → their phones' feeds open now: "online" on the screen
        self.fanout.keep(ctx.bus.subscribe(DispatchEvent, self._on_event))

    def _on_event(self, event: DispatchEvent) -> None:
        if self.fanout:
            self.fanout.publish(_Outgoing(event.entry.seq, event.entry.team, change(event).model_dump_json()))

    async def _hello(self, conn: HTTPConnection, principal: Principal) -> CentreHello:
        book = self.ctx.dispatch.book
        return CentreHello(seq=book.last_seq, dispatches=[DispatchPublic.of(d) for d in book.active()],
                           teams={t: s.status.value for t, s in book.teams.items()})


def change(event: DispatchEvent) -> DispatchChange:
    team = TeamBrief(id=event.team.team, status=event.team.status.value) if event.team else None
    return DispatchChange(seq=event.entry.seq, entry=EntryPublic.of(event.entry),
                          dispatch=DispatchPublic.of(event.dispatch) if event.dispatch else None, team=team)


async def _serve(websocket: WebSocket, team: str | None,
                 hello: Callable[[], Awaitable[CentreHello | PhoneHello]]) -> None:
    """*team*'s events (None: every team's, for the centre) after the whole current state."""
    feed: DispatchFeed = websocket.app.state.dispatch_feed
    after = 0  # the centre's `hello` holds the changes up to its seq

    async def opening() -> list[BaseModel]:
        nonlocal after
        first = await hello()
        after = first.seq if isinstance(first, CentreHello) else 0
        return [first]

    async def send(out: _Outgoing) -> None:
        if out.seq > after:
            await websocket.send_text(out.text)

    def view(out: _Outgoing) -> _Outgoing | None:
        return out if team is None or out.team == team else None

    await serve(websocket, feed.fanout.subscribe(view), opening, send)


@dispatch_feed_router.websocket("/ws/dispatch")
async def centre_feed(websocket: WebSocket) -> None:
    """Every dispatch change and team status, as it is stored: the centre's (admins and duty officers)."""
    feed: DispatchFeed = websocket.app.state.dispatch_feed
    principal = await ws_admit(websocket, *STAFF)
    if principal is None:
        return
    await _serve(websocket, None, lambda: feed.opening(websocket, principal))


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
    hello = PhoneHello(me=me_of(ctx, member))
    feed: DispatchFeed = websocket.app.state.dispatch_feed
    feed.phones_open[member.id] += 1

    async def opening() -> PhoneHello:
        return hello

    try:
        await _serve(websocket, member.team.id, opening)
    finally:
        feed.phones_open[member.id] -= 1
        if feed.phones_open[member.id] <= 0:
            del feed.phones_open[member.id]
