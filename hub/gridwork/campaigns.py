"""Inspection campaigns (排查): houses of the register inspected against a checklist, hazards put right.

A house moves pending → clear, or pending → hazard → rectifying (an order) → closed (a re-inspection without a
hazard). A major hazard opens an accepted, urgent case by itself, once per house and campaign.
"""

from __future__ import annotations

import asyncio
import logging

from pydantic import BaseModel

from hub.cases.lifecycle import CaseError
from hub.cases.model import Kind, NewCase, Source
from hub.gridwork.config import Checklist
from hub.gridwork.model import (
    Campaign,
    CampaignFields,
    Grade,
    Inspection,
    InspectionFields,
    Order,
    OrderFields,
    Target,
    TargetState,
)
from hub.gridwork.scope import OnParts
from hub.register.model import House
from hub.register.service import NotFound, OutOfScope, RegisterError
from hub.users.model import Principal

log = logging.getLogger(__name__)
PAGE = 1000
WORSE = {None: 0, Grade.none: 1, Grade.ordinary: 2, Grade.major: 3}


class Assignment(BaseModel):
    """A grid's share of a campaign and the grid workers it is assigned to."""

    grid: str
    village: str
    workers: list[str]
    houses: int
    pending: int


class HouseRecord(BaseModel):
    target: Target
    inspections: list[Inspection]


