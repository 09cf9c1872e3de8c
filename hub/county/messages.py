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


Body = Annotated[AlertUp | CaseUp | SummaryUp | DirectiveAckUp, Field(discriminator="kind")]


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


class LinkAck(Wire):
    """The county's answer: per stream, the last sequence it holds; the town may forget everything up to it."""

    acked: dict[Stream, int]
    stored: int
    repeats: int
    directives: list[DirectiveDown] = Field(default_factory=list, description="the town's directives after "
                                            "directives_after, oldest first")
