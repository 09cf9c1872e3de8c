"""Work from the county at the town: routed cases to accept or send back, broadcast requests to confirm or decline.

Each is kept as it arrives (numbered by the county per stream; the town's console calls it by that number) with
what the town did with it. Only the first answer counts; each answer, and later each step of the town case an
accepted one became and the outcome of a confirmed broadcast, goes up to the county in order, once.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from hub.county.messages import BroadcastDown, CaseDown


class WorkError(Exception):
    """An answer the item's state does not allow (answered already), or that the town cannot give."""


class Held(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: int  # the county's number of it in its stream down to this town
    received_at: float
    answered_by: str | None = None
    answered_at: float | None = None
    reason: str = ""


class RoutedIn(Held):
    """A case the county routed to this town."""

    case: CaseDown
    state: Literal["waiting", "accepted", "sent_back"] = "waiting"
    town_case_id: int | None = None
    town_number: str | None = None


class BroadcastIn(Held):
    """A county request for this town's loudspeakers."""

    request: BroadcastDown
    state: Literal["waiting", "confirmed", "declined", "done"] = "waiting"
    job_id: int | None = None
    job_state: str | None = None
    targeted: int = 0
    played: int = 0
    failed: int = 0


def county_ref(case: CaseDown) -> str:
    """The town case's source_ref for a routed case: which county case, which routing."""
    return f"county:{case.case_id}/{case.routing}"


def parse_ref(ref: str) -> tuple[int, int] | None:
    """(county case, routing) from a source_ref made by county_ref; None for another."""
    head, _, tail = ref.partition(":")
    case, _, routing = tail.partition("/")
    if head != "county" or not case.isdigit() or not routing.isdigit():
        return None
    return int(case), int(routing)


class CountyWork(Protocol):
    """The town's side of the county's work, as the console sees it; KeyError for one it does not hold."""

    async def routed(self) -> list[RoutedIn]:
        """Routed cases, newest first."""
        ...

    async def accept(self, seq: int, actor: str, category: str | None = None) -> RoutedIn:
        """Make it a town case, accepted, with its time limit; category: the town's, if the county's is unknown."""
        ...

    async def send_back(self, seq: int, actor: str, reason: str) -> RoutedIn: ...

    async def broadcast_requests(self) -> list[BroadcastIn]:
        """Broadcast requests, newest first."""
        ...

    async def confirm(self, seq: int, actor: str) -> BroadcastIn:
        """Start the broadcast: a job of the town's broadcast service."""
        ...

    async def decline(self, seq: int, actor: str, reason: str) -> BroadcastIn: ...
