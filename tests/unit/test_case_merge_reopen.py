"""Duplicates suggested and merged on confirmation; finished cases reopened."""

from __future__ import annotations

import pytest

from hub.cases.duplicates import likeness
from hub.cases.lifecycle import CaseError
from hub.cases.model import Action, CaseState, Source
from hub.cases.places import CaseInputError
from tests.case_support import OFFICER, Clock, book, case_in, local, middle_of, new_case


def test_likeness_of_chinese_texts() -> None:
    assert likeness("和平路12号门前路灯不亮", "和平路12号路灯坏了不亮") > 0.4
    assert likeness("和平路12号门前路灯不亮", "村民反映低保评定不公") < 0.1
    assert likeness("", "路灯") == 0.0


def test_the_same_matter_at_the_same_place_soon_after_is_suggested() -> None:
    clock = Clock()
    b = book(clock)
    first = b.receive(new_case(matter="邻居在公共通道堆放杂物，影响通行"), OFFICER)[0].case
    clock.advance(2 * 86400)
    again_new = new_case(matter="隔壁邻居在公共通道里堆放杂物，老人通行不便", source=Source.WECHAT)
    again = b.receive(again_new, OFFICER)[0].case
    elsewhere = b.receive(new_case(grid="G30", address="另一处"), OFFICER)[0].case
    other_matter = b.receive(new_case(category="water-supply", matter="整个片区停水一天了"), OFFICER)[0].case
    [found] = b.duplicates(again)
    assert found.case_id == first.id and found.score >= 0.3
    assert "地址相同" in found.reasons and "同一类别" in found.reasons
    assert all(c.case_id not in (elsewhere.id, other_matter.id) for c in b.duplicates(again))


def test_distance_decides_when_both_have_a_location() -> None:
    b = book()
    here = middle_of("G05")
    near = (here[0] + 0.001, here[1])  # about 100 m east
    far = (here[0] + 0.01, here[1])  # about 1 km
    first = b.receive(new_case(grid=None, location=here, address=""), OFFICER)[0].case
    close = b.receive(new_case(grid=None, location=near, address=""), OFFICER)[0].case
    distant = b.receive(new_case(grid=None, location=far, address=""), OFFICER)[0].case
    assert [c.case_id for c in b.duplicates(close)] == [first.id]
    assert first.id not in [c.case_id for c in b.duplicates(distant)]


def test_long_ago_is_not_a_duplicate() -> None:
    clock = Clock()
    b = book(clock)
    b.receive(new_case(), OFFICER)
    clock.advance(8 * 86400)
    assert b.duplicates(b.receive(new_case(), OFFICER)[0].case) == []


def test_merging_folds_the_duplicate_into_the_case() -> None:
    b = book()
    into = case_in(b, CaseState.ROUTED)
    duplicate = b.receive(new_case(), OFFICER)[0].case
    merged, absorbed = b.merge(duplicate, into, OFFICER, "同一事项重复反映")
    assert merged.case.state is CaseState.MERGED and merged.case.merged_into == into.id
    assert merged.entry.action is Action.MERGE and merged.entry.detail == {"into": str(into.id)}
    assert absorbed.case.merged == (duplicate.id,) and absorbed.case.state is CaseState.ROUTED
    assert absorbed.entry.action is Action.ABSORB
    assert duplicate.id not in b.cases and b.cases[into.id].merged == (duplicate.id,)


def test_what_cannot_be_merged() -> None:
    b = book()
    case = case_in(b, CaseState.ACCEPTED)
    with pytest.raises(CaseError, match="into itself"):
        b.merge(case, case, OFFICER, "同一事项")
    closed = case_in(b, CaseState.CLOSED)
    with pytest.raises(CaseError, match="is closed"):
        b.merge(closed, case, OFFICER, "同一事项")
    with pytest.raises(CaseError, match="is closed"):
        b.merge(case, closed, OFFICER, "同一事项")
    with pytest.raises(CaseError, match="needs a reason"):
        b.merge(case_in(b, CaseState.RECEIVED), case, OFFICER, "")



def test_a_wrong_merge_is_split_back_into_its_own_state() -> None:
    clock = Clock()
    b = book(clock)
    into = case_in(b, CaseState.ACCEPTED)
    duplicate = case_in(b, CaseState.HANDLING)
    merged, _ = b.merge(duplicate, into, OFFICER, "同一事项重复反映")
    clock.advance(3600)
    back, left = b.split(merged.case, b.cases[into.id], OFFICER, "两户不同通道，并非同一事项")
    assert back.case.state is CaseState.HANDLING and back.case.merged_into is None
    assert back.case.lead == duplicate.lead and back.case.due_at == duplicate.due_at  # its own limit, running
    assert back.entry.action is Action.SPLIT and back.entry.detail == {"from": str(into.id)}
    assert back.entry.note == "两户不同通道，并非同一事项" and back.entry.state is CaseState.HANDLING
    assert left.case.merged == () and left.case.state is CaseState.ACCEPTED
    assert left.entry.action is Action.SPLIT_OFF and left.entry.detail == {"case": str(duplicate.id)}
    assert b.cases[duplicate.id] == back.case and b.cases[into.id] == left.case


