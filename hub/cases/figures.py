"""Figures of cases: received, in progress, handled, overdue and on time, by source, category, grid or village,
per day, ISO week or month of the town's calendar.

Each case counts in the period it was received in (a cohort), as the towns count their demands: of 647
collected, 602 handled and 45 in progress. Pure counting over cases the caller has read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from hub.cases.model import DONE, Case, CaseState

By = Literal["source", "category", "grid", "village", "all"]
Period = Literal["day", "week", "month", "all"]
IN_PROGRESS = frozenset({CaseState.RECEIVED, CaseState.ACCEPTED, CaseState.ROUTED, CaseState.HANDLING})


@dataclass
class Tally:
    period: str
    key: str
    received: int = 0
    in_progress: int = 0
    handled: int = 0  # handled, verified, closed or rated
    overdue: int = 0  # handled late, or still open past the limit
    on_time: int = 0  # handled within the limit
    timed: int = 0  # handled with a limit: what the on-time rate divides by
    rejected: int = 0
    merged: int = 0
    ratings: list[int] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        return round(self.on_time / self.timed, 4) if self.timed else None

    @property
    def satisfaction(self) -> float | None:
        """Mean rating, 1–5."""
        return round(sum(self.ratings) / len(self.ratings), 2) if self.ratings else None

    def add(self, case: Case, now: float) -> None:
        self.received += 1
        self.in_progress += case.state in IN_PROGRESS
        self.rejected += case.state is CaseState.REJECTED
        self.merged += case.state is CaseState.MERGED
        self.overdue += case.overdue(now)
        if case.state in DONE:
            self.handled += 1
            if case.due_at is not None:
                self.timed += 1
                self.on_time += not case.overdue(now)
        if case.rating is not None:
            self.ratings.append(case.rating)


def period_of(ts: float, period: Period, tz: ZoneInfo) -> str:
    """The label of the day (2026-03-09), ISO week (2026-W11) or month (2026-03) *ts* falls in, town time."""
    day = datetime.fromtimestamp(ts, tz).date()
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day:%Y-%m}" if period == "month" else "all"


def key_of(by: By) -> Callable[[Case], str]:
    keys: dict[str, Callable[[Case], str]] = {
        "source": lambda c: c.source.value, "category": lambda c: c.category,
        "grid": lambda c: c.grid or "", "village": lambda c: c.village or "", "all": lambda c: "all"}
    return keys[by]


def tally(cases: Iterable[Case], now: float, tz: ZoneInfo, by: By = "all", period: Period = "all") -> list[Tally]:
    """One row per period and key, in order of period then key."""
    rows: dict[tuple[str, str], Tally] = {}
    key = key_of(by)
    for case in cases:
        where = (period_of(case.created_at, period, tz), key(case))
        rows.setdefault(where, Tally(*where)).add(case, now)
    return [rows[k] for k in sorted(rows)]
