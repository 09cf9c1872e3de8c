"""Working time on a holiday calendar: limits in working hours or days, and working time between two moments.

Pure arithmetic on the town's local dates. A working day is a weekday that is not a public holiday,
or a weekend day the State Council has made a working day (调休). Within a working day only the
office periods count (08:30–12:00 and 14:00–17:30 by default), so "4 working hours" from 11:00 ends
at 15:00 and "3 working days" ends at the close of the third working day after the day it started,
the first day not counting (as Chinese rules on periods count them).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 3660  # a calendar without working days must not loop for ever: ten years of searching is enough


@dataclass(frozen=True)
class WorkCalendar:
    """The town's working days and office hours; times in and out are epoch seconds."""

    tz: ZoneInfo
    periods: tuple[tuple[time, time], ...]  # office periods of a working day, sorted, not overlapping
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # weekend days that are working days (调休上班)
    weekend: frozenset[int] = frozenset({5, 6})  # date.weekday(): Saturday, Sunday

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day not in self.holidays and day.weekday() not in self.weekend

    def add_hours(self, start: float, hours: float) -> float:
        """The moment *hours* of working time after *start*; 0 gives the next working moment."""
        left = hours * 3600.0
        cursor = self._local(start)
        for opens, end in self._periods_from(cursor.date()):
            begin = max(opens, cursor)
            if end <= begin:
                continue
            if left <= (end - begin).total_seconds():
                return (begin + timedelta(seconds=left)).timestamp()
            left -= (end - begin).total_seconds()
        raise ValueError("no working time in the next ten years: check the calendar")

    def end_of_day(self, start: float, days: int) -> float:
        """The close of the *days*-th working day after *start*'s day; 0: of its own day, or the next one's."""
        day = self._local(start).date()
        if days == 0:
            close = self._close(day)
            if close is not None and start < close:
                return close
        counted = 0
        for _ in range(MAX_DAYS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
                if counted >= max(days, 1):
                    return self._close(day) or 0.0
        raise ValueError("no working day in the next ten years: check the calendar")

    def between(self, a: float, b: float) -> float:
        """Working seconds from *a* to *b*; negative when *b* is before *a*."""
        if b < a:
            return -self.between(b, a)
        lo, hi = self._local(a), self._local(b)
        total = 0.0
        for begin, end in self._periods_from(lo.date(), hi.date()):
            overlap = (min(end, hi) - max(begin, lo)).total_seconds()
            total += max(overlap, 0.0)
        return total

    def day_seconds(self) -> float:
        """Working seconds in one working day."""
        return sum((_on(date(2000, 1, 3), e, self.tz) - _on(date(2000, 1, 3), s, self.tz)).total_seconds()
                   for s, e in self.periods)

    # --- helpers ----------------------------------------------------------------------------------

    def _local(self, ts: float) -> datetime:
        return datetime.fromtimestamp(ts, self.tz)

    def _close(self, day: date) -> float | None:
        """The end of the last office period of *day*, if it is a working day."""
        if not self.is_working_day(day) or not self.periods:
            return None
        return _on(day, self.periods[-1][1], self.tz).timestamp()

    def _periods_from(self, first: date, last: date | None = None) -> Iterator[tuple[datetime, datetime]]:
        """Office periods of the working days from *first* (to *last*, or for at most ten years)."""
        day = first
        for _ in range(MAX_DAYS):
            if last is not None and day > last:
                return
            if self.is_working_day(day):
                for begin, end in self.periods:
                    yield _on(day, begin, self.tz), _on(day, end, self.tz)
            day += timedelta(days=1)


def _on(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz)
