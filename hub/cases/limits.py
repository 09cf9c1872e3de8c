"""Which time limit a case has, when it falls due, and when to remind its lead unit."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hub.cases.config import CasesConfig, Limit
from hub.cases.model import Case
from hub.cases.workcal import WorkCalendar


def calendar_of(config: CasesConfig, timezone: str) -> WorkCalendar:
    cal = config.calendar
    return WorkCalendar(ZoneInfo(timezone), cal.hours, cal.holiday_dates(), cal.workday_dates(),
                        frozenset(d - 1 for d in cal.weekend))


def limit_of(config: CasesConfig, case: Case) -> Limit:
    """Urgent cases have the urgent limit; others their category's, else their kind's."""
    if case.urgent:
        return config.urgent_limit
    category = config.category_map().get(case.category)
    if category is not None and category.limit is not None:
        return category.limit
    return config.kind_limits.get(case.kind, Limit(working_days=13))


def due(calendar: WorkCalendar, limit: Limit, start: float) -> float:
    if limit.working_hours is not None:
        return calendar.add_hours(start, limit.working_hours)
    return calendar.end_of_day(start, limit.working_days or 0)


def remind_at(calendar: WorkCalendar, start: float, due_at: float, before_hours: float) -> float:
    """*before_hours* of working time before the limit, or half-way for limits shorter than twice that."""
    total = calendar.between(start, due_at)
    lead = min(before_hours * 3600.0, total / 2)
    return calendar.add_hours(start, (total - lead) / 3600.0) if total > 0 else due_at


def extended(calendar: WorkCalendar, due_at: float, days: int) -> float:
    """The limit moved *days* working days on: to the close of the working day that many after it."""
    return calendar.end_of_day(due_at, days)
