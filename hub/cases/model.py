"""Cases, where they stand, who handles them, and their audit trail."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


class CaseState(StrEnum):
    """The closed loop of 12345 hotlines and digital city management, plus the ways out of it."""

    RECEIVED = "received"  # taken in, not yet looked at
    ACCEPTED = "accepted"  # the centre takes it on (受理): the time limit starts
    ROUTED = "routed"  # sent to a lead unit, with assisting units (分流)
    HANDLING = "handling"  # the lead unit is on it
    HANDLED = "handled"  # the unit reports it done (办结), waiting for the centre to check
    VERIFIED = "verified"  # the centre checked the result (核查)
    CLOSED = "closed"  # filed (结案)
    RATED = "rated"  # the requester gave their satisfaction (评价)
    REJECTED = "rejected"  # not taken on (不予受理), with the reason
    MERGED = "merged"  # a duplicate, folded into another case

    @property
    def is_open(self) -> bool:
        return self in OPEN

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


OPEN = frozenset({CaseState.RECEIVED, CaseState.ACCEPTED, CaseState.ROUTED, CaseState.HANDLING,
                  CaseState.HANDLED, CaseState.VERIFIED})
DONE = frozenset({CaseState.HANDLED, CaseState.VERIFIED, CaseState.CLOSED, CaseState.RATED})  # handled or later
STATE_LABELS = {
    CaseState.RECEIVED: "已接收", CaseState.ACCEPTED: "已受理", CaseState.ROUTED: "已分流",
    CaseState.HANDLING: "办理中", CaseState.HANDLED: "已办结", CaseState.VERIFIED: "已核查",
    CaseState.CLOSED: "已结案", CaseState.RATED: "已评价", CaseState.REJECTED: "不予受理",
    CaseState.MERGED: "已合并",
}


class Source(StrEnum):
    DESK = "desk"  # the visitor desk at the service centre
    GRID = "grid"  # a grid worker or patrol member, from the phone
    OPEN311 = "open311"  # another system: the 12345 hotline, a county platform
    ALERT = "alert"  # an alert made into a case
    PHONE = "phone"  # a call to the centre
    WECHAT = "wechat"  # the grid WeChat groups
    VISIT = "visit"  # the Monday door-to-door visits
    COUNTY = "county"  # taken at the county (its 12345 intake, Open311) and routed to this town


class Kind(StrEnum):
    """What the requester asks for; without a category limit, it sets the time limit."""

    ENQUIRY = "enquiry"  # 咨询
    HELP = "help"  # 求助
    COMPLAINT = "complaint"  # 投诉
    REPORT = "report"  # 举报 / 反映
    SUGGESTION = "suggestion"  # 建议
    DISPUTE = "dispute"  # 纠纷调解


class UnitKind(StrEnum):
    GRID = "grid"
    VILLAGE = "village"
    DEPARTMENT = "department"
    TEAM = "team"


@dataclass(frozen=True, slots=True)
class Unit:
    """Who a case is routed to: a grid, a village, a department of the town or a team."""

    kind: UnitKind
    id: str
    name: str
    village: str | None = None  # of a grid or village unit; departments and teams serve the whole town

    @property
    def ref(self) -> str:
        return f"{self.kind.value}:{self.id}"


@dataclass(frozen=True, slots=True)
class Requester:
    name: str
    phone: str = ""
    id_number: str = ""  # 居民身份证号码, when the matter needs it
    address: str = ""


@dataclass(frozen=True, slots=True)
class Extension:
    """A lead unit's request for more time, and the centre's answer."""

    days: int  # working days asked for
    reason: str
    asked_by: str
    asked_at: float
    approved: bool | None = None  # None while pending
    decided_by: str | None = None
    decided_at: float | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Case:
    id: int
    number: str  # the receipt number the requester is given, e.g. 20260305-0012
    source: Source
    category: str
    kind: Kind
    title: str
    matter: str  # what the requester says, in their words
    state: CaseState
    created_by: str
    created_at: float
    updated_at: float
    requester: Requester | None = None
    address: str = ""
    location: tuple[float, float] | None = None  # lon, lat
    grid: str | None = None
    village: str | None = None
    urgent: bool = False
    source_ref: str = ""  # the alert, the Open311 client and token …
    attributes: dict[str, str] = field(default_factory=dict)
    photos: tuple[str, ...] = ()
    media_url: str = ""
    alert_id: int | None = None
    lead: Unit | None = None
    assisting: tuple[Unit, ...] = ()
    accepted_at: float | None = None
    routed_at: float | None = None
    handling_at: float | None = None
    handled_at: float | None = None
    verified_at: float | None = None
    closed_at: float | None = None
    rated_at: float | None = None
    due_at: float | None = None  # set on acceptance from the category's limit
    limit: str = ""  # the limit as people say it, e.g. 3个工作日
    remind_at: float | None = None
    reminded: bool = False
    escalations: int = 0  # steps of the escalation chain taken since the limit last moved
    extensions: tuple[Extension, ...] = ()
    result: str = ""  # how the lead unit dealt with it
    result_photos: tuple[str, ...] = ()  # what it looked like once dealt with, apart from the intake's photos
    rating: int | None = None  # 1 (very dissatisfied) to 5 (very satisfied)
    rating_note: str = ""
    merged_into: int | None = None
    merged: tuple[int, ...] = ()  # duplicates folded into this one
    state_before_merge: CaseState | None = None  # where a split puts a merged case back
    reopened: int = 0

    def evolve(self, **changes: object) -> Case:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def pending_extension(self) -> Extension | None:
        last = self.extensions[-1] if self.extensions else None
        return last if last is not None and last.approved is None else None

    @property
    def escalated(self) -> bool:
        return self.escalations > 0

    @property
    def lead_village(self) -> str | None:
        return self.lead.village if self.lead is not None else None

    def overdue(self, now: float) -> bool:
        """Past its limit: finished late, or still unfinished after it."""
        if self.due_at is None or self.state in (CaseState.REJECTED, CaseState.MERGED):
            return False
        finished = self.handled_at if self.state in DONE else None
        return (finished if finished is not None else now) > self.due_at


class Action(StrEnum):
    """Entries of a case's audit trail."""

    RECEIVE = "receive"
    ACCEPT = "accept"
    REJECT = "reject"
    ROUTE = "route"
    REASSIGN = "reassign"
    SEND_BACK = "send_back"  # the unit says it is not theirs: back to the centre for routing
    START = "start"
    HANDLE = "handle"
    VERIFY = "verify"
    REDO = "redo"  # the check failed: back to the lead unit
    CLOSE = "close"
    RATE = "rate"
    MERGE = "merge"  # this case folded into another
    ABSORB = "absorb"  # another case folded into this one
    SPLIT = "split"  # a wrong merge undone: this case is its own again
    SPLIT_OFF = "split_off"  # a case wrongly folded into this one taken back out
    REOPEN = "reopen"
    REMIND = "remind"
    ESCALATE = "escalate"
    EXTEND_ASK = "extend_ask"
    EXTEND_DECIDE = "extend_decide"
    NOTE = "note"
    MEDIATION = "mediation"
    APPOINTMENT = "appointment"
    APPOINTMENT_CANCEL = "appointment_cancel"


@dataclass(frozen=True, slots=True)
class Entry:
    """Who did what to a case, when, with a note, and the state it left the case in."""

    seq: int
    case_id: int
    action: Action
    actor: str
    ts: float
    state: CaseState
    note: str = ""
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """On the bus after it is stored: the entry and the case as it is now."""

    entry: Entry
    case: Case


@dataclass(frozen=True, slots=True)
class NewCase:
    """What an intake channel hands in; the book numbers it, places it and starts its trail."""

    source: Source
    category: str
    title: str
    matter: str
    kind: Kind = Kind.COMPLAINT
    requester: Requester | None = None
    address: str = ""
    location: tuple[float, float] | None = None
    grid: str | None = None
    village: str | None = None
    urgent: bool = False
    source_ref: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    photos: tuple[str, ...] = ()
    media_url: str = ""
    alert_id: int | None = None
    accept: bool = False  # the desk takes it on at once: received and accepted in one go