def test_a_split_needs_a_reason_and_a_merge_to_undo() -> None:
    b = book()
    into = case_in(b, CaseState.ROUTED)
    merged = b.merge(case_in(b, CaseState.RECEIVED), into, OFFICER, "重复")[0].case
    with pytest.raises(CaseError, match="needs a reason"):
        b.split(merged, b.cases[into.id], OFFICER, " ")
    with pytest.raises(CaseError, match="is not merged into case"):
        b.split(merged, case_in(b, CaseState.ROUTED), OFFICER, "并非同一事项")
    with pytest.raises(CaseError, match="is not merged into case"):
        b.split(b.cases[into.id], b.cases[into.id], OFFICER, "并非同一事项")  # an open case has no merge to undo


def test_a_case_split_out_of_a_closed_one_is_open_again() -> None:
    b = book()
    into = case_in(b, CaseState.ROUTED)
    merged = b.merge(case_in(b, CaseState.RECEIVED), into, OFFICER, "重复")[0].case
    closed = into
    for step in (lambda c: b.start(c, OFFICER), lambda c: b.handle(c, OFFICER, "已处理"),
                 lambda c: b.verify(c, OFFICER), lambda c: b.close(c, OFFICER)):
        closed = step(b.cases.get(into.id, closed)).case
    assert closed.state is CaseState.CLOSED and into.id not in b.cases
    back, left = b.split(merged, closed, OFFICER, "复核发现是两件事")
    assert back.case.state is CaseState.RECEIVED and back.case.id in b.cases
    assert left.case.state is CaseState.CLOSED and left.case.merged == () and into.id not in b.cases

@pytest.mark.parametrize(("state", "back_to"), [(CaseState.CLOSED, CaseState.ROUTED),
                                                (CaseState.RATED, CaseState.ROUTED),
                                                (CaseState.REJECTED, CaseState.ACCEPTED)])
def test_reopening_a_finished_case(state: CaseState, back_to: CaseState) -> None:
    clock = Clock()
    b = book(clock)
    case = case_in(b, state)
    clock.at("2026-03-20 10:00")
    reopened = b.reopen(case, OFFICER, "群众反映问题复发").case
    assert reopened.state is back_to and reopened.reopened == 1 and reopened.id in b.cases
    assert reopened.handled_at is None and reopened.closed_at is None and reopened.rating is None
    assert local(reopened.due_at) == "2026-04-03 17:30"  # a fresh limit of 10 working days, from now
    assert not reopened.reminded and not reopened.escalated


@pytest.mark.parametrize("state", [CaseState.HANDLING, CaseState.MERGED])
def test_open_and_merged_cases_are_not_reopened(state: CaseState) -> None:
    with pytest.raises(CaseError, match="reopen applies only"):
        book().reopen(case_in(book(), state), OFFICER, "再看看")


def test_a_reopened_case_runs_the_loop_again() -> None:
    b = book()
    reopened = b.reopen(case_in(b, CaseState.RATED), OFFICER, "复发")
    case = b.start(reopened.case, OFFICER).case
    case = b.handle(case, OFFICER, "再次清理").case
    assert case.state is CaseState.HANDLED and case.reopened == 1


def test_extension_rules() -> None:
    clock = Clock("2026-09-21 10:00")
    b = book(clock)
    case = case_in(b, CaseState.HANDLING)
    assert local(case.due_at) == "2026-10-12 17:30"  # 10 working days over Mid-Autumn, National Day, Saturday 10th
    with pytest.raises(CaseError, match="needs a reason"):
        b.ask_extension(case, 3, OFFICER, "")
    with pytest.raises(CaseError, match="no extension request"):
        b.decide_extension(case, True, OFFICER)
    asked = b.ask_extension(case, 3, OFFICER, "当事人外出务工，国庆后返乡").case
    with pytest.raises(CaseError, match="already has an extension request"):
        b.ask_extension(asked, 2, OFFICER, "再延")
    approved = b.decide_extension(asked, True, OFFICER, "同意").case
    assert local(approved.due_at) == "2026-10-15 17:30"  # three working days on
    assert approved.extensions[-1].approved is True and approved.pending_extension is None
    refused = b.decide_extension(b.ask_extension(approved, 30, OFFICER, "再延").case, False, OFFICER, "不同意")
    assert refused.case.due_at == approved.due_at and refused.case.extensions[-1].approved is False
    third = b.decide_extension(b.ask_extension(refused.case, 1, OFFICER, "最后一次").case, True, OFFICER).case
    with pytest.raises(CaseError, match="has had its 2 extensions"):
        b.ask_extension(third, 1, OFFICER, "又一次")
    with pytest.raises(CaseInputError, match="1 to 30"):
        b.ask_extension(case_in(b, CaseState.ROUTED), 31, OFFICER, "太久")
