"""Work the county sends down: cases taken at the county and routed to a town, and broadcast requests.

A county case is routed to one town at a time. The town accepts it (it becomes a town case with its time limit)
or sends it back with a reason; a county officer then routes it again, to the same town or another. Each answer
and each later step of the town case comes back up and is one step of the county case, in the town's order.
A broadcast request waits for the town's officer to confirm or decline it; the outcome of the job follows.
The county's store keeps both (adapters.county.intake_store); these are the rules.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from hub.county.messages import BroadcastDown, BroadcastReplyUp, CaseDown, RoutedCaseUp

TOWN_FINISHED = frozenset({"closed", "rated", "rejected", "merged"})  # town case states that close the county's


class IntakeError(Exception):
    """A step the county case's state does not allow."""


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IntakeState(StrEnum):
    RECEIVED = "received"  # taken at the county, not routed yet
    ROUTED = "routed"  # with a town, which has not answered
    SENT_BACK = "sent_back"  # the town sent it back: to be routed again
    ACCEPTED = "accepted"  # a town case now: town_state follows it
    CLOSED = "closed"  # the town case is finished


class IntakeNew(Model):
    """A case as a county officer registers it (the county's 12345 intake)."""

    source: str = Field(default="12345热线", min_length=1, max_length=100, description="where it came in")
    category: str = Field(min_length=1, max_length=64, description="a case category id of the towns' files")
    case_kind: Literal["enquiry", "help", "complaint", "report", "suggestion", "dispute"] = "complaint"
    title: str = Field(min_length=1, max_length=200)
    matter: str = Field(min_length=1, max_length=4000, description="what the requester says")
    requester_name: str = Field(default="", max_length=50)
    requester_phone: str = Field(default="", max_length=30)
    address: str = Field(default="", max_length=200)
    location: tuple[float, float] | None = Field(default=None, description="lon, lat")
    village: str | None = Field(default=None, max_length=64, description="the village id, when known")
    urgent: bool = False
    attributes: dict[str, str] = Field(default_factory=dict, description="answers to the category's questions")
    received_by: str = Field(min_length=1, max_length=100, description="the county officer who took it")


class IntakeCase(IntakeNew):
    """A county case and where it stands."""

    id: int
    number: str
    received_at: float
    state: IntakeState = IntakeState.RECEIVED
    town: str | None = Field(default=None, description="the town it is routed to now")
    routing: int = Field(default=0, description="how many times it has been routed")
    town_case_id: int | None = None
    town_number: str | None = None
    town_state: str | None = None
    due_at: float | None = None
    limit: str = ""
    updated_at: float


class Step(Model):
    """One step of a county case, with its time and the state it left the case in."""

    seq: int
    action: Literal["receive", "route", "accept", "send_back", "step"]
    by: str
    at: float
    town: str | None = None
    routing: int = 0
    note: str = ""
    state: IntakeState
    town_step: str = ""
    town_state: str | None = None


class CountyIntake(Protocol):
    """The county's cases as an intake channel (Open311) sees them."""

    def take(self, new: IntakeNew, now: float) -> IntakeCase:
        """Register a case; it waits to be routed."""
        ...

    def case(self, case_id: int) -> tuple[IntakeCase, list[Step]]:
        """The case and its steps; KeyError without it."""
        ...

    def cases(self, state: str | None = None, town: str | None = None) -> list[IntakeCase]: ...


def route(case: IntakeCase, town: str, by: str, note: str, now: float, seq: int) -> tuple[IntakeCase, Step, CaseDown]:
    """Send *case* to *town*: received or sent back cases only."""
    if case.state not in (IntakeState.RECEIVED, IntakeState.SENT_BACK):
        raise IntakeError(f"case {case.number} is {case.state.value}: only a new or sent-back case is routed")
    routed = case.model_copy(update={"state": IntakeState.ROUTED, "town": town, "routing": case.routing + 1,
                                     "updated_at": now})
    step = Step(seq=seq, action="route", by=by, at=now, town=town, routing=routed.routing, note=note,
                state=routed.state)
    down = CaseDown(case_id=case.id, routing=routed.routing, number=case.number, source=case.source,
                    category=case.category, case_kind=case.case_kind, title=case.title, matter=case.matter,
                    requester_name=case.requester_name, requester_phone=case.requester_phone, address=case.address,
                    location=case.location, village=case.village, urgent=case.urgent, attributes=case.attributes,
                    note=note, routed_by=by,
                    routed_at=now, received_at=case.received_at)
    return routed, step, down


def answered(case: IntakeCase, town: str, reply: RoutedCaseUp, seq: int) -> tuple[IntakeCase, Step] | None:
    """The case after *town*'s reply; None when the reply is not for the routing the case is on with that town."""
    if case.town != town or case.routing != reply.routing:
        return None
    update: dict[str, object] = {"updated_at": reply.at}
    if reply.action == "send_back":
        if case.state is not IntakeState.ROUTED:
            return None
        update |= {"state": IntakeState.SENT_BACK}
    else:
        if reply.action == "accept" and case.state is not IntakeState.ROUTED:
            return None
        if reply.action == "step" and case.state not in (IntakeState.ACCEPTED, IntakeState.CLOSED):
            return None
        finished = reply.state in TOWN_FINISHED
        update |= {"state": IntakeState.CLOSED if finished else IntakeState.ACCEPTED,
                   "town_case_id": reply.town_case_id, "town_number": reply.town_number, "town_state": reply.state,
                   "due_at": reply.due_at, "limit": reply.limit}
    after = case.model_copy(update=update)
    step = Step(seq=seq, action=reply.action, by=reply.by, at=reply.at, town=town, routing=reply.routing,
                note=reply.reason, state=after.state, town_step=reply.step, town_state=after.town_state)
    return after, step


class BroadcastNew(Model):
    """A county officer's request for some towns' loudspeakers."""

    towns: list[str] = Field(min_length=1, description="town ids")
    text: str = Field(min_length=1, max_length=2000, description="what to say (Mandarin)")
    villages: tuple[str, ...] = Field(default=(), description="village ids (one town only); empty: the whole town")
    priority: Literal["routine", "emergency"] = "routine"
    repeat: int = Field(default=1, ge=1, le=20)
    requested_by: str = Field(min_length=1, max_length=100)


class BroadcastRequest(Model):
    """A broadcast request to one town and what became of it."""

    id: int
    town: str
    request: BroadcastDown
    state: Literal["requested", "confirmed", "declined", "done"] = "requested"
    answered_by: str | None = None
    answered_at: float | None = None
    reason: str = ""
    job_id: int | None = None
    job_state: str | None = None
    targeted: int = 0
    played: int = 0
    failed: int = 0
    finished_at: float | None = None


def broadcast_answered(held: BroadcastRequest, reply: BroadcastReplyUp) -> BroadcastRequest | None:
    """The request after the town's reply; None when the reply does not follow from where it stands."""
    if reply.action in ("confirm", "decline"):
        if held.state != "requested":
            return None
        return held.model_copy(update={"state": "confirmed" if reply.action == "confirm" else "declined",
                                       "answered_by": reply.by, "answered_at": reply.at, "reason": reply.reason,
                                       "job_id": reply.job_id})
    if held.state != "confirmed":
        return None
    return held.model_copy(update={"state": "done", "job_state": reply.job_state, "targeted": reply.targeted,
                                   "played": reply.played, "failed": reply.failed, "finished_at": reply.at})
