"""The call model: a call, who took part and when, and its audit log."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class CallState(StrEnum):
    OPEN = "open"
    ENDED = "ended"


class Side(StrEnum):
    """Which end of the call someone speaks from: the centre sees every village, a village sees the centre."""

    CENTRE = "centre"  # admins and duty officers
    VILLAGE = "village"  # a village's cadre


class Presence(StrEnum):
    IN = "in"
    LEFT = "left"  # left of their own accord
    DROPPED = "dropped"  # the connection was lost; they may come back
    REMOVED = "removed"  # the centre removed them; they may not come back to this call


class CallAction(StrEnum):
    """What an entry of a call's log did."""

    OPEN = "open"
    INVITE = "invite"
    JOIN = "join"
    REJOIN = "rejoin"  # the same account again, after leaving or a drop
    LEAVE = "leave"
    DROP = "drop"
    REMOVE = "remove"
    SHARE = "share"  # a camera shared into the call
    UNSHARE = "unshare"
    END = "end"


@dataclass(frozen=True, slots=True)
class Participant:
    """One account's part in a call, over however many joins."""

    username: str
    name: str
    side: Side
    village: str | None
    presence: Presence
    first_joined_at: float
    joined_at: float  # the latest join
    left_at: float | None = None
    joins: int = 1
    seconds_before: float = 0.0  # time in the call over the joins that have ended
    audio_muted: bool = False
    video_muted: bool = False

    def seconds_in(self, now: float) -> float:
        """Time spent in the call so far, over every join."""
        return self.seconds_before + (max(0.0, now - self.joined_at) if self.presence is Presence.IN else 0.0)

    def evolve(self, **changes: object) -> Participant:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Call:
    """A dispatch call of the centre with some villages, perhaps about an alert."""

    id: int
    title: str
    state: CallState
    opened_by: str  # the actor, as histories sign it
    opened_at: float
    villages: tuple[str, ...]  # invited: any cadre of these may join
    alert_id: int | None = None
    camera: str | None = None  # the camera shared into the call
    ended_at: float | None = None
    ended_by: str | None = None
    participants: tuple[Participant, ...] = ()

    def participant(self, username: str) -> Participant | None:
        return next((p for p in self.participants if p.username == username), None)

    def present(self) -> list[Participant]:
        return [p for p in self.participants if p.presence is Presence.IN]

    def evolve(self, **changes: object) -> Call:
        return replace(self, **changes)  # type: ignore[arg-type]

    def with_participant(self, participant: Participant) -> Call:
        others = tuple(p for p in self.participants if p.username != participant.username)
        return self.evolve(participants=(*others, participant) if len(others) == len(self.participants)
                           else tuple(participant if p.username == participant.username else p
                                      for p in self.participants))


@dataclass(frozen=True, slots=True)
class CallEntry:
    """One line of a call's log: who did what to whom, when."""

    seq: int
    call_id: int
    action: CallAction
    actor: str
    ts: float
    username: str | None = None  # the participant acted on, if any
    note: str = ""


@dataclass(frozen=True, slots=True)
class CallEvent:
    """What the bus carries: the call after a change, and the log entry (None for a mute, not an audit entry)."""

    call: Call
    entry: CallEntry | None = None