class Campaigns(OnParts):
    """Campaigns as each principal may see and work them."""

    def start(self, principal: Principal, fields: CampaignFields) -> Campaign:
        """A new campaign over the houses of the register it names (the centre's, for the whole town)."""
        if not principal.is_staff:
            raise OutOfScope("排查任务由镇中心发起")
        if fields.checklist not in self.parts.config.checklists:
            raise RegisterError(f"镇配置中没有排查表 {fields.checklist}")
        for grid in fields.grids:
            self.register.check_grid(principal, grid)
        if unknown := set(fields.villages) - {v.id for v in self.register.town.villages}:
            raise RegisterError(f"未知村 {'、'.join(sorted(unknown))}")
        houses = [h for h in self._houses(fields) if not fields.villages
                  or self.register.village_of(h.grid) in fields.villages]
        if not houses:
            raise RegisterError("登记册中没有符合条件的房屋")
        campaign = Campaign(**fields.model_dump(), created=self.parts.clock(), actor=principal.actor,
                            houses=len(houses))
        return self.store.add_campaign(campaign, [self._target(h) for h in houses])

    def _houses(self, fields: CampaignFields) -> list[House]:
        grids = frozenset(fields.grids) or None
        only = True if fields.commercial_selfbuilt_only else None
        found: list[House] = []
        while page := self.register.store.houses(grids, only, found[-1].number if found else "", PAGE):
            found += page
        return found

    def _target(self, house: House) -> Target:
        location = (house.lon, house.lat) if house.lon is not None and house.lat is not None else None
        return Target(campaign=0, house=house.number, grid=house.grid, village=self.register.village_of(house.grid)
                      or "", address=house.address, owner=house.owner, location=location, updated=self.parts.clock())

    def campaign(self, campaign_id: int) -> Campaign:
        found = self.store.campaign(campaign_id)
        if found is None:
            raise NotFound(f"没有编号为 {campaign_id} 的排查任务")
        return found

    def checklist(self, campaign_id: int) -> Checklist:
        return self.parts.config.checklists[self.campaign(campaign_id).checklist]

    def houses(self, principal: Principal, campaign_id: int, state: TargetState | None = None) -> list[Target]:
        """The campaign's houses in the caller's scope, optionally in one state."""
        self.campaign(campaign_id)
        found = self.store.targets(campaign_id, self.register.scope(principal))
        return [t for t in found if state is None or t.state is state]

    def assignments(self, principal: Principal, campaign_id: int) -> list[Assignment]:
        """Each grid's houses in scope and the grid workers they fall to."""
        by_grid: dict[str, list[Target]] = {}
        for target in self.houses(principal, campaign_id):
            by_grid.setdefault(target.grid, []).append(target)
        return [Assignment(grid=grid, village=found[0].village, workers=self.parts.workers(grid), houses=len(found),
                           pending=sum(t.state is TargetState.pending for t in found))
                for grid, found in sorted(by_grid.items())]

    def house(self, principal: Principal, campaign_id: int, house: str) -> HouseRecord:
        target = self._target_in_scope(principal, campaign_id, house)
        return HouseRecord(target=target, inspections=self.store.inspections(campaign_id, house))

    def _target_in_scope(self, principal: Principal, campaign_id: int, house: str) -> Target:
        self.campaign(campaign_id)
        target = self.store.target(campaign_id, house)
        if target is None:
            raise NotFound(f"房屋 {house} 不在该排查任务中")
        self.register.check_grid(principal, target.grid)
        return target

    async def inspect(self, principal: Principal, campaign_id: int, house: str, fields: InspectionFields) -> Target:
        """Record an inspection (or a re-inspection after an order); a major hazard opens a case."""
        target, inspection, fresh = await asyncio.to_thread(self._record, principal, campaign_id, house, fields)
        if not fresh:
            return target
        if inspection.grade is Grade.major and target.case_id is None:
            case, _, _ = await self.parts.cases.receive(self._hazard_case(campaign_id, target, inspection),
                                                        principal.actor)
            target = await asyncio.to_thread(self._link_case, campaign_id, house, case.id)
        elif target.state is TargetState.closed:
            await self._note(target, principal, f"复查无隐患，已整改销号（{inspection.inspector}）")
        return target

    async def _note(self, target: Target, principal: Principal, text: str) -> None:
        """The hazard's case (if it has one) learns what became of the house."""
        if target.case_id is None:
            return
        book = self.parts.cases.book
        try:
            await self.parts.cases.apply(target.case_id, lambda case: book.note(case, principal.actor, text))
        except (CaseError, LookupError) as exc:  # the house's record stands; the case's trail misses one line
            log.warning("case %d of house %s not told: %s", target.case_id, target.house, exc)

    def _link_case(self, campaign_id: int, house: str, case_id: int) -> Target:
        """The house as it is now (an order may have come meanwhile), with its hazard's case."""
        with self.lock:
            target = self.store.target(campaign_id, house)
            assert target is not None
            target = target.model_copy(update={"case_id": case_id})
            self.store.save_target(target)
        return target

    def _record(self, principal: Principal, campaign_id: int, house: str,
                fields: InspectionFields) -> tuple[Target, Inspection, bool]:
        """The house after the inspection, the inspection as kept, and whether it is new (not sent again)."""
        with self.lock:
            return self._record_locked(principal, campaign_id, house, fields)

    def _record_locked(self, principal: Principal, campaign_id: int, house: str,
                       fields: InspectionFields) -> tuple[Target, Inspection, bool]:
        target = self._target_in_scope(principal, campaign_id, house)
        if fields.key is not None:  # a phone that lost the answer sends it again: the first one stands
            sent = [i for i in self.store.inspections(campaign_id, house) if i.key == fields.key]
            if sent:
                return target, sent[0], False
        check_answers(self.checklist(campaign_id), fields)
        again = target.state is TargetState.rectifying
        if target.state is TargetState.hazard:
            raise RegisterError("发现隐患后须先下达整改通知，整改后再复查")
        if target.state in (TargetState.clear, TargetState.closed):
            raise RegisterError(f"房屋 {house} 已{target.state.label}，无需再查")
        now = self.parts.clock()
        state = (TargetState.closed if again else TargetState.clear) if fields.grade is Grade.none \
            else TargetState.rectifying if again else TargetState.hazard
        worst = max(target.worst, fields.grade, key=WORSE.__getitem__)
        target = target.model_copy(update={"state": state, "grade": fields.grade, "worst": worst,
                                           "inspections": target.inspections + 1, "updated": now})
        inspection = Inspection(**fields.model_dump(), campaign=campaign_id, house=house, grid=target.grid,
                                inspector=principal.actor, ts=now, reinspection=again)
        kept = self.store.save_target(target, inspection)
        assert kept is not None
        return target, kept, True

    def _hazard_case(self, campaign_id: int, target: Target, inspection: Inspection) -> NewCase:
        checklist = self.checklist(campaign_id)
        found = [f"{i.text}：{inspection.answers[i.id]}" for i in checklist.items
                 if inspection.answers.get(i.id) in i.hazard]
        matter = "\n".join([f"排查发现重大隐患（{inspection.inspector}）", *found, inspection.note])
        location = (inspection.lon, inspection.lat) if inspection.lon and inspection.lat else target.location
        title = f"{self.campaign(campaign_id).name}：{target.address}重大隐患"
        return NewCase(Source.GRID, self.parts.config.hazard_category, title, matter.strip(), kind=Kind.REPORT,
                       address=target.address, location=location, grid=target.grid,
                       village=target.village, urgent=True, source_ref=f"inspection:{campaign_id}:{target.house}",
                       attributes={"house": target.house, "owner": target.owner},
                       photos=tuple(p for ps in inspection.photos.values() for p in ps), accept=True)

    async def order(self, principal: Principal, campaign_id: int, house: str, fields: OrderFields) -> Target:
        """A rectification order after a hazard (or a new deadline for one), with who is responsible."""
        target = await asyncio.to_thread(self._order, principal, campaign_id, house, fields)
        told = f"整改通知：责任人 {fields.responsible}，期限 {fields.deadline.isoformat()}，{fields.measures}"
        await self._note(target, principal, told)
        return target

    def _order(self, principal: Principal, campaign_id: int, house: str, fields: OrderFields) -> Target:
        with self.lock:
            return self._order_locked(principal, campaign_id, house, fields)

    def _order_locked(self, principal: Principal, campaign_id: int, house: str, fields: OrderFields) -> Target:
        target = self._target_in_scope(principal, campaign_id, house)
        if target.state not in (TargetState.hazard, TargetState.rectifying):
            raise RegisterError(f"房屋 {house} {target.state.label}，无需整改")
        if fields.deadline < self.parts.today():
            raise RegisterError("整改期限不能早于今天")
        order = Order(**fields.model_dump(), issued=self.parts.clock(), actor=principal.actor)
        target = target.model_copy(update={"state": TargetState.rectifying, "order": order,
                                           "updated": order.issued})
        self.store.save_target(target)
        return target


def check_answers(checklist: Checklist, fields: InspectionFields) -> None:
    """Every item answered with one of its answers, and photographed where the checklist asks."""
    items = {i.id: i for i in checklist.items}
    problems = [f"{items[i].text}：未作答" for i in items if i not in fields.answers]
    problems += [f"未知检查项 {i}" for i in {*fields.answers, *fields.photos} if i not in items]
    problems += [f"{items[i].text}：应为 {'/'.join(items[i].answers)}" for i, a in fields.answers.items()
                 if i in items and a not in items[i].answers]
    problems += [f"{i.text}：须拍照" for i in checklist.items if i.photo and not fields.photos.get(i.id)]
    if problems:
        raise RegisterError("；".join(problems))
