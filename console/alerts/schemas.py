"""What the alert API takes and returns: public views of alerts, their history and deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from console.schemas import at, utc
from console.text import Input
from hub.alerts.combination import basin_of, wide_kind
from hub.alerts.model import Alert, Transition
from hub.alerts.store import Delivery, FeedEntry
from hub.privacy import mask_text


class AlertPublic(BaseModel):
    id: int
    rule: str
    source: str
    title: str
    severity: str
    state: str
    message: str
    value: float | None
    count: int
    active: bool = Field(description="whether the rule's condition still holds")
    device: str | None
    grid: str | None
    village: str | None
    basin: str | None = Field(description="the river basin of a basin-wide alert (no grid or village of its own)")
    wide: Literal["basin", "town"] | None = Field(
        description="a basin- or town-wide alert: it covers villages, whose cadres see it, and the centre acts on it")
    escalation_level: int
    acknowledged_by: str | None
    raised_at: datetime
    updated_at: datetime
    last_seen_at: datetime
    cleared_at: datetime | None
    resolved_at: datetime | None
    next_escalation_at: datetime | None
    detail: dict[str, Any]

    @classmethod
    def of(cls, a: Alert) -> AlertPublic:
        return cls(id=a.id, rule=a.rule, source=a.source, title=a.title, severity=a.severity.value,
                   state=a.state.value, message=a.message, value=a.value, count=a.count, active=a.active,
                   device=a.device, grid=a.grid, village=a.village, basin=basin_of(a), wide=wide_kind(a),
                   escalation_level=a.escalation_level, acknowledged_by=a.acknowledged_by,
                   raised_at=at(a.raised_at), updated_at=at(a.updated_at),
                   last_seen_at=at(a.last_seen_at), cleared_at=utc(a.cleared_at), resolved_at=utc(a.resolved_at),
                   next_escalation_at=utc(a.next_escalation_at), detail=a.detail)


class TransitionPublic(BaseModel):
    seq: int
    action: str
    actor: str
    time: datetime
    note: str
    state: str
    severity: str

    @classmethod
    def of(cls, t: Transition, whole: bool = False) -> TransitionPublic:
        """*whole* for the centre; a cadre reads numbers in the note masked (a dispatch's instructions, a call)."""
        return cls(seq=t.seq, action=t.action.value, actor=t.actor, time=at(t.ts),
                   note=t.note if whole else mask_text(t.note),
                   state=t.state.value, severity=t.severity.value)


class DeliveryPublic(BaseModel):
    notifier: str
    target: str
    level: str
    action: str
    seq: int
    status: str
    attempts: int
    error: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, d: Delivery) -> DeliveryPublic:
        return cls(notifier=d.notifier, target=d.target, level=d.level.value, action=d.action.value, seq=d.seq,
                   status=d.status.value, attempts=d.attempts, error=d.error, created_at=at(d.created_at),
                   updated_at=at(d.updated_at))


class AlertDetail(AlertPublic):
    history: list[TransitionPublic]
    deliveries: list[DeliveryPublic]


class AlertAction(Input):
    """A person's action on an alert: why (who is the signed-in user)."""

    note: str = Field(default="", max_length=2000)


class CloseAction(AlertAction):
    note: str = Field(min_length=1, max_length=2000, description="how it ended: required to close")


class AlertChange(BaseModel):
    """One alert transition as the live feed sends it."""

    type: Literal["alert"] = "alert"
    seq: int
    action: str
    actor: str
    note: str
    time: str
    alert: AlertPublic


class AlertUpdate(BaseModel):
    """A repeat (count and value): no sequence number, nothing to resume."""

    type: Literal["alert_update"] = "alert_update"
    alert: AlertPublic


class AlertsResumed(BaseModel):
    """Opens a resumed feed: `count` missed transitions follow."""

    type: Literal["resumed"] = "resumed"
    since: int
    count: int


class AlertSnapshot(BaseModel):
    """Opens a fresh feed (or one whose gap was too long to replay, `reset`): the open alerts as of `seq`."""

    type: Literal["snapshot"] = "snapshot"
    seq: int
    alerts: list[AlertPublic]
    reset: bool


def feed_message(entry: FeedEntry, whole: bool) -> AlertChange:
    """One alert transition as the live feed sends it; its note masked unless *whole*."""
    t = entry.transition
    return AlertChange(seq=t.seq, action=t.action.value, actor=t.actor, note=t.note if whole else mask_text(t.note),
                       time=at(t.ts).isoformat(), alert=AlertPublic.of(entry.alert))
