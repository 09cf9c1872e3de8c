"""Grid notices (网格通知): a template filled in, sent to the WeChat groups of chosen grids, one delivery per grid.

A notice and its deliveries are stored together, pending, before the first send (an outbox, as alert notifications
are: hub/alerts/delivery.py); a delivery is sent until its robot answers ok or it is given up, and one left
pending by a stop is resumed at the next start. A delivery that was answered ok is never sent again.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, Field, StringConstraints

from hub.config_base import Strict
from hub.gridwork.base import ItemId
from hub.gridwork.notice_config import NoticeTemplate
from hub.register.model import Number
from hub.register.service import RegisterError

Value = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000,
                                         pattern=r"^[^\x00-\x08\x0b-\x1f]*$")]
MARKDOWN_BYTES, TEXT_BYTES = 4096, 2048  # what one robot message may hold, in UTF-8


class NoticeFields(Strict):
    """A notice as the centre or a cadre sends it: a template, its fields, and the grids to reach."""

    template: ItemId
    fields: dict[ItemId, Value] = Field(default_factory=dict, max_length=12)
    grids: tuple[Number, ...] = Field(default=(), max_length=500, description="these grids")
    villages: tuple[Number, ...] = Field(default=(), max_length=100, description="and every grid of these villages")
    all: bool = Field(default=False, description="every grid of the caller's scope")
    key: str | None = Field(default=None, min_length=8, max_length=80, pattern=r"^[A-Za-z0-9_-]+$",
                            description="the page's own id of this notice: one sent again is sent once")


class Target(BaseModel):
    """A grid a notice goes to, and whether it has a robot to take it."""

    grid: str
    name: str
    village: str = Field(description="the village's name")
    village_id: str
    robot: bool


class Preview(BaseModel):
    msgtype: Literal["markdown", "text"]
    text: str
    grids: list[Target]


class Status(StrEnum):
    pending = "pending"  # stored, being sent (or waiting for its next try)
    sent = "sent"  # the robot answered errcode 0
    failed = "failed"  # given up, or no robot for the grid

    @property
    def label(self) -> str:
        return {"pending": "发送中", "sent": "已送达", "failed": "失败"}[self.value]


class Delivery(BaseModel):
    """One notice to one grid's group: its id stays the same across tries and restarts."""

    id: str
    notice: int = 0
    grid: str
    target: str = Field(description="the robot's address with its key cut short")
    status: Status = Status.pending
    attempts: int = 0
    error: str = ""
    updated: float
    next_attempt_at: float | None = None
    sent_at: float | None = None

    def failed_attempt(self, now: float, reason: str, retry_in: float | None) -> Delivery:
        """After a send that did not go through: another try in *retry_in* s, or (None) given up."""
        status = Status.pending if retry_in is not None else Status.failed
        return self.model_copy(update={"attempts": self.attempts + 1, "updated": now, "error": reason,
                                       "status": status, "next_attempt_at": None if retry_in is None
                                       else now + retry_in})

    def delivered(self, now: float) -> Delivery:
        return self.model_copy(update={"attempts": self.attempts + 1, "updated": now, "error": "",
                                       "status": Status.sent, "next_attempt_at": None, "sent_at": now})


class Notice(BaseModel):
    id: int = 0
    template: str
    template_name: str
    fields: dict[str, str]
    msgtype: Literal["markdown", "text"]
    text: str
    sender: str = Field(description="who sent it, e.g. 值班员 张伟 (zhangwei)")
    ts: float
    grids: tuple[str, ...]
    key: str | None = None


class NoticeRecord(BaseModel):
    """A notice with where it went and how each delivery stands (in the caller's scope)."""

    notice: Notice
    deliveries: list[Delivery]


def render(template: NoticeTemplate, fields: dict[str, str]) -> str:
    """The template's text with the fields filled in; a field missing or not the template's is refused."""
    if missing := [label for key, label in template.fields.items() if key not in fields]:
        raise RegisterError(f"请填写：{'、'.join(missing)}")
    if unknown := sorted(set(fields) - set(template.fields)):
        raise RegisterError(f"模板“{template.name}”没有这些项：{'、'.join(unknown)}")
    text = template.text.format(**fields)
    limit = MARKDOWN_BYTES if template.msgtype == "markdown" else TEXT_BYTES
    if len(text.encode()) > limit:
        raise RegisterError(f"通知共 {len(text.encode())} 字节，超过企业微信群机器人的上限 {limit} 字节，请删减")
    return text


def robot_message(notice: Notice) -> dict[str, object]:
    """The robot's JSON for *notice*."""
    return {"msgtype": notice.msgtype, notice.msgtype: {"content": notice.text}}


class Robot(Protocol):
    """The WeChat Work robot service (adapters/gridwork_robot.py): one send, or DeliveryError saying if a retry
    may help."""

    async def send(self, key: str, message: dict[str, object], delivery_id: str) -> None: ...

    def target(self, key: str) -> str:
        """The robot's address for logs and the page: the key cut short."""
        ...

    async def aclose(self) -> None: ...


class NoticeStore(Protocol):
    def add_notice(self, notice: Notice, deliveries: list[Delivery]) -> Notice:
        """Store a notice with its deliveries in one transaction; the notice with its id."""
        ...

    def notice_by_key(self, key: str) -> Notice | None: ...

    def save_delivery(self, delivery: Delivery) -> None: ...

    def record(self, notice_id: int) -> NoticeRecord | None:
        """One notice with all its deliveries."""
        ...

    def notices(self, limit: int) -> list[NoticeRecord]:
        """The newest notices with their deliveries, newest first."""
        ...

    def pending(self) -> list[tuple[Delivery, Notice]]:
        """Deliveries still to send, with their notices, oldest first."""
        ...

    def close(self) -> None: ...
