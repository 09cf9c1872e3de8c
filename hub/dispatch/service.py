"""The dispatch service: the duty officer's dispatches and the phones' steps, stored, announced, timed.

Every change is made under one lock, stored (with the phone's idempotency key
in the same transaction), then published on the bus as DispatchEvents, which
the console's feeds send to the centre and to the team's phones.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from pathlib import Path

from hub.alerts.model import AlertState
from hub.alerts.service import AlertService
from hub.bus import Bus
from hub.dispatch.book import DispatchBook
from hub.dispatch.members import MemberRef, digest, members, new_secret
from hub.dispatch.model import Dispatch, DispatchEvent, Location, Step, TeamState, TeamStatus
from hub.dispatch.recommend import Recommendation, alert_place, recommend
from hub.dispatch.store import DispatchStore, Replay
from hub.town import Town

log = logging.getLogger(__name__)
TICK_S = 5.0


class DispatchService:
    def __init__(self, town: Town, store: DispatchStore, bus: Bus, clock: Callable[[], float],
                 alerts: AlertService, photos: Path) -> None:
        self.town = town
        self.config = town.dispatch
        self.store = store
        self._bus = bus
        self._clock = clock
        self._alerts = alerts
        self.photos = photos
        self.members = members(town)
        self.book = DispatchBook(town, self.config, clock)
        self._lock = asyncio.Lock()
        self._sessions: dict[str, str] = {}  # token digest → member, so phones do not hit the database
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        active, states, (last_id, last_seq) = await asyncio.to_thread(
            lambda: (self.store.active(), self.store.teams(), self.store.last_ids()))
        self.book = DispatchBook(self.town, self.config, self._clock, active, states, last_id, last_seq)
        self.photos.mkdir(parents=True, exist_ok=True)
        self._task = asyncio.create_task(self._tick(), name="gridhub-dispatch-timers")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    # --- the duty officer -------------------------------------------------------------------------

    async def assign(self, alert_id: int, teams: list[str], instructions: str, actor: str) -> list[Dispatch]:
        alert = self._alerts.book.by_id.get(alert_id)
        if alert is None or not alert.state.is_open:
            raise LookupError(f"no open alert {alert_id}")
        async with self._lock:
            events = self.book.assign(alert_id, teams, instructions, actor)
            await self._commit(events)
        if alert.state is not AlertState.DISPATCHED:
            names = "、".join(t.name for t in self.town.teams if t.id in teams)
            await self._alerts.dispatch(alert_id, actor, f"派出{names}：{instructions}")
        return [e.dispatch for e in events if e.dispatch is not None]

    async def cancel(self, dispatch_id: int, actor: str, reason: str) -> Dispatch:
        async with self._lock:
            event = self.book.cancel(dispatch_id, actor, reason)
            await self._commit([event])
        assert event.dispatch is not None
        return event.dispatch

    async def reassign(self, dispatch_id: int, team: str, actor: str, reason: str) -> Dispatch:
        async with self._lock:
            events = self.book.reassign(dispatch_id, team, actor, reason)
            await self._commit(events)
        assert events[-1].dispatch is not None
        return events[-1].dispatch

    async def set_team_status(self, team: str, status: TeamStatus, actor: str, note: str) -> TeamState:
        async with self._lock:
            event = self.book.set_team_status(team, status, actor, note)
            await self._commit([event])
        assert event.team is not None
        return event.team

    def recommendations(self, alert_id: int) -> list[Recommendation]:
        alert = self._alerts.book.by_id.get(alert_id)
        if alert is None:
            raise LookupError(f"no open or resolved alert {alert_id}")
        target = alert_place(self.town, alert.device, alert.grid)
        return recommend(self.town, self.book.teams, target, self._clock(), self.config.speed_kmh,
                         self.config.location_fresh_min * 60)

    async def login_code(self, member: str) -> tuple[str, float]:
        """A one-time code for *member*'s phone; only its digest is kept."""
        if member not in self.members:
            raise LookupError(f"no member {member!r}")
        code, expires = new_secret(12), self._clock() + self.config.login_code_min * 60
        await asyncio.to_thread(self.store.add_login_code, digest(code), member, expires)
        return code, expires

    # --- the phones -------------------------------------------------------------------------------

    async def sign_in(self, code: str) -> tuple[str, MemberRef]:
        member = await asyncio.to_thread(self.store.take_login_code, digest(code), self._clock())
        if member is None or member not in self.members:
            raise PermissionError("this link is unknown, used or expired: ask the duty officer for a new one")
        token = new_secret(32)
        expires = self._clock() + self.config.session_days * 86400
        await asyncio.to_thread(self.store.add_session, digest(token), member, expires)
        self._sessions[digest(token)] = member
        return token, self.members[member]

    async def member_of(self, token: str) -> MemberRef | None:
        key = digest(token)
        member = self._sessions.get(key) or await asyncio.to_thread(self.store.session, key, self._clock())
        if member is None or member not in self.members:
            return None
        self._sessions[key] = member
        return self.members[member]

    async def step(self, member: MemberRef, key: str, dispatch_id: int, step: Step, note: str,
                   location: Location | None, photo: str | None) -> tuple[str, bool]:
        """Apply a phone's step once per idempotency key: (the answer as JSON, whether it was a replay)."""
        async with self._lock:
            answer = await asyncio.to_thread(self.store.replayed, member.id, key)
            if answer is not None:
                return answer, True
            event = self.book.step(dispatch_id, member.team.id, member.id, step, note, location, photo)
            assert event.dispatch is not None
            answer = json.dumps({"dispatch": event.dispatch.id, "state": event.dispatch.state.value,
                                 "seq": event.entry.seq})
            await self._commit([event], Replay(member.id, key, answer, self._clock()))
        return answer, False

    async def locate(self, member: MemberRef, location: Location) -> None:
        async with self._lock:
            state = self.book.locate(member.team.id, location)
            await asyncio.to_thread(self.store.save, [], [], [state])

    # --- storing and telling ----------------------------------------------------------------------

    async def _commit(self, events: list[DispatchEvent], replay: Replay | None = None) -> None:
        dispatches = {e.dispatch.id: e.dispatch for e in events if e.dispatch is not None}
        teams = {e.team.team: e.team for e in events if e.team is not None}
        await asyncio.to_thread(self.store.save, list(dispatches.values()), [e.entry for e in events],
                                list(teams.values()), replay)
        for event in events:
            self._bus.async_publish(event)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            try:
                async with self._lock:
                    events = self.book.tick()
                    if events:
                        await self._commit(events)
            except Exception:
                log.exception("dispatch timers failed")
