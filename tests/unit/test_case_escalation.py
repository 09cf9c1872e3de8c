"""The escalation chain past a case's limit: step by step in working time, across a weekend and a holiday,
per category, and from where a restarted book left off; mistakes in the town file name file and line."""

from __future__ import annotations

from pathlib import Path

from hub.cases.book import SYSTEM, CaseBook
from hub.cases.model import Action, Case, CaseEvent, CaseState
from tests.case_support import OFFICER, UNIT, Clock, book, case_in, local, new_case, town
from tests.support import broken_town, line_of, problems


def steps(events: list[CaseEvent]) -> list[tuple[str, str]]:
    """(step, who was told) of each escalation among *events*."""
    return [(e.entry.detail["step"], e.entry.detail["told"]) for e in events if e.entry.action is Action.ESCALATE]


def due_on_friday(grid: str = "G19") -> tuple[Clock, CaseBook, Case]:
    """A self-built-housing case (3 working days) in hand from Tuesday 10 March: due at Friday's close."""
    clock = Clock("2026-03-10 10:00")
    b = book(clock)
    case = case_in(b, CaseState.HANDLING, new_case(category="self-built-housing", grid=grid))
    assert local(case.due_at) == "2026-03-13 17:30"
    return clock, b, case


def test_the_sample_chain_goes_on_past_a_weekend() -> None:
    clock, b, _ = due_on_friday()
    clock.at("2026-03-13 17:31")
    [first] = b.tick()
    assert first.entry.actor == SYSTEM and first.case.escalations == 1 and first.case.escalated
    assert first.entry.detail == {"step": "1", "of": "3", "notify": "village_cadre", "told": "石门村 张清"}
    assert first.entry.note == "已超过办理时限0.0个工作小时，第1/3级督办：请石门村 张清督办"
    clock.at("2026-03-16 17:29")  # Monday, a minute short of one working day on: the weekend does not count
    assert b.tick() == []
    clock.at("2026-03-16 17:31")
    assert steps(b.tick()) == [("2", "副镇长 李军")]
    clock.at("2026-03-18 17:29")
    assert b.tick() == []
    clock.at("2026-03-18 17:31")
    [third] = b.tick()
    assert steps([third]) == [("3", "镇长 王建设")] and "21.0个工作小时" in third.entry.note
    clock.at("2026-03-30 09:00")
    assert b.tick() == []  # the chain has ended; the case stays overdue on every list


def test_a_holiday_does_not_count() -> None:
    clock = Clock("2026-03-30 10:00")  # Monday; Qingming is Saturday 4 April to Monday 6 April
    b = book(clock)
    case = case_in(b, CaseState.ROUTED, new_case(category="self-built-housing"))
    assert local(case.due_at) == "2026-04-02 17:30"  # Thursday
    clock.at("2026-04-02 18:00")
    assert [s for s, _ in steps(b.tick())] == ["1"]
    clock.at("2026-04-03 17:31")  # Friday: one working day on
    assert [s for s, _ in steps(b.tick())] == ["2"]
    clock.at("2026-04-07 17:31")  # Tuesday is only the second working day on
    assert b.tick() == []
    clock.at("2026-04-08 17:31")
    assert [s for s, _ in steps(b.tick())] == ["3"]


def test_steps_missed_while_the_hub_was_down_are_each_taken_on_restart() -> None:
    clock, b, case = due_on_friday()
    clock.at("2026-03-13 17:31")
    b.tick()
    restarted = CaseBook(town(), town().cases, clock, [b.cases[case.id]], b.last_id, b.last_seq)
    clock.at("2026-03-19 09:00")  # past steps 2 and 3
    assert [s for s, _ in steps(restarted.tick())] == ["2", "3"]
    assert restarted.cases[case.id].escalations == 3 and restarted.tick() == []


def test_a_category_has_its_own_chain_in_working_hours() -> None:
    clock = Clock("2026-03-13 10:00")  # Friday
    b = book(clock)
    case = case_in(b, CaseState.ROUTED, new_case(category="flood-safety", grid="G19", urgent=True))
    assert local(case.due_at) == "2026-03-13 17:30"
    clock.at("2026-03-13 17:31")
    assert steps(b.tick()) == [("1", "石门村 张清、综治中心值班员")]
    clock.at("2026-03-16 10:29")  # two working hours on: 08:30 to 10:30 on Monday
    assert b.tick() == []
    clock.at("2026-03-16 10:31")
    assert [s for s, _ in steps(b.tick())] == ["2"]


def test_an_approved_extension_starts_the_chain_again() -> None:
    clock, b, case = due_on_friday()
    clock.at("2026-03-16 17:31")
    assert len(b.tick()) == 2
    asked = b.ask_extension(b.cases[case.id], 2, UNIT, "等待鉴定报告").case
    extended = b.decide_extension(asked, True, OFFICER, "同意").case
    assert extended.escalations == 0 and local(extended.due_at) == "2026-03-17 17:30"  # two days on from the limit
    clock.at("2026-03-17 17:31")
    assert [s for s, _ in steps(b.tick())] == ["1"]


def test_a_chain_names_known_leaders_and_categories_in_order(tmp_path: Path) -> None:
    path = broken_town(tmp_path, "notify: [leader:head]}", "notify: [leader:mayor]}")
    assert problems(path) == [f"{path}:{line_of(path, 'leader:mayor')}: cases.escalation.default[2].notify: "
                              "no leader 'mayor' in cases.leaders"]
    path = broken_town(tmp_path, "{working_days: 3, notify", "{working_days: 1, notify")
    assert problems(path) == [f"{path}:{line_of(path, '{working_days: 1, notify: [leader:head')}: "
                              "cases.escalation.default[2]: each step must come later than the one before"]
    path = broken_town(tmp_path, "flood-safety:           # cannot", "flood:           # cannot")
    assert problems(path) == [f"{path}:{line_of(path, 'flood:')}: cases.escalation.categories.flood: "
                              "no category 'flood'"]
    path = broken_town(tmp_path, "notify: [village_cadre]}", "notify: [village_head]}")
    first = problems(path)[0]
    assert first.startswith(f"{path}:{line_of(path, 'village_head')}: cases.escalation.default[0].notify[0]: "
                            "String should match pattern")
