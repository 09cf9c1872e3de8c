"""The case lifecycle: the closed loop, every forbidden move, reasons, reassigning, sending back, redoing."""

from __future__ import annotations

import pytest

from hub.cases.lifecycle import MOVES, NEEDS_REASON, CaseError, target
from hub.cases.model import Action, CaseState, UnitKind
from hub.cases.places import CaseInputError
from tests.case_support import OFFICER, UNIT, Clock, book, case_in, local, middle_of, new_case

LOOP = [CaseState.RECEIVED, CaseState.ACCEPTED, CaseState.ROUTED, CaseState.HANDLING, CaseState.HANDLED,
        CaseState.VERIFIED, CaseState.CLOSED, CaseState.RATED]


def test_the_closed_loop_with_who_when_and_notes() -> None:
    clock = Clock()
    b = book(clock)
    [received] = b.receive(new_case(), OFFICER)
    assert received.case.number == "20260309-0001" and received.case.village == "qingxi-sq"
    events = [received]
    for step in (lambda c: b.accept(c, OFFICER, "符合受理条件"),
                 lambda c: b.route(c, "department:judicial", ["grid:G01", "department:judicial"], OFFICER, "牵头"),
                 lambda c: b.start(c, UNIT, "已联系双方"),
                 lambda c: b.handle(c, UNIT, "双方达成协议"),
                 lambda c: b.verify(c, OFFICER, "回访属实"),
                 lambda c: b.close(c, OFFICER),
                 lambda c: b.rate(c, 4, OFFICER, "基本满意")):
        clock.advance(600)
        events.append(step(events[-1].case))
    assert [e.entry.state for e in events] == LOOP
    assert [e.entry.seq for e in events] == list(range(1, 9))
    assert [e.entry.actor for e in events][3:5] == [UNIT, UNIT]
    assert events[3].entry.note == "已联系双方"
    case = events[-1].case
    assert case.lead is not None and case.lead.kind is UnitKind.DEPARTMENT and case.lead.name == "司法所"
    assert [u.ref for u in case.assisting] == ["grid:G01"]  # the lead is not its own helper
    assert case.lead_village is None and case.assisting[0].village == "qingxi-sq"
    assert case.accepted_at == events[1].entry.ts and case.rated_at == events[-1].entry.ts
    assert case.result == "双方达成协议" and case.rating == 4
    assert case.limit == "10个工作日" and local(case.due_at) == "2026-03-23 17:30"  # a dispute: 10 working days
    assert not case.overdue(clock()) and case.id not in b.cases  # finished cases leave the book


@pytest.mark.parametrize("state", list(CaseState))
@pytest.mark.parametrize("action", [a for a, (_, to) in MOVES.items() if to is not None] + [Action.REOPEN])
def test_every_move_outside_the_table_is_refused(state: CaseState, action: Action) -> None:
    case = case_in(book(), state)
    allowed, _ = MOVES[action]
    if state in allowed:
        assert target(case, action, "理由") in CaseState
    else:
        with pytest.raises(CaseError, match=f"is {state.value}"):
            target(case, action, "理由")


@pytest.mark.parametrize(("state", "act"), [
    (CaseState.ROUTED, lambda b, c: b.verify(c, OFFICER)),
    (CaseState.RECEIVED, lambda b, c: b.route(c, "department:police", [], OFFICER)),
    (CaseState.HANDLING, lambda b, c: b.close(c, OFFICER)),
    (CaseState.CLOSED, lambda b, c: b.handle(c, UNIT, "又办了一次")),
    (CaseState.RATED, lambda b, c: b.rate(c, 5, OFFICER)),
    (CaseState.HANDLED, lambda b, c: b.accept(c, OFFICER)),
])
def test_the_book_refuses_with_the_reason(state: CaseState, act: object) -> None:
    b = book()
    case = case_in(b, state)
    with pytest.raises(CaseError) as refused:
        act(b, case)  # type: ignore[operator]
    assert f"case {case.id} is {state.value}" in str(refused.value)
    assert b.cases.get(case.id, case) == case  # nothing changed


