"""The live case feed (/ws/cases): every stored change of a case, as the REST list shows it to the caller.

It opens with the open cases the caller may see and the hub's clock (`snapshot`), so a console that was
away needs no resume: it reconnects and is whole again. The scope is the REST routes' (`sees`): a village
cadre hears of their village's cases and of those routed to it; when a change takes a case they were
shown out of their scope (reassigned elsewhere) they are told it is gone, never what became of it. Cases
are masked as the lists mask them for every role. A console that cannot keep up is closed (4008), not skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, WebSocket
from pydantic import BaseModel
from starlette.requests import HTTPConnection

from console.auth import WATCHERS, ws_admit
from console.cases.schemas import CasePublic, EntryPublic
from console.cases.scope import public
from console.fanout import FanOut, Policy
from console.schemas import at
from console.wsfeed import Opening, send_model, serve
from hub.cases.model import Case, CaseEvent
from hub.cases.privacy import sees
from hub.context import HubContext
from hub.users.model import Principal

QUEUE_LIMIT = 1000
case_feed_router = APIRouter()


class CaseSnapshot(BaseModel):
    """The first message: the open cases in the caller's scope, as of `seq`, and the hub's clock then."""

    type: Literal["snapshot"] = "snapshot"
    seq: int
    now: datetime
    cases: list[CasePublic]


class CaseChange(BaseModel):
    """A stored change: the trail's entry (its note masked) and the case as it now is."""

    type: Literal["case"] = "case"
    seq: int
    entry: EntryPublic
    case: CasePublic


class CaseGone(BaseModel):
    """A case this console was shown has left its scope."""

    type: Literal["case_gone"] = "case_gone"
    seq: int
    id: int


@dataclass(frozen=True, slots=True)
class _Outgoing:
    """One change as every console is sent it: serialised once, however many listen."""

    seq: int
    case: Case
    text: str


class CaseFeed:
    """Fans stored case events out to every connected console; its snapshot by *opening* (by default from the
    book). Loop only."""

    def __init__(self, ctx: HubContext, opening: Opening[CaseSnapshot] | None = None) -> None:
        self.ctx = ctx
        self.opening: Opening[CaseSnapshot] = opening or self._snapshot
        # A skipped change would leave a console's list wrong: one that falls behind is closed and re-snapshots.
        self.fanout: FanOut[_Outgoing] = FanOut("case feed", QUEUE_LIMIT, Policy.close)
        self.fanout.keep(ctx.bus.subscribe(CaseEvent, self._on_event))

    def _on_event(self, event: CaseEvent) -> None:
        if not self.fanout:
            return
        change = CaseChange(seq=event.entry.seq, entry=EntryPublic.of(event.entry), case=public(self.ctx, event.case))
        self.fanout.publish(_Outgoing(event.entry.seq, event.case, change.model_dump_json()))

    async def _snapshot(self, conn: HTTPConnection, principal: Principal) -> CaseSnapshot:
        return snapshot(self.ctx, principal)


def snapshot(ctx: HubContext, principal: Principal) -> CaseSnapshot:
    """The open cases *principal* may see, oldest first."""
    book = ctx.cases.book
    cases = [public(ctx, c) for c in sorted(book.cases.values(), key=lambda c: c.id) if sees(principal, c)]
    return CaseSnapshot(seq=book.last_seq, now=at(ctx.clock()), cases=cases)


@case_feed_router.websocket("/ws/cases")
async def case_feed(websocket: WebSocket) -> None:
    """Case changes as they are stored, after a snapshot of the open cases; a cadre's of their village."""
    feed: CaseFeed = websocket.app.state.case_feed
    principal = await ws_admit(websocket, *WATCHERS)
    if principal is None:
        return
    shown: set[int] = set()  # the cases this console has been sent: it is told when one leaves its scope
    sent = 0  # the snapshot's seq: changes it already holds are not sent again

    async def opening() -> list[CaseSnapshot]:
        nonlocal sent
        first = await feed.opening(websocket, principal)
        sent = first.seq
        shown.update(c.id for c in first.cases)
        return [first]

    async def send(out: _Outgoing) -> None:
        if out.seq <= sent:
            return
        if sees(principal, out.case):
            shown.add(out.case.id)
            await websocket.send_text(out.text)
        elif out.case.id in shown:
            shown.discard(out.case.id)
            await send_model(websocket, CaseGone(seq=out.seq, id=out.case.id))

    await serve(websocket, feed.fanout.subscribe(), opening, send)
