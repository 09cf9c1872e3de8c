"""The alert model: severities, states, the alert itself and its audit trail."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


class Severity(StrEnum):
    """The colours of Chinese early warnings, lowest first."""

    BLUE = "blue"
    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @property
    def label_zh(self) -> str:
        return _LABELS[self]


_RANKS = {Severity.BLUE: 1, Severity.YELLOW: 2, Severity.ORANGE: 3, Severity.RED: 4}
_LABELS = {Severity.BLUE: "蓝色", Severity.YELLOW: "黄色", Severity.ORANGE: "橙色", Severity.RED: "红色"}


class AlertState(StrEnum):
    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self in (AlertState.RAISED, AlertState.ACKNOWLEDGED, AlertState.DISPATCHED)


class Action(StrEnum):
    """What a transition in the audit trail did."""

    RAISE = "raise"
    UPDATE = "update"  # a repeat: count and last value, severity unchanged
    SEVERITY = "severity"  # severity rose or fell while open
    CONDITION_CLEARED = "condition_cleared"  # the rule no longer holds; the alert waits for a person
    ACKNOWLEDGE = "acknowledge"
    DISPATCH = "dispatch"
    ESCALATE = "escalate"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    CLOSE = "close"
    NOTE = "note"  # something done about the alert elsewhere (a video call): recorded, changes nothing


SYSTEM = "system"  # the actor of what rules and timers do


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert of one rule about one source (a device, a grid, a basin)."""

    id: int
    rule: str
    source: str
    title: str
    severity: Severity
    state: AlertState
    message: str
    value: float | None
    count: int
    raised_at: float
    updated_at: float
    last_seen_at: float  # when the rule last reported the condition
    active: bool  # does the condition still hold
    cleared_at: float | None = None  # when the condition stopped holding (auto-resolve waits from here)
    resolved_at: float | None = None
    device: str | None = None
    grid: str | None = None
    village: str | None = None
    escalation_level: int = 0  # index in the escalation chain of who has been told
    next_escalation_at: float | None = None
    acknowledged_by: str | None = None
    detail: dict[str, object] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return self.rule, self.source

    def evolve(self, **changes: object) -> Alert:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Transition:
    """One entry of an alert's audit trail: who did what, when, with which note."""

    seq: int  # position in the hub-wide alert feed; consoles resume from it
    alert_id: int
    action: Action
    actor: str
    ts: float
    note: str
    state: AlertState
    severity: Severity


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """What the bus, the live feed and the notifiers see: the alert after a transition.

    Repeats (same severity, new value) carry no transition: they are not audit
    entries, and the feed sends them as updates without a sequence number.
    """

    alert: Alert
    transition: Transition | None = None
