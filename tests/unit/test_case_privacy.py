"""Personal data in cases: the masks, who sees a case, who may take which step, who may read it whole."""

from __future__ import annotations

import pytest

from console.cases.schemas import CasePublic
from hub.cases.model import Action, CaseState, Extension
from hub.cases.privacy import CENTRE_ONLY, handles, masked, may, sees
from hub.privacy import mask_id, mask_phone, mask_text
from hub.users.model import Principal, Role
from tests.case_support import ID_NUMBER, OFFICER, PHONE, book, case_in, new_case

ADMIN = Principal("admin", "管理员", Role.admin)
OFFICER_P = Principal("officer", "张伟", Role.officer)
SHIMEN = Principal("cadre.shimen", "石磊", Role.cadre, village="shimen")
LIUWAN = Principal("cadre.liuwan", "柳青", Role.cadre, village="liuwan")
PATROL = Principal("T06.1", "队员", Role.patrol, team="T06")


@pytest.mark.parametrize(("given", "shown"), [
    ("13812341234", "138****1234"), ("0731-5551234", "0731-***1234"), ("07315551234", "0731***1234"),
    ("1234", "****"), ("", ""),
])
def test_phones(given: str, shown: str) -> None:
    assert mask_phone(given) == shown


def test_id_numbers_and_free_text() -> None:
    assert mask_id(ID_NUMBER) == "430***********123X" and mask_id("") == ""
    text = f"来电人王秀英，电话{PHONE}，身份证{ID_NUMBER}，座机0731-5551234，门牌12号，1380000"
    assert mask_text(text) == ("来电人王秀英，电话138****1234，身份证430***********123X，座机0731-***1234，"
                               "门牌12号，1380000")


def test_a_masked_case_keeps_the_name_and_hides_the_numbers() -> None:
    case = book().receive(new_case(matter=f"请回电{PHONE}"), OFFICER)[0].case
    shown = masked(case)
    assert shown.requester is not None and shown.requester.name == "王秀英"
    assert (shown.requester.phone, shown.requester.id_number) == ("138****1234", "430***********123X")
    assert shown.matter == "请回电138****1234" and case.requester is not None and case.requester.phone == PHONE


def test_who_sees_and_who_reads_whole() -> None:
    b = book()
    in_shimen = case_in(b, CaseState.ACCEPTED, new_case(grid="G19"))
    assert [sees(p, in_shimen) for p in (ADMIN, OFFICER_P, SHIMEN, LIUWAN, PATROL)] == [True, True, True, False,
                                                                                        False]
    assert [handles(p, in_shimen) for p in (ADMIN, OFFICER_P, SHIMEN, LIUWAN, PATROL)] == [True, True, False, False,
                                                                                           False]
    to_liuwan = b.route(in_shimen, "village:liuwan", [], OFFICER).case  # now liuwan's cadre handles it too
    assert sees(LIUWAN, to_liuwan) and handles(LIUWAN, to_liuwan) and not handles(SHIMEN, to_liuwan)


@pytest.mark.parametrize("action", list(Action))
def test_centre_steps_are_for_staff_and_the_units_for_the_handler(action: Action) -> None:
    b = book()
    case = b.route(case_in(b, CaseState.ACCEPTED, new_case(grid="G19")), "grid:G20", [], OFFICER).case
    assert may(OFFICER_P, case, action) and may(ADMIN, case, action)
    assert may(SHIMEN, case, action) is (action not in CENTRE_ONLY)
    assert not may(LIUWAN, case, action) and not may(PATROL, case, action)


def test_a_request_for_more_time_reads_masked_outside_the_whole_record() -> None:
    asked = Extension(3, "等户主13912345678回电", "cadre.shimen", 0.0, note="请先拨0731-2345678")
    case = case_in(book(), CaseState.HANDLING).evolve(extensions=(asked,))
    [shown] = CasePublic.of(case, 0.0, "纠纷").extensions
    assert (shown.reason, shown.note) == ("等户主139****5678回电", "请先拨0731-***5678")
    [whole] = CasePublic.of(case, 0.0, "纠纷", whole=True).extensions
    assert (whole.reason, whole.note) == (asked.reason, asked.note)
