"""What crosses the link: a town's batch of numbered messages, one ordered stream each, and the county's answer."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.county.config import Stream


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlertUp(Wire):
    """One transition of a town's alert, and the alert as it is after it."""

    kind: Literal["alert"] = "alert"
    town_seq: int = Field(description="the transition's place in the town's own alert trail")
    alert_id: int
    rule: str
    source: str
    title: str
    severity: str
    state: str
    message: str
    action: str  # what the transition did: raise, acknowledge, resolve …
    actor: str
    note: str
    at: float  # when the transition happened
    raised_at: float
    device: str | None = None
    grid: str | None = None
    village: str | None = None
    basin: str | None = None
    device_name: str | None = Field(default=None, description="the station's name, for the warnings downstream")


class RequesterUp(Wire):
    name: str  # masked: the family name only
    phone: str  # masked: 138****1234


class CaseUp(Wire):
    """One step of a town's case, and the case's state and time limit after it."""

    kind: Literal["case"] = "case"
    case_id: int
    number: str
    category: str
    title: str
    state: str
    action: str
    at: float
    created_at: float
    due_at: float | None = None
    limit: str = ""
    overdue: bool = False
    village: str | None = None
    requester: RequesterUp | None = None


class StationUp(Wire):
    """A river station's or rain gauge's latest values, which the county's rivers need."""

    device: str
    name: str
    kind: str
    basin: str | None = None
    values: dict[str, float] = Field(description="water_level (m), water_level_rise (m/h), rainfall_1h, "
                                     "rainfall_24h (mm): those it has")
    at: float | None = Field(default=None, description="time of its newest value")
    warning_level: float | None = None
    guarantee_level: float | None = None


class SummaryUp(Wire):
    """A town's figures at one moment: its open alerts, cases and devices."""

    kind: Literal["summary"] = "summary"
    at: float
    alerts_open: dict[str, int] = Field(description="open alerts by severity")
    cases_open: int
    cases_overdue: int
    devices: dict[str, int] = Field(description="devices by health state: online, offline …")
    stations: list[StationUp] = Field(default_factory=list, description="river stations and rain gauges")


class DirectiveAckUp(Wire):
    """A person at the town acknowledged a county directive."""

    kind: Literal["directive_ack"] = "directive_ack"
    directive_id: int
    by: str  # the name of who acknowledged it, as the town's audit log has it
    at: float


class RoutedCaseUp(Wire):
    """The town's answer to a case the county routed to it, or a later step of the town case it became."""

    kind: Literal["routed_case"] = "routed_case"
    case_id: int = Field(description="the county's case")
    routing: int = Field(description="which routing of it this answers: 1 for the first, 2 after a send-back …")
    action: Literal["accept", "send_back", "step"]
    by: str = Field(description="who at the town, as its audit log names them")
    at: float
    reason: str = Field(default="", description="a send-back's reason; a step's note, masked")
    step: str = Field(default="", description="the town case's trail action: route, start, handle, close …")
    town_case_id: int | None = None
    town_number: str | None = None
    state: str | None = Field(default=None, description="the town case's state after it")
    due_at: float | None = None
    limit: str = ""


class BroadcastReplyUp(Wire):
    """The town's answer to a county broadcast request, and then what its speakers did."""

    kind: Literal["broadcast_reply"] = "broadcast_reply"
    request_id: int
    action: Literal["confirm", "decline", "outcome"]
    by: str
    at: float
    reason: str = ""
    job_id: int | None = Field(default=None, description="the town's broadcast job, once confirmed")
    job_state: str | None = Field(default=None, description="outcome: done, cancelled or expired")
    targeted: int = 0
    played: int = 0
    failed: int = Field(default=0, description="speakers that failed, were offline or were cancelled")


Body = Annotated[AlertUp | CaseUp | SummaryUp | DirectiveAckUp | RoutedCaseUp | BroadcastReplyUp,
                 Field(discriminator="kind")]


