"""The town file's `gridwork:` section: inspection checklists and the days grids visit their households."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from hub.config_base import Strict
from hub.gridwork.base import ItemId, Label
from hub.gridwork.notice_config import NoticesConfig

__all__ = [
    "SELFBUILT",
    "YES_NO",
    "Checklist",
    "ChecklistItem",
    "GridworkConfig",
    "ItemId",
    "Label",
    "Strict",
    "VisitSchedule",
    "gridwork_problems",
]


class ChecklistItem(Strict):
    """One question of an inspection, the answers it takes, and which of them are a hazard."""

    id: ItemId = Field(description="the item's key in an inspection's answers")
    text: Label = Field(description="the question as the inspector reads it")
    answers: tuple[Label, ...] = Field(min_length=2, max_length=8, description="the answers to choose from")
    hazard: tuple[Label, ...] = Field(default=(), description="answers that point to a hazard (shown, not graded)")
    photo: bool = Field(default=False, description="whether the inspector must take a photo for this item")

    @model_validator(mode="after")
    def _hazards_are_answers(self) -> Self:
        if len(set(self.answers)) != len(self.answers):
            raise ValueError(f"item {self.id}: answers repeat")
        if unknown := [a for a in self.hazard if a not in self.answers]:
            raise ValueError(f"item {self.id}: hazard answers {unknown} are not among its answers")
        return self


class Checklist(Strict):
    name: Label
    items: tuple[ChecklistItem, ...] = Field(min_length=1, max_length=60)

    @model_validator(mode="after")
    def _unique_items(self) -> Self:
        ids = [i.id for i in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("checklist item ids repeat")
        return self


def _item(id: str, text: str, answers: tuple[str, ...], hazard: tuple[str, ...], photo: bool) -> ChecklistItem:
    return ChecklistItem(id=id, text=text, answers=answers, hazard=hazard, photo=photo)


YES_NO = ("否", "是")
SELFBUILT = Checklist(name="经营性自建房安全隐患排查表", items=(
    _item("cracks", "承重墙、梁、柱有无裂缝", ("无", "轻微", "严重"), ("轻微", "严重"), True),
    _item("added-floors", "有无违规加层、改扩建", YES_NO, ("是",), True),
    _item("fire-exits", "消防通道和安全出口是否畅通", ("畅通", "堵塞"), ("堵塞",), True),
    _item("wiring", "电气线路有无私拉乱接、老化", ("无", "有"), ("有",), False),
    _item("extinguishers", "灭火器是否配备且在有效期", ("是", "否"), ("否",), False),
    _item("change-of-use", "是否擅自改变用途", YES_NO, ("是",), False),
))


class VisitSchedule(Strict):
    weekday: int = Field(default=1, ge=1, le=7, description="ISO weekday of the visits, 1 = Monday (周一直通车)")
    grids: dict[str, int] = Field(default_factory=dict, description="grids that visit on another ISO weekday")
    due_after_days: int = Field(default=30, ge=1, le=366, description="a household not visited for this long is due")

    @model_validator(mode="after")
    def _weekdays(self) -> Self:
        if bad := {g: d for g, d in self.grids.items() if not 1 <= d <= 7}:
            raise ValueError(f"ISO weekdays are 1 to 7: {bad}")
        return self

    def weekday_of(self, grid: str) -> int:
        return self.grids.get(grid, self.weekday)


class GridworkConfig(Strict):
    hazard_category: str = Field(default="self-built-housing", description="the case category of a major hazard "
                                 "(自建房安全, one of the built-in 9+X)")
    checklists: dict[ItemId, Checklist] = Field(default_factory=lambda: {"selfbuilt": SELFBUILT},
                                                description="inspection checklists by key, for campaigns to use")
    visits: VisitSchedule = Field(default=VisitSchedule(), description="household visit days")
    notices: NoticesConfig = Field(default_factory=NoticesConfig, description="notices to the grids' WeChat groups")


def gridwork_problems(config: GridworkConfig, grids: set[str],
                      categories: set[str]) -> list[tuple[tuple[str | int, ...], str]]:
    """Grids the visit schedule names that the town lacks, and a hazard category it lacks."""
    problems: list[tuple[tuple[str | int, ...], str]] = [
        (("gridwork", "visits", "grids", g), f"unknown grid {g!r}") for g in config.visits.grids if g not in grids]
    problems += [(("gridwork", "notices", "robots", g), f"unknown grid {g!r}")
                 for g in config.notices.robots if g not in grids]
    if config.hazard_category not in categories:
        problems.append((("gridwork", "hazard_category"), f"no case category {config.hazard_category!r}"))
    return problems
