"""The dispatch store interface: dispatches, their audit trail, team states, phone sign-ins, replayed actions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from hub.dispatch.model import Dispatch, DispatchState, Entry, TeamState


@dataclass(frozen=True, slots=True)
class DispatchQuery:
    alert_id: int | None = None
    team: str | None = None
    states: tuple[DispatchState, ...] = ()
    limit: int = 200


@dataclass(frozen=True, slots=True)
class Replay:
    """A phone action's idempotency key and the answer it got, kept with the change it made."""

    member: str
    key: str
    answer: str
    ts: float


@dataclass(frozen=True, slots=True)
class PhoneSession:
    """Whose phone a token signs in, and until when."""

    member: str
    expires: float


class DispatchStore(Protocol):
    def save(self, dispatches: Sequence[Dispatch], entries: Sequence[Entry], teams: Sequence[TeamState],
             replay: Replay | None = None) -> None:
        """Upsert dispatches and team states, append entries and remember *replay*, in one transaction; StaleWrite
        if a dispatch changed in the store since this store last read or wrote it."""

    def active(self) -> list[Dispatch]: ...

    def teams(self) -> list[TeamState]: ...

    def last_ids(self) -> tuple[int, int]:
        """The highest dispatch id and entry seq stored so far."""

    def reserve_ids(self, counter: str, count: int) -> list[int]:
        """*count* new numbers of *counter* (dispatch, dispatch_seq) that no process was or will be handed."""

    def find(self, query: DispatchQuery) -> list[Dispatch]: ...

    def get(self, dispatch_id: int) -> Dispatch | None: ...

    def entries(self, dispatch_id: int | None = None, team: str | None = None, limit: int = 500) -> list[Entry]: ...

    def with_photo(self, photo_id: str) -> list[Dispatch]:
        """The dispatches whose log lists the photo (a phone's step that sent it)."""

    def add_login_code(self, code_hash: str, member: str, expires: float) -> None: ...

    def take_login_code(self, code_hash: str, now: float) -> str | None:
        """The member a one-time code signs in, once; None when unknown, used or expired."""

    def add_session(self, token_hash: str, member: str, expires: float) -> None: ...

    def session(self, token_hash: str, now: float) -> PhoneSession | None: ...

    def signed_in(self, members: Sequence[str], now: float) -> dict[str, tuple[int, float]]:
        """Of *members*, those with a phone signed in: how many phones, and when the latest session ends."""

    def replayed(self, member: str, key: str) -> str | None:
        """The stored answer to an action already applied under this idempotency key."""

    def team_edits(self) -> dict[str, str]:
        """Each edited team's TeamEdits as JSON."""

    def save_team_edits(self, team: str, edits: str, entry: Entry) -> None: ...

    def end_sessions(self, member: str) -> None:
        """Sign *member* out on every phone."""

    def close(self) -> None: ...