class UpstreamSource(Wire):
    """The upstream alert behind a 上游来水 warning: the town below raises its own alert from it, resolved with it."""

    town: str = Field(description="the upstream town's id")
    town_name: str
    alert_id: int = Field(description="the alert's id in the upstream town")
    station: str = Field(description="the station's name (its id when the town did not send a name)")
    basin: str
    severity: str


class DirectiveDown(Wire):
    """A county directive or notice to one town (通知、指令), which a person there acknowledges."""

    id: int = Field(description="the county's number of it, increasing: the town asks for those after its last")
    kind: Literal["directive", "upstream_water", "upstream_water_lifted"] = Field(
        default="directive", description="a person's directive, or the county's warning of water from upstream")
    arrives_at: float | None = Field(default=None, description="upstream water: when it is expected here")
    upstream: UpstreamSource | None = Field(default=None, description="upstream water: the alert it comes from")
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=5000)
    issued_by: str
    issued_at: float


class CaseDown(Wire):
    """A case taken at the county (12345, Open311), routed to one town, which accepts it or sends it back."""

    kind: Literal["case"] = "case"
    case_id: int
    routing: int = Field(ge=1, description="1 for the first routing, one more each time the county routes it again")
    number: str = Field(description="the county's receipt number")
    source: str = Field(description="where the county took it: 12345热线, Open311 and its client …")
    category: str = Field(description="a case category id, as the towns' files have them")
    case_kind: str = Field(default="complaint", description="complaint, help, enquiry, report, suggestion, dispute")
    title: str
    matter: str
    requester_name: str = ""
    requester_phone: str = ""
    address: str = ""
    location: tuple[float, float] | None = None
    village: str | None = None
    urgent: bool = False
    attributes: dict[str, str] = Field(default_factory=dict, description="answers to the category's questions")
    note: str = Field(default="", description="the county officer's note to the town")
    routed_by: str
    routed_at: float
    received_at: float


class BroadcastDown(Wire):
    """A county request for one town's loudspeakers: nothing plays until an officer there confirms it."""

    kind: Literal["broadcast"] = "broadcast"
    request_id: int
    text: str = Field(min_length=1, max_length=2000)
    villages: tuple[str, ...] = Field(default=(), description="village ids; empty: every speaker of the town")
    priority: Literal["routine", "emergency"] = "routine"
    repeat: int = Field(default=1, ge=1, le=20)
    requested_by: str
    requested_at: float


DownBody = Annotated[CaseDown | BroadcastDown, Field(discriminator="kind")]


class DownMessage(Wire):
    """What the county sends one town, numbered per stream from 1: the town asks for those after its last."""

    stream: Literal["cases", "broadcasts"]
    seq: int = Field(ge=1)
    body: DownBody


class LinkMessage(Wire):
    stream: Stream
    seq: int = Field(ge=1, description="this message's place in its stream, from 1, without gaps")
    body: Body


class LinkBatch(Wire):
    """A town's request: the oldest messages its outbox holds, oldest first."""

    town: str = Field(description="the town the messages are from; must be the certificate's")
    backlog: int = Field(ge=0, description="messages the outbox holds, this batch included")
    messages: list[LinkMessage] = Field(max_length=1000)
    directives_after: int = Field(default=0, ge=0, description="the last county directive the town holds")
    down_after: dict[str, int] = Field(default_factory=dict, description="per stream down (cases, broadcasts), "
                                       "the last sequence the town holds")


class LinkAck(Wire):
    """The county's answer: per stream, the last sequence it holds; the town may forget everything up to it."""

    acked: dict[Stream, int]
    stored: int
    repeats: int
    directives: list[DirectiveDown] = Field(default_factory=list, description="the town's directives after "
                                            "directives_after, oldest first")
    down: list[DownMessage] = Field(default_factory=list, description="the town's cases and broadcast requests "
                                    "after down_after, in order per stream")
