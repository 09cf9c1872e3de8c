"""Reminders before the time limit, escalation after it, on working time; overdue and on time."""

from __future__ import annotations

from hub.cases.book import SYSTEM
from hub.cases.model import Action, CaseState
from tests.case_support import OFFICER, UNIT, Clock, book, case_in, local, new_case


def test_reminded_before_and_escalated_after_the_limit_once_each() -> None:
    clock = Clock("2026-03-13 10:00")  # a Friday
    b = book(clock)
    case = case_in(b, CaseState.ROUTED, new_case(category="self-built-housing"))  # 3 working days
    assert local(case.due_at) == "2026-03-18 17:30" and local(case.remind_at) == "2026-03-18 11:30"
    clock.at("2026-03-18 11:00")
    assert b.tick() == []
    clock.at("2026-03-18 11:31")
    [remind] = b.tick()
    assert remind.entry.action is Action.REMIND and remind.entry.actor == SYSTEM
    assert remind.entry.note == "距办理时限还有4.0个工作小时"
    assert b.tick() == []
    clock.at("2026-03-19 09:30")  # one working hour late
    [escalate] = b.tick()
    assert escalate.entry.action is Action.ESCALATE and "1.0个工作小时" in escalate.entry.note
    assert escalate.case.overdue(clock()) and b.tick() == []


def test_no_timers_once_handled_and_none_over_a_weekend_for_the_unit() -> None:
    clock = Clock("2026-03-13 10:00")
    b = book(clock)
    case = case_in(b, CaseState.HANDLING, new_case(category="self-built-housing"))
    clock.at("2026-03-18 16:00")
    b.handle(b.cases[case.id], UNIT, "已加固")
    clock.at("2026-03-25 09:00")
    assert b.tick() == []
    assert not b.cases[case.id].overdue(clock())  # handled in time: on time, whatever the check does later


def test_a_case_handled_late_stays_overdue() -> None:
    clock = Clock("2026-03-13 10:00")
    b = book(clock)
    case = case_in(b, CaseState.HANDLING, new_case(category="self-built-housing"))
    clock.at("2026-03-19 10:00")
    handled = b.handle(b.cases[case.id], UNIT, "已加固").case
    assert handled.overdue(clock.at("2026-03-19 10:00"))


def test_an_approved_extension_starts_the_timers_again() -> None:
    clock = Clock("2026-03-13 10:00")
    b = book(clock)
    case = case_in(b, CaseState.HANDLING, new_case(category="self-built-housing"))
    clock.at("2026-03-19 09:00")
    b.tick()
    assert b.cases[case.id].escalated
    asked = b.ask_extension(b.cases[case.id], 2, UNIT, "需鉴定机构出具报告").case
    extended = b.decide_extension(asked, True, OFFICER, "同意延期").case
    assert local(extended.due_at) == "2026-03-20 17:30"
    assert not extended.escalated and not extended.reminded and not extended.overdue(clock())


def test_a_same_day_limit_after_hours_is_the_next_working_day() -> None:
    clock = Clock("2026-03-13 18:30")  # Friday evening
    b = book(clock)
    accepted = b.accept(b.receive(new_case(urgent=True), OFFICER)[0].case, OFFICER).case
    assert local(accepted.due_at) == "2026-03-16 17:30"
    assert local(accepted.remind_at) == "2026-03-16 12:00"  # half-way: the whole limit is 7 working hours
