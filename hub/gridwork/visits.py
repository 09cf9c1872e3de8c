"""Household visits (走访, 周一直通车): the day each grid visits and who is due, the visit log, needs made into
cases, and how many households each grid reached this month and quarter."""

from __future__ import annotations

import asyncio
import datetime as dt

from pydantic import BaseModel, Field

from hub.cases.model import Kind, NewCase, Source
from hub.gridwork.model import Need, NeedCase, Visit, VisitFields
from hub.gridwork.scope import OnParts
from hub.register.service import NotFound, RegisterError
from hub.users.model import Principal

DUE_SHOWN = 50
RESEND_WINDOW = 500  # a grid's newest visits, among which a phone's resend is looked for


class GridSchedule(BaseModel):
    grid: str
    village: str
    weekday: int = Field(description="ISO weekday of the grid's visits, 1 = Monday")
    next_visit: dt.date = Field(description="the next visit day, today included")
    today: bool = Field(description="whether today is the grid's visit day: the phone reminds its workers")
    workers: list[str] = Field(description="the grid workers who visit")
    households: int
    due: int = Field(description="households not visited within the town file's due_after_days")
    due_households: list[str] = Field(description=f"the first {DUE_SHOWN} of them, by number")


class Coverage(BaseModel):
    grid: str
    village: str
    households: int
    month: int = Field(description="households visited since the first of this month")
    quarter: int = Field(description="households visited since the first day of this quarter")


def next_weekday(today: dt.date, weekday: int) -> dt.date:
    return today + dt.timedelta(days=(weekday - today.isoweekday()) % 7)


def quarter_start(today: dt.date) -> dt.date:
    return dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


class Visits(OnParts):
    """The visit log as each principal may see and write it."""

    def log(self, principal: Principal, fields: VisitFields) -> Visit:
        """A visit to a household of the caller's scope, signed by the caller."""
        household = self.register.store.household(fields.household)
        if household is None:
            raise NotFound(f"没有户号 {fields.household}")
        self.register.check_grid(principal, household.grid)
        with self.lock:
            if fields.key is not None and (sent := self._sent(household.grid, fields.key)) is not None:
                return sent
            visit = Visit(household=household.number, grid=household.grid,
                          village=self.register.village_of(household.grid) or "", visitor=principal.actor,
                          ts=self.parts.clock(), raised=fields.raised,
                          needs=tuple(Need(text=n.text) for n in fields.needs), key=fields.key)
            return self.store.add_visit(visit)

    def _sent(self, grid: str, key: str) -> Visit | None:
        """The visit a phone logged before under *key*: a resend comes soon after, among the grid's newest."""
        return next((v for v in self.store.visits(frozenset({grid}), 0.0, RESEND_WINDOW) if v.key == key), None)

    def visits(self, principal: Principal, days: int, limit: int) -> list[Visit]:
        since = self.parts.start_of(self.parts.today() - dt.timedelta(days=days))
        return self.store.visits(self.register.scope(principal), since, limit)

    def visit(self, principal: Principal, visit_id: int) -> Visit:
        found = self.store.visit(visit_id)
        if found is None:
            raise NotFound(f"没有编号为 {visit_id} 的走访记录")
        self.register.check_grid(principal, found.grid)
        return found

    async def need_to_case(self, principal: Principal, visit_id: int, index: int, how: NeedCase) -> Visit:
        """One call: the visit's need becomes an accepted case of the household's grid."""
        visit = await asyncio.to_thread(self.visit, principal, visit_id)
        if not 0 <= index < len(visit.needs):
            raise NotFound(f"走访记录 {visit_id} 没有第 {index + 1} 项诉求")
        need = visit.needs[index]
        if need.case_id is not None:
            raise RegisterError(f"该诉求已转为案件 {need.case_id}")
        if how.category not in self.register.town.cases.category_map():
            raise RegisterError(f"未知案件类别 {how.category}")
        household = self.register.store.household(visit.household)
        new = NewCase(Source.VISIT, how.category, need.text[:60], f"{visit.raised}\n诉求：{need.text}",
                      kind=Kind.HELP, address=household.address if household else "", grid=visit.grid,
                      village=visit.village, urgent=how.urgent, source_ref=f"visit:{visit.id}:{index}",
                      attributes={"household": visit.household}, accept=True)
        case, _, _ = await self.parts.cases.receive(new, principal.actor)
        needs = list(visit.needs)
        needs[index] = need.model_copy(update={"case_id": case.id})
        visit = visit.model_copy(update={"needs": tuple(needs)})
        await asyncio.to_thread(self.store.save_visit, visit)
        return visit

    def schedule(self, principal: Principal) -> list[GridSchedule]:
        """Each grid in scope: its visit day, its grid workers, and the households due a visit."""
        today = self.parts.today()
        config = self.parts.config.visits
        grids = self.register.scope(principal)
        since = self.parts.start_of(today - dt.timedelta(days=config.due_after_days))
        visited = self.store.visited(grids, since)
        return [GridSchedule(grid=grid, village=self.register.village_of(grid) or "", weekday=config.weekday_of(grid),
                             next_visit=next_weekday(today, config.weekday_of(grid)),
                             today=today.isoweekday() == config.weekday_of(grid), workers=self.parts.workers(grid),
                             households=len(numbers), due=len(due := [n for n in numbers
                                                                      if n not in visited.get(grid, set())]),
                             due_households=due[:DUE_SHOWN])
                for grid, numbers in sorted(self._households(grids).items())]

    def coverage(self, principal: Principal) -> list[Coverage]:
        """Households visited this month and this quarter, by grid in scope."""
        today = self.parts.today()
        grids = self.register.scope(principal)
        month = self.store.visited(grids, self.parts.start_of(today.replace(day=1)))
        quarter = self.store.visited(grids, self.parts.start_of(quarter_start(today)))
        return [Coverage(grid=grid, village=self.register.village_of(grid) or "", households=len(numbers),
                         month=len(month.get(grid, set())), quarter=len(quarter.get(grid, set())))
                for grid, numbers in sorted(self._households(grids).items())]

    def _households(self, grids: frozenset[str] | None) -> dict[str, list[str]]:
        """Households by grid, every grid in scope listed even when it has none yet."""
        found = self.store.households(grids)
        return {g: found.get(g, []) for g in (grids if grids is not None else self.register.town.grids())}