@pytest.mark.parametrize("action", sorted(NEEDS_REASON))
def test_reasons_are_required(action: Action) -> None:
    allowed, _ = MOVES[action]
    state = next(s for s in [*LOOP, CaseState.REJECTED, CaseState.MERGED] if s in allowed)
    with pytest.raises(CaseError, match="needs a reason"):
        target(case_in(book(), state), action, "  ")


def test_reject_with_a_reason_ends_the_case() -> None:
    b = book()
    case = case_in(b, CaseState.REJECTED)
    assert case.state is CaseState.REJECTED and case.id not in b.cases


def test_reassign_to_another_unit_and_not_to_the_same() -> None:
    b = book()
    case = case_in(b, CaseState.HANDLING)
    moved = b.reassign(case, "department:police", [], OFFICER, "涉及治安，改由派出所牵头").case
    assert moved.state is CaseState.ROUTED and moved.lead is not None and moved.lead.id == "police"
    with pytest.raises(CaseError, match="already with 派出所"):
        b.reassign(moved, "department:police", [], OFFICER, "再派一次")


def test_a_unit_sends_a_case_back_and_the_centre_routes_it_again() -> None:
    b = book()
    case = case_in(b, CaseState.ROUTED)
    back = b.send_back(case, UNIT, "不属于本单位职责").case
    assert back.state is CaseState.ACCEPTED and back.lead is None and back.due_at == case.due_at
    again = b.route(back, "village:qingxi-sq", [], OFFICER, "由社区处理").case
    assert again.lead_village == "qingxi-sq"


def test_a_failed_check_goes_back_to_the_unit() -> None:
    b = book()
    case = case_in(b, CaseState.HANDLED)
    redone = b.redo(case, OFFICER, "回访发现杂物仍在").case
    assert redone.state is CaseState.HANDLING and redone.handled_at is None
    assert b.handle(redone, UNIT, "已清理完毕").case.state is CaseState.HANDLED


def test_unknown_units_categories_grids_and_ratings_are_input_errors() -> None:
    b = book()
    case = case_in(b, CaseState.ACCEPTED)
    with pytest.raises(CaseInputError, match="no unit 'department:nowhere'"):
        b.route(case, "department:nowhere", [], OFFICER)
    with pytest.raises(CaseInputError, match="no category"):
        b.receive(new_case(category="nothing"), OFFICER)
    with pytest.raises(CaseInputError, match="no grid"):
        b.receive(new_case(grid="G99"), OFFICER)
    closed = case_in(b, CaseState.CLOSED)
    with pytest.raises(CaseInputError, match="1 to 5"):
        b.rate(closed, 6, OFFICER)


def test_a_location_places_the_case_in_its_grid() -> None:
    b = book()
    [event] = b.receive(new_case(grid=None, location=middle_of("G05")), OFFICER)
    assert (event.case.grid, event.case.village) == ("G05", "qingxi-sq")


def test_the_desk_accepts_at_once_and_the_category_sets_the_limit() -> None:
    clock = Clock("2026-04-30 16:00")  # before the Labour Day holiday
    b = book(clock)
    received, accepted = b.receive(new_case(category="water-supply", accept=True), OFFICER)
    assert received.entry.action is Action.RECEIVE and accepted.entry.action is Action.ACCEPT
    assert accepted.case.limit == "8个工作小时"
    assert local(accepted.case.due_at) == "2026-05-06 17:00"  # 1.5 h on the 30th, 6.5 h after the holiday
    urgent = b.accept(b.receive(new_case(), OFFICER)[0].case, OFFICER, urgent=True).case
    assert urgent.limit == "当日" and local(urgent.due_at) == "2026-04-30 17:30"
