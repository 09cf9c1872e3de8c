"""The dispatch book: dispatches and team states, the rules of their steps, and the acknowledgement timers.

Pure state on the event loop, like the alert book: every change returns the
events to store and announce; times come from the injected clock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from hub.alerts.ids import Ids
from hub.dispatch.config import DispatchConfig
from hub.dispatch.model import (
    ORDER,
    STEP_STATE,
    STEP_TEAM_STATUS,
    Action,
    Dispatch,
    DispatchEvent,
    DispatchState,
    Entry,
    Location,
    Step,
    TeamState,
    TeamStatus,
)
from hub.town import Town

SYSTEM = "system"
TRAIL_FIXES = 240  # per team: two hours of a phone sharing its position every 30 s
_STEP_ACTION = {Step.ACKNOWLEDGE: Action.ACKNOWLEDGE, Step.EN_ROUTE: Action.EN_ROUTE,
                Step.ON_SCENE: Action.ON_SCENE, Step.CLEAR: Action.CLEAR}
_STEP_TIME = {Step.ACKNOWLEDGE: "acknowledged_at", Step.EN_ROUTE: "en_route_at", Step.ON_SCENE: "on_scene_at",
              Step.CLEAR: "cleared_at"}


class DispatchError(Exception):
    """An action that does not apply (wrong team, wrong order, missing note or fix)."""


class DispatchBook:
    def __init__(self, town: Town, config: DispatchConfig, clock: Callable[[], float],
                 dispatches: Iterable[Dispatch] = (), teams: Iterable[TeamState] = (),
                 last_id: int = 0, last_seq: int = 0, ids: Ids | None = None, seqs: Ids | None = None) -> None:
        self.config = config
        self._clock = clock
        self.team_ids = [t.id for t in town.teams]
        now = clock()
        self.teams: dict[str, TeamState] = {t: TeamState(t, TeamStatus.AVAILABLE, now) for t in self.team_ids}
        self.teams |= {t.team: t for t in teams if t.team in self.teams}
        self.dispatches: dict[int, Dispatch] = {d.id: d for d in dispatches}
        # The positions phones shared, newest last: in memory only, for the screen to draw a job's track (steps
        # keep their own fixes in the log); a restart starts them afresh.
        self.trails: dict[str, deque[Location]] = {}
        # From the database in a running hub (hub/alerts/ids.py); counted in memory without one.
        self._ids = ids or Ids.counting(last_id)
        self._seqs = seqs or Ids.counting(last_seq)

    @property
    def last_seq(self) -> int:
        """The newest log entry's number."""
        return self._seqs.last

    def next_seq(self) -> int:
        """A new log entry's number."""
        return self._seqs.take()

    def active(self, team: str | None = None, alert_id: int | None = None) -> list[Dispatch]:
        return [d for d in self.dispatches.values() if d.state.is_active
                and (team is None or d.team == team) and (alert_id is None or d.alert_id == alert_id)]

    # --- the duty officer ---------------------------------------------------------------------------

    def assign(self, alert_id: int, teams: Iterable[str], instructions: str, actor: str) -> list[DispatchEvent]:
        events: list[DispatchEvent] = []
        for team in dict.fromkeys(teams):
            self._team(team)
            if any(d.alert_id == alert_id for d in self.active(team)):
                raise DispatchError(f"team {team} already has an active dispatch for alert {alert_id}")
        now = self._clock()
        for team in dict.fromkeys(teams):
            dispatch = Dispatch(self._ids.take(), alert_id, team, instructions, DispatchState.ASSIGNED, actor, now, now)
            events.append(self._record(dispatch, Action.ASSIGN, actor, now, instructions,
                                       team_status=TeamStatus.DISPATCHED))
        return events

    def cancel(self, dispatch_id: int, actor: str, reason: str) -> DispatchEvent:
        dispatch = self._active(dispatch_id)
        now = self._clock()
        dispatch = dispatch.evolve(state=DispatchState.CANCELLED, cancelled_at=now, reason=reason)
        others = [d for d in self.active(dispatch.team) if d.id != dispatch_id]
        return self._record(dispatch, Action.CANCEL, actor, now, reason,
                            team_status=None if others else TeamStatus.AVAILABLE)

    def reassign(self, dispatch_id: int, team: str, actor: str, reason: str) -> list[DispatchEvent]:
        old = self._active(dispatch_id)
        self._team(team)
        if team == old.team:
            raise DispatchError(f"dispatch {dispatch_id} is already with team {team}")
        cancelled = self.cancel(dispatch_id, actor, f"改派{team}：{reason}")
        return [cancelled, *self.assign(old.alert_id, [team], old.instructions, actor)]

    def set_team_status(self, team: str, status: TeamStatus, actor: str, note: str) -> DispatchEvent:
        state = self._team(team)
        if status in (TeamStatus.AVAILABLE, TeamStatus.UNAVAILABLE) and self.active(team):
            raise DispatchError(f"team {team} still has active dispatches: clear or cancel them first")
        seq = self._seqs.take()  # first: it may fail (no number in hand, the store down) and change nothing
        now = self._clock()
        self.teams[team] = TeamState(team, status, now, state.location)
        entry = Entry(seq, Action.TEAM_STATUS, actor, now, team=team, note=note or status.value)
        return DispatchEvent(entry, None, self.teams[team])

    # --- the patrol member --------------------------------------------------------------------------

    def step(self, dispatch_id: int, team: str, actor: str, step: Step, note: str = "",
             location: Location | None = None, photo: str | None = None) -> DispatchEvent:
        dispatch = self._active(dispatch_id)
        if dispatch.team != team:
            raise PermissionError(f"dispatch {dispatch_id} belongs to another team")
        target = STEP_STATE[step]
        if ORDER.index(target) <= ORDER.index(dispatch.state):
            raise DispatchError(f"dispatch {dispatch_id} is already {dispatch.state.value}")
        if step in self.config.note_required and not note.strip():
            raise DispatchError(f"{step.value} needs a note")
        if step in self.config.location_required and location is None:
            raise DispatchError(f"{step.value} needs a GPS fix")
        now = self._clock()
        times = {_STEP_TIME[s]: now for s in Step
                 if ORDER.index(STEP_STATE[s]) <= ORDER.index(target) and getattr(dispatch, _STEP_TIME[s]) is None}
        dispatch = dispatch.evolve(state=target, **times)
        if location is not None:
            self.locate(team, location)
        return self._record(dispatch, _STEP_ACTION[step], actor, now, note, location, photo,
                            team_status=STEP_TEAM_STATUS[step])

    def locate(self, team: str, location: Location) -> TeamState:
        """A phone's position: kept as the team's last known location (not an audit entry)."""
        state = self._team(team)
        if state.location is None or location.ts >= state.location.ts:
            self.teams[team] = TeamState(team, state.status, state.since, location)
            self.trails.setdefault(team, deque(maxlen=TRAIL_FIXES)).append(location)
        return self.teams[team]

    def trail(self, team: str, since: float, until: float | None = None) -> list[Location]:
        """The positions *team*'s phones shared from *since* to *until* (or now), oldest first."""
        return [f for f in self.trails.get(team, ()) if f.ts >= since and (until is None or f.ts <= until)]

    # --- timers -------------------------------------------------------------------------------------

    def tick(self) -> list[DispatchEvent]:
        """Remind a team that has not acknowledged; then tell the duty officer."""
        now, limit = self._clock(), self.config.acknowledge_within_min * 60
        events: list[DispatchEvent] = []
        for d in self.active():
            waited = now - d.created_at
            if d.state is not DispatchState.ASSIGNED:
                continue
            if not d.reminded and waited >= limit:
                events.append(self._record(d.evolve(reminded=True), Action.REMIND, SYSTEM, now,
                                           f"{waited / 60:.0f} 分钟未确认，再次提醒队员"))
            elif d.reminded and not d.escalated and waited >= 2 * limit:
                events.append(self._record(d.evolve(escalated=True), Action.ESCALATE, SYSTEM, now,
                                           f"{waited / 60:.0f} 分钟仍未确认，请值班员电话联系"))
        return events

    # --- helpers ------------------------------------------------------------------------------------

    def _team(self, team: str) -> TeamState:
        if team not in self.teams:
            raise KeyError(f"no team {team!r}")
        return self.teams[team]

    def _active(self, dispatch_id: int) -> Dispatch:
        dispatch = self.dispatches.get(dispatch_id)
        if dispatch is None:
            raise KeyError(f"no dispatch {dispatch_id}")
        if not dispatch.state.is_active:
            raise DispatchError(f"dispatch {dispatch_id} is {dispatch.state.value}")
        return dispatch

    def _record(self, dispatch: Dispatch, action: Action, actor: str, now: float, note: str = "",
                location: Location | None = None, photo: str | None = None,
                team_status: TeamStatus | None = None) -> DispatchEvent:
        seq = self._seqs.take()  # first: it may fail and change nothing
        dispatch = dispatch.evolve(updated_at=now)
        self.dispatches[dispatch.id] = dispatch
        if team_status is not None:
            old = self.teams[dispatch.team]
            self.teams[dispatch.team] = TeamState(dispatch.team, team_status, now, old.location)
        entry = Entry(seq, action, actor, now, dispatch.id, dispatch.team, note, location, photo)
        return DispatchEvent(entry, dispatch, self.teams[dispatch.team])
