"""Campaigns, their houses and inspections, rectification orders, and household visits, with Chinese labels."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from hub.config_base import Strict
from hub.gridwork.config import ItemId, Label
from hub.register.model import Name, Number, Phone, Text

PhotoId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]  # as console/photos.py names them


class Grade(StrEnum):
    none = "none"
    ordinary = "ordinary"
    major = "major"

    @property
    def label(self) -> str:
        return {"none": "无隐患", "ordinary": "一般隐患", "major": "重大隐患"}[self.value]


class TargetState(StrEnum):
    pending = "pending"  # 待排查
    clear = "clear"  # inspected, no hazard
    hazard = "hazard"  # a hazard found, no rectification ordered yet
    rectifying = "rectifying"  # ordered, waiting for its re-inspection
    closed = "closed"  # put right: a re-inspection found no hazard (销号)

    @property
    def label(self) -> str:
        return {"pending": "待排查", "clear": "无隐患", "hazard": "待整改", "rectifying": "整改中",
                "closed": "已整改销号"}[self.value]


class CampaignFields(Strict):
    """A campaign as the centre starts it: a name, a checklist of the town file, and which houses."""

    name: Text
    checklist: ItemId = Field(description="a key of the town file's gridwork.checklists")
    commercial_selfbuilt_only: bool = Field(default=True, description="only 经营性自建房")
    villages: tuple[Number, ...] = Field(default=(), max_length=100, description="only these villages' houses")
    grids: tuple[Number, ...] = Field(default=(), max_length=500, description="only these grids' houses (none: all)")
    due: dt.date | None = Field(default=None, description="when every house should be inspected")


class Campaign(CampaignFields):
    id: int = 0
    created: float
    actor: str
    houses: int = Field(description="how many houses it targets")


class OrderFields(Strict):
    """A rectification order (整改通知) after a hazard: who puts it right, by when, and what they must do."""

    responsible: Name
    phone: Phone | None = None
    deadline: dt.date
    measures: Text


class Order(OrderFields):
    issued: float
    actor: str


class Target(BaseModel):
    """One house of a campaign and where its inspection stands."""

    campaign: int
    house: str
    grid: str
    village: str
    address: str
    owner: str
    location: tuple[float, float] | None = None  # lon, lat
    state: TargetState = TargetState.pending
    grade: Grade | None = Field(default=None, description="of the latest inspection")
    worst: Grade | None = Field(default=None, description="the worst grade any inspection of this campaign gave")
    inspections: int = 0
    case_id: int | None = None
    order: Order | None = None
    updated: float = 0.0

    def overdue(self, today: dt.date) -> bool:
        return self.state is TargetState.rectifying and self.order is not None and self.order.deadline < today


class InspectionFields(Strict):
    """What the inspector records at the house: an answer to every item, photos where asked, where, and a grade."""

    answers: dict[ItemId, Label]
    photos: dict[ItemId, tuple[PhotoId, ...]] = Field(default_factory=dict, description="photo ids by item")
    lon: float | None = Field(default=None, ge=73.0, le=136.0)
    lat: float | None = Field(default=None, ge=3.0, le=54.0)
    grade: Grade
    note: str = Field(default="", max_length=500, pattern=r"^[^\x00]*$")
    key: str | None = Field(default=None, min_length=8, max_length=80, pattern=r"^[A-Za-z0-9_-]+$",
                            description="the phone's own id of this inspection: one sent again is recorded once")


class Inspection(InspectionFields):
    id: int = 0
    campaign: int
    house: str
    grid: str
    inspector: str
    ts: float
    reinspection: bool


class NeedFields(Strict):
    text: Text


class VisitFields(Strict):
    """A visit as the visitor logs it: the household, what was raised, and the needs to follow up."""

    household: Number
    raised: Text = Field(description="what the household talked about (诉求、意见)")
    needs: tuple[NeedFields, ...] = Field(default=(), max_length=10, description="each may become a case")
    key: str | None = Field(default=None, min_length=8, max_length=80, pattern=r"^[A-Za-z0-9_-]+$",
                            description="the phone's own id of this visit: one sent again is logged once")


class Need(NeedFields):
    case_id: int | None = None


class Visit(BaseModel):
    id: int = 0
    household: str
    grid: str
    village: str
    visitor: str
    ts: float
    raised: str
    needs: tuple[Need, ...] = ()
    key: str | None = None


class NeedCase(Strict):
    """How a visit's need becomes a case."""

    category: Label = Field(default="other", description="a case category of the town")
    urgent: bool = False
