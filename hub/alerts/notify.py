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

from pydantic import BaseModel, ConfigDict, Field

from hub.alerts.model import Action, Alert

if TYPE_CHECKING:
    from hub.context import HubContext


class ChainLevel(StrEnum):
    """Who is told, in the order escalation climbs."""

    GRID_WORKER = "grid_worker"
    VILLAGE_CADRE = "village_cadre"
    DUTY_OFFICER = "duty_officer"
    CENTRE_LEAD = "centre_lead"

    @property
    def label_zh(self) -> str:
        return _LEVEL_LABELS[self]


_LEVEL_LABELS = {ChainLevel.GRID_WORKER: "网格员", ChainLevel.VILLAGE_CADRE: "村（社区）干部",
                 ChainLevel.DUTY_OFFICER: "值班员", ChainLevel.CENTRE_LEAD: "中心负责人"}


@dataclass(frozen=True, slots=True)
class Recipient:
    name: str
    phone: str
    level: ChainLevel


@dataclass(frozen=True, slots=True)
class Notification:
    """One message about one alert event for one level of the chain, rendered in Chinese."""

    alert: Alert
    action: Action
    level: ChainLevel
    recipients: tuple[Recipient, ...]
    title: str  # one line, e.g. "【橙色预警】青溪河 1 号站 水位超警戒"
    text: str  # plain text for SMS and group messages
    markdown: str  # WeChat Work markdown
    ts: float
    seq: int = 0  # the transition it tells of: with level, what tells a repeat delivery from a new one


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


class NotifierConfig(BaseModel):
    """What every channel's entry under `alerts.notifiers` has; channels add their own keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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
