"""What notifiers are given and must do: a rendered notification, sent or refused with a reason.

Channels (WeChat Work group robots, HTTP webhooks for SMS gateways, MQTT) live
in adapters and plug in through the registry; retry, backoff and the delivery
log are the hub's (hub/alerts/delivery.py), so every channel behaves the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import Field

from hub.alerts.model import Action, Alert
from hub.config_base import Strict

if TYPE_CHECKING:
    from hub.context import HubContext


class ChainLevel(StrEnum):
    """Who is told, in the order escalation climbs."""

    GRID_WORKER = "grid_worker"
    VILLAGE_CADRE = "village_cadre"
    DUTY_OFFICER = "duty_officer"
    CENTRE_LEAD = "centre_lead"
    LEADER = "leader"  # the town's leaders (cases.leaders): only case escalation steps name them

    @property
    def label_zh(self) -> str:
        return _LEVEL_LABELS[self]


ALERT_CHAIN = (  # the levels an alert climbs; leaders are reached by case escalations only
    ChainLevel.GRID_WORKER, ChainLevel.VILLAGE_CADRE, ChainLevel.DUTY_OFFICER, ChainLevel.CENTRE_LEAD)
_LEVEL_LABELS = {ChainLevel.GRID_WORKER: "网格员", ChainLevel.VILLAGE_CADRE: "村（社区）干部",
                 ChainLevel.DUTY_OFFICER: "值班员", ChainLevel.CENTRE_LEAD: "中心负责人",
                 ChainLevel.LEADER: "镇领导"}


@dataclass(frozen=True, slots=True)
class Recipient:
    name: str
    phone: str
    level: ChainLevel


@dataclass(frozen=True, slots=True)
class CaseSubject:
    """The case a notification tells of: a step of its escalation chain, sent through the alert channels."""

    id: int
    number: str  # 20261122-0003
    category: str
    grid: str | None
    village: str | None
    step: int  # counted from 1
    link: str  # /cases/#<id>, after the console's URL when the hub knows it


@dataclass(frozen=True, slots=True)
class Notification:
    """One message about one alert event (or case escalation step) for one level of the chain, in Chinese."""

    alert: Alert | None  # None for a case's notification, which has *case* instead
    action: Action
    level: ChainLevel
    recipients: tuple[Recipient, ...]
    title: str  # one line, e.g. "【橙色预警】青溪河 1 号站 水位超警戒"
    text: str  # plain text for SMS and group messages
    markdown: str  # WeChat Work markdown
    ts: float
    seq: int = 0  # the transition it tells of: with level, what tells a repeat delivery from a new one
    case: CaseSubject | None = None
    delivery_id: str = ""  # set for each channel's send: receivers drop a second copy of the same id

    @property
    def grid(self) -> str | None:
        return self.alert.grid if self.alert is not None else self.case.grid if self.case is not None else None

    @property
    def about(self) -> str:
        """What it tells of, for logs: alert 17, case 3."""
        return f"alert {self.alert.id}" if self.alert is not None else f"case {self.case.id if self.case else '?'}"


class DeliveryError(Exception):
    """A channel could not deliver; *retryable* says whether trying again may help."""

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class Notifier(Protocol):
    """One configured channel."""

    name: str  # unique per town file, shown in the delivery log

    def accepts(self, notification: Notification) -> bool:
        """Whether this channel carries *notification* (its levels, actions, grids)."""

    def target(self, notification: Notification) -> str:
        """Where it would go, for the delivery log; secrets (robot keys, tokens) masked."""

    async def send(self, notification: Notification) -> None:
        """Deliver once, or raise DeliveryError; the hub retries."""

    async def aclose(self) -> None: ...


DEFAULT_ACTIONS = (Action.RAISE, Action.SEVERITY, Action.ESCALATE, Action.RESOLVE)


class NotifierConfig(Strict):
    """What every channel's entry under `alerts.notifiers` has; channels add their own keys."""

    type: str = Field(description="channel type, e.g. wecom, webhook, mqtt")
    name: str = Field(min_length=1, description="unique name, shown in the delivery log")
    levels: tuple[ChainLevel, ...] = Field(default=tuple(ChainLevel), description="chain levels it serves")
    actions: tuple[Action, ...] = Field(default=DEFAULT_ACTIONS, description="alert events it carries")

    def wants(self, notification: Notification) -> bool:
        return notification.level in self.levels and notification.action in self.actions


NotifierFactory = Callable[[Any, "HubContext"], Notifier]


@dataclass(frozen=True)
class NotifierType:
    """A kind of channel a plugin offers: its config model (with `type` and `name`) and its factory."""

    config: type[NotifierConfig]
    build: NotifierFactory
