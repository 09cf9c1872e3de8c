"""Teams' status, dispatches and their audit trail."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class TeamStatus(StrEnum):
    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    RETURNING = "returning"
    UNAVAILABLE = "unavailable"  # off duty


class DispatchState(StrEnum):
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    CLEARED = "cleared"
    CANCELLED = "cancelled"

    @property
    def is_active(self) -> bool:
        return self not in (DispatchState.CLEARED, DispatchState.CANCELLED)


class Step(StrEnum):
    """What a patrol member does with a dispatch from the phone, in this order."""

    ACKNOWLEDGE = "acknowledge"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    CLEAR = "clear"


STEP_STATE = {Step.ACKNOWLEDGE: DispatchState.ACKNOWLEDGED, Step.EN_ROUTE: DispatchState.EN_ROUTE,
              Step.ON_SCENE: DispatchState.ON_SCENE, Step.CLEAR: DispatchState.CLEARED}
STEP_TEAM_STATUS = {Step.ACKNOWLEDGE: TeamStatus.DISPATCHED, Step.EN_ROUTE: TeamStatus.EN_ROUTE,
                    Step.ON_SCENE: TeamStatus.ON_SCENE, Step.CLEAR: TeamStatus.RETURNING}
ORDER = list(DispatchState)


@dataclass(frozen=True, slots=True)
class Location:
    lon: float
    lat: float
    ts: float
    accuracy_m: float | None = None


@dataclass(frozen=True, slots=True)
class Dispatch:
    """One team sent to one alert, with instructions, and where the job stands."""

    id: int
    alert_id: int
    team: str
    instructions: str
    state: DispatchState
    created_by: str
    created_at: float
    updated_at: float
    acknowledged_at: float | None = None
    en_route_at: float | None = None
    on_scene_at: float | None = None
    cleared_at: float | None = None
    cancelled_at: float | None = None
    reason: str = ""  # why it was cancelled or reassigned
    reminded: bool = False  # the team was alerted again for want of an acknowledgement
    escalated: bool = False  # ... and then the duty officer was told

    def evolve(self, **changes: object) -> Dispatch:
        return replace(self, **changes)  # type: ignore[arg-type]


class Action(StrEnum):
    """Entries of the dispatch audit trail."""

    ASSIGN = "assign"
    ACKNOWLEDGE = "acknowledge"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    CLEAR = "clear"
    REMIND = "remind"
    ESCALATE = "escalate"
    CANCEL = "cancel"
    REASSIGN = "reassign"
    TEAM_STATUS = "team_status"
    TEAM_EDIT = "team_edit"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Entry:
    """Who did what to which dispatch (or team), when, with a note, a fix and a photo."""

    seq: int
    action: Action
    actor: str  # a member id (T01.2), a duty officer's name, or "system"
    ts: float
    dispatch_id: int | None = None
    team: str | None = None
    note: str = ""
    location: Location | None = None
    photo: str | None = None


@dataclass(frozen=True, slots=True)
class TeamState:
    team: str
    status: TeamStatus
    since: float
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class DispatchEvent:
    """On the bus after it is stored: the entry and the dispatch and team as they are now."""

    entry: Entry
    dispatch: Dispatch | None
    team: TeamState | None
