"""Working-time arithmetic on the 2026 calendar: weekends, public holidays, make-up Saturdays, office hours."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.cases.config import CasesConfig, Limit
from hub.cases.limits import calendar_of, due, extended, remind_at
from hub.cases.workcal import WorkCalendar

TZ = ZoneInfo("Asia/Shanghai")
CAL = calendar_of(CasesConfig(), "Asia/Shanghai")


def ts(text: str) -> float:
    """Town time 'YYYY-MM-DD HH:MM' as epoch seconds."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ).timestamp()


def local(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, TZ).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(("day", "working"), [
    ("2026-03-09", True),   # a Monday
    ("2026-03-07", False),  # a Saturday
    ("2026-01-02", False),  # New Year, a Friday off
    ("2026-01-04", True),   # a Sunday worked for New Year
    ("2026-02-14", True),   # a Saturday worked before Spring Festival
    ("2026-02-23", False),  # the last day of Spring Festival, a Monday
    ("2026-02-28", True),   # a Saturday worked after it
    ("2026-04-06", False),  # Qingming, a Monday
    ("2026-05-05", False),  # Labour Day, a Tuesday
    ("2026-05-09", True),   # its make-up Saturday
    ("2026-09-20", True),   # a Sunday worked before National Day
    ("2026-10-07", False),  # National Day, a Wednesday
    ("2026-10-10", True),   # a Saturday worked after it
])
def test_working_days_follow_the_state_councils_notice(day: str, working: bool) -> None:
    assert CAL.is_working_day(date.fromisoformat(day)) is working


def test_a_working_day_has_seven_office_hours() -> None:
    assert CAL.day_seconds() == 7 * 3600


@pytest.mark.parametrize(("start", "hours", "end"), [
    ("2026-03-09 09:00", 2, "2026-03-09 11:00"),    # within the morning
    ("2026-03-09 11:00", 4, "2026-03-09 17:00"),    # over the lunch break
    ("2026-03-09 08:30", 3.5, "2026-03-09 12:00"),  # the whole morning ends at noon, not at 14:00
    ("2026-03-09 12:30", 1, "2026-03-09 15:00"),    # started at lunch: counts from 14:00
    ("2026-03-09 07:00", 1, "2026-03-09 09:30"),    # before opening
    ("2026-03-09 20:00", 1, "2026-03-10 09:30"),    # after closing
    ("2026-03-13 16:30", 2, "2026-03-16 09:30"),    # Friday afternoon to Monday morning
    ("2026-03-14 10:00", 1, "2026-03-16 09:30"),    # received on a Saturday
    ("2026-04-30 17:00", 1, "2026-05-06 09:00"),    # over the Labour Day holiday
    ("2026-05-08 17:00", 1, "2026-05-09 09:00"),    # into the make-up Saturday
    ("2026-02-13 17:00", 8, "2026-02-24 09:00"),    # Friday, the make-up Saturday, then Spring Festival
    ("2026-03-09 10:00", 14, "2026-03-11 10:00"),   # two whole working days
])
def test_adding_working_hours(start: str, hours: float, end: str) -> None:
    assert local(CAL.add_hours(ts(start), hours)) == end


@pytest.mark.parametrize(("start", "days", "end"), [
    ("2026-03-09 10:00", 0, "2026-03-09 17:30"),   # same day
    ("2026-03-09 18:00", 0, "2026-03-10 17:30"),   # same day, received after closing: the next one's
    ("2026-03-07 10:00", 0, "2026-03-09 17:30"),   # same day, received on a Saturday
    ("2026-03-09 10:00", 1, "2026-03-10 17:30"),   # the first day does not count
    ("2026-03-13 10:00", 3, "2026-03-18 17:30"),   # Friday: Monday, Tuesday, Wednesday
    ("2026-03-14 10:00", 3, "2026-03-18 17:30"),   # Saturday: the same
    ("2026-02-13 10:00", 3, "2026-02-25 17:30"),   # the make-up Saturday counts, Spring Festival does not
    ("2026-09-23 10:00", 13, "2026-10-19 17:30"),  # complaints over Mid-Autumn, National Day and its Saturday
    ("2026-12-30 10:00", 3, "2027-01-04 17:30"),   # past the calendar's year: weekends only
])
def test_working_days_end_at_the_close_of_the_last(start: str, days: int, end: str) -> None:
    assert local(CAL.end_of_day(ts(start), days)) == end


@pytest.mark.parametrize(("a", "b", "hours"), [
    ("2026-03-09 09:00", "2026-03-09 11:00", 2),
    ("2026-03-09 11:00", "2026-03-09 15:00", 2),    # the lunch break does not count
    ("2026-03-09 12:10", "2026-03-09 13:50", 0),
    ("2026-03-13 16:00", "2026-03-16 10:00", 3),    # nor does the weekend
    ("2026-04-30 17:00", "2026-05-06 09:00", 1),    # nor the holiday
    ("2026-05-08 17:00", "2026-05-11 09:00", 8),    # but the make-up Saturday does
    ("2026-03-16 10:00", "2026-03-13 16:00", -3),   # backwards: negative
])
def test_working_time_between_two_moments(a: str, b: str, hours: float) -> None:
    assert CAL.between(ts(a), ts(b)) == pytest.approx(hours * 3600)


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)),
       st.floats(min_value=0.01, max_value=200, allow_nan=False))
def test_adding_then_measuring_gives_back_the_hours(start: datetime, hours: float) -> None:
    begin = start.replace(tzinfo=TZ).timestamp()
    end = CAL.add_hours(begin, hours)
    assert CAL.between(begin, end) == pytest.approx(hours * 3600, abs=1e-3)
    assert CAL.is_working_day(datetime.fromtimestamp(end, TZ).date())


def test_a_calendar_without_working_days_says_so() -> None:
    never = WorkCalendar(TZ, CAL.periods, weekend=frozenset(range(7)))
    with pytest.raises(ValueError, match="check the calendar"):
        never.add_hours(ts("2026-03-09 09:00"), 1)
    with pytest.raises(ValueError, match="check the calendar"):
        never.end_of_day(ts("2026-03-09 09:00"), 1)


def test_limits_in_hours_and_days() -> None:
    start = ts("2026-03-13 16:00")
    assert local(due(CAL, Limit(working_hours=4), start)) == "2026-03-16 11:00"
    assert local(due(CAL, Limit(working_days=0), start)) == "2026-03-13 17:30"
    assert local(due(CAL, Limit(working_days=3), start)) == "2026-03-18 17:30"


def test_reminders_come_before_the_limit_or_half_way() -> None:
    start = ts("2026-03-13 10:00")
    end = due(CAL, Limit(working_days=3), start)
    assert local(remind_at(CAL, start, end, 4)) == "2026-03-18 11:30"  # 4 working hours before 17:30, over lunch
    short = due(CAL, Limit(working_hours=2), start)
    assert local(remind_at(CAL, start, short, 4)) == "2026-03-13 11:00"  # half of 2 hours


def test_an_extension_moves_the_limit_by_working_days() -> None:
    assert local(extended(CAL, ts("2026-09-30 17:30"), 2)) == "2026-10-09 17:30"  # over National Day
