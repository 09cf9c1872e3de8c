"""The dispatch service: the duty officer's dispatches and the phones' steps, stored, announced, timed.

Every change is made under one lock, stored (with the phone's idempotency key
in the same transaction), then published on the bus as DispatchEvents, which
the console's feeds send to the centre and to the team's phones.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path

from hub.alerts.ids import Ids
from hub.alerts.model import AlertState
from hub.alerts.service import AlertService
from hub.alerts.store import StaleWrite
from hub.bus import Bus
from hub.dispatch.book import DispatchBook
from hub.dispatch.members import MemberRef, digest, new_secret
from hub.dispatch.model import Action, Dispatch, DispatchEvent, Entry, Location, Step, TeamState, TeamStatus
from hub.dispatch.recommend import Recommendation, alert_place, recommend
from hub.dispatch.roster import Roster, TeamEdits
from hub.dispatch.store import DispatchStore, PhoneSession, Replay
from hub.ledger import Ledger
from hub.town import Member, Town

log = logging.getLogger(__name__)
TICK_S = 5.0
SPARE_SEQS = 16
SWEEP_FROM = 256  # phone sessions cached before the expired are looked for


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
        self.roster = Roster(town, {})
        self.book = DispatchBook(town, self.config, clock)
        self._ledger: Ledger[DispatchEvent] = Ledger(bus, "dispatch")
        self._sessions: dict[str, PhoneSession] = {}  # by token digest, so phones do not hit the database
        self._sweep_at = SWEEP_FROM  # sessions held when the expired are next dropped
        self._ids: tuple[Ids, Ids] = (Ids.counting(), Ids.counting())
        self.stale_writes = 0
        # Another process wrote a dispatch this one was about to overwrite: the hub must stop. (A failing write is
        # not retried here: the action that made it fails, and its caller is told.)
        self.failed = asyncio.Event()

    async def start(self) -> None:
        active, states, (last_id, last_seq), edits = await asyncio.to_thread(
            lambda: (self.store.active(), self.store.teams(), self.store.last_ids(), self.store.team_edits()))
        self.roster = Roster(self.town, {t: TeamEdits.model_validate_json(e) for t, e in edits.items()})
        # Dispatch ids are reserved one at a time, as a dispatch is made, so that they stay in a row; log numbers
        # a few ahead, topped up after each commit.
        self._ids = (Ids(lambda n: self.store.reserve_ids("dispatch", n), 1, last_id),
                     Ids(lambda n: self.store.reserve_ids("dispatch_seq", n), SPARE_SEQS, last_seq))
        await self._ids[1].top_up()
        self.book = DispatchBook(self.town, self.config, self._clock, active, states, ids=self._ids[0],
                                 seqs=self._ids[1])
        self.photos.mkdir(parents=True, exist_ok=True)
        self._ledger.start_timers(TICK_S, self.book.tick, self._commit)

    async def stop(self) -> None:
        await self._ledger.stop()

    # --- the duty officer -------------------------------------------------------------------------

    async def assign(self, alert_id: int, teams: list[str], instructions: str, actor: str) -> list[Dispatch]:
        alert = self._alerts.book.by_id.get(alert_id)
        if alert is None or not alert.state.is_open:
            raise LookupError(f"no open alert {alert_id}")
        async with self._ledger.lock:
            await self._ids[0].top_up()
            events = self.book.assign(alert_id, teams, instructions, actor)
            await self._commit(events)
        if alert.state is not AlertState.DISPATCHED:
            names = "、".join(self.roster.teams[t].name for t in dict.fromkeys(teams))
            await self._alerts.dispatch(alert_id, actor, f"派出{names}：{instructions}")
        return [e.dispatch for e in events if e.dispatch is not None]

    async def cancel(self, dispatch_id: int, actor: str, reason: str) -> Dispatch:
        async with self._ledger.lock:
            event = self.book.cancel(dispatch_id, actor, reason)
            await self._commit([event])
        assert event.dispatch is not None
        return event.dispatch

    async def reassign(self, dispatch_id: int, team: str, actor: str, reason: str) -> Dispatch:
        async with self._ledger.lock:
            await self._ids[0].top_up()
            events = self.book.reassign(dispatch_id, team, actor, reason)
            await self._commit(events)
        assert events[-1].dispatch is not None
        return events[-1].dispatch

    async def set_team_status(self, team: str, status: TeamStatus, actor: str, note: str) -> TeamState:
        async with self._ledger.lock:
            event = self.book.set_team_status(team, status, actor, note)
            await self._commit([event])
        assert event.team is not None
        return event.team

    def recommendations(self, alert_id: int) -> list[Recommendation]:
        alert = self._alerts.book.by_id.get(alert_id)
        if alert is None:
            raise LookupError(f"no open or resolved alert {alert_id}")
        target = alert_place(self.town, alert.device, alert.grid)
        return recommend(self.town, list(self.roster.teams.values()), self.book.teams, target, self._clock(),
                         self.config.speed_kmh, self.config.location_fresh_min * 60)

    async def login_code(self, member: str) -> tuple[str, float]:
        """A one-time code for *member*'s phone; only its digest is kept."""
        if member not in self.roster.members:
            raise LookupError(f"no member {member!r}")
        code, expires = new_secret(12), self._clock() + self.config.login_code_min * 60
        await asyncio.to_thread(self.store.add_login_code, digest(code), member, expires)
        return code, expires

    async def edit_team(self, team: str, actor: str, name: str | None = None, base_grid: str | None = None,
                        add: Member | None = None, leaves: str | None = None) -> str | None:
        """Rename a team, move its base, add a member (their new id) or take one off (signed out everywhere)."""
        if team not in self.roster.teams:
            raise LookupError(f"no team {team!r}")
        if base_grid is not None and base_grid not in self.town.grids():
            raise LookupError(f"no grid {base_grid!r}")
        edits, new_id, notes = self.roster.edits[team], None, []
        if name or base_grid:
            edits = edits.model_copy(update={"name": name or edits.name, "base_grid": base_grid or edits.base_grid})
            notes.append(f"队名/驻地：{name or ''} {base_grid or ''}".strip())
        if add is not None:
            new_id = f"{team}.{self.roster.next_number(team)}"
            edits = edits.model_copy(update={"added": (*edits.added, add)})
            notes.append(f"新增队员 {add.name}（{new_id}）")
        if leaves is not None:
            if self.roster.members.get(leaves) is None or self.roster.members[leaves].team.id != team:
                raise LookupError(f"no member {leaves!r} in team {team}")
            edits = edits.model_copy(update={"left": (*edits.left, int(leaves.rsplit(".", 1)[1]))})
            notes.append(f"队员 {self.roster.members[leaves].member.name}（{leaves}）离队")
        async with self._ledger.lock:
            entry = Entry(self.book.next_seq(), Action.TEAM_EDIT, actor, self._clock(), team=team,
                          note="；".join(notes))
            await asyncio.to_thread(self.store.save_team_edits, team, edits.model_dump_json(), entry)
            if leaves is not None:
                await asyncio.to_thread(self.store.end_sessions, leaves)
                self._sessions = {k: s for k, s in self._sessions.items() if s.member != leaves}
            self.roster.edit(team, edits)
            self._bus.async_publish(DispatchEvent(entry, None, self.book.teams[team]))
        return new_id

    # --- the phones -------------------------------------------------------------------------------

    async def sign_in(self, code: str) -> tuple[str, MemberRef]:
        member = await asyncio.to_thread(self.store.take_login_code, digest(code), self._clock())
        if member is None or member not in self.roster.members:
            raise PermissionError("this link is unknown, used or expired: ask the duty officer for a new one")
        token = new_secret(32)
        expires = self._clock() + self.config.session_days * 86400
        await asyncio.to_thread(self.store.add_session, digest(token), member, expires)
        self._keep(digest(token), PhoneSession(member, expires))
        return token, self.roster.members[member]

    async def signed_in(self, team: str) -> dict[str, tuple[int, float]]:
        """The team's members with a phone signed in: how many phones, and when the latest signed in."""
        members = [m.id for m in self.roster.of_team(team)]
        found = await asyncio.to_thread(self.store.signed_in, members, self._clock())
        days = self.config.session_days * 86400
        return {m: (count, latest - days) for m, (count, latest) in found.items()}

    async def member_of(self, token: str) -> MemberRef | None:
        """The member whose phone holds *token*; None once its session has expired (or for no session)."""
        key, now = digest(token), self._clock()
        session = self._sessions.get(key)
        if session is None or session.expires <= now:
            self._sessions.pop(key, None)
            session = await asyncio.to_thread(self.store.session, key, now)
        if session is None or session.member not in self.roster.members:
            return None
        self._keep(key, session)
        return self.roster.members[session.member]

    def _keep(self, key: str, session: PhoneSession) -> None:
        """Cache *session*; once the cache has doubled, drop the expired ones, so it holds only live sessions."""
        self._sessions[key] = session
        if len(self._sessions) >= self._sweep_at:
            now = self._clock()
            self._sessions = {k: s for k, s in self._sessions.items() if s.expires > now}
            self._sweep_at = max(SWEEP_FROM, 2 * len(self._sessions))

    async def step(self, member: MemberRef, key: str, dispatch_id: int, step: Step, note: str,
                   location: Location | None, photo: str | None) -> tuple[str, bool]:
        """Apply a phone's step once per idempotency key: (the answer as JSON, whether it was a replay)."""
        async with self._ledger.lock:
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
        async with self._ledger.lock:
            state = self.book.locate(member.team.id, location)
            try:
                await asyncio.to_thread(self.store.save, [], [], [state])
            except StaleWrite as exc:
                self._stale(exc)
                raise

    # --- storing and telling ----------------------------------------------------------------------

    def _stale(self, exc: StaleWrite) -> None:
        self.stale_writes += 1
        log.critical("dispatch store: %s; another process leads now, so this one stops writing", exc)
        self.failed.set()

    async def _commit(self, events: list[DispatchEvent], replay: Replay | None = None) -> None:
        dispatches = {e.dispatch.id: e.dispatch for e in events if e.dispatch is not None}
        teams = {e.team.team: e.team for e in events if e.team is not None}
        try:
            await self._ledger.commit(events, lambda: self.store.save(
                list(dispatches.values()), [e.entry for e in events], list(teams.values()), replay))
        except StaleWrite as exc:
            self._stale(exc)
            raise
        try:
            await self._ids[1].top_up()
        except Exception as exc:  # stored all the same; the next change reserves on the spot
            log.warning("dispatch: reserving log numbers failed (%s)", exc)
