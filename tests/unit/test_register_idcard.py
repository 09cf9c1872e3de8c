"""Citizen ID check digits (GB 11643, ISO 7064 MOD 11-2): properties over generated numbers, and the rules around."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.register.idcard import CHECK, check_digit, id_problem
from hub.register.model import PersonFields, Sex

dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))
regions = st.from_regex(r"\A[1-9][0-9]{5}\Z")
sequences = st.integers(min_value=0, max_value=999)


def number(region: str, born: dt.date, sequence: int) -> str:
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + check_digit(body)


@given(regions, dates, sequences)
def test_a_number_with_its_check_digit_is_valid(region: str, born: dt.date, sequence: int) -> None:
    assert id_problem(number(region, born, sequence)) is None
    assert id_problem(number(region, born, sequence).lower()) is None  # a lower-case x is read as X


@given(regions, dates, sequences, st.integers(min_value=0, max_value=17), st.sampled_from(CHECK))
def test_any_one_wrong_character_is_caught(region: str, born: dt.date, sequence: int, at: int, other: str) -> None:
    right = number(region, born, sequence)
    if other == right[at] or (at < 17 and other == "X"):
        return
    wrong = right[:at] + other + right[at + 1:]
    assert id_problem(wrong) is not None, wrong


@given(regions, dates, sequences, st.integers(min_value=0, max_value=15))
def test_two_neighbours_swapped_are_caught(region: str, born: dt.date, sequence: int, at: int) -> None:
    right = number(region, born, sequence)
    if right[at] == right[at + 1]:
        return
    swapped = right[:at] + right[at + 1] + right[at] + right[at + 2:]
    assert id_problem(swapped) is not None, swapped


def test_the_standards_own_example_and_its_reasons_in_chinese() -> None:
    assert id_problem("11010519491231002X") is None
    assert id_problem("110105194912310021") == "身份证号校验位错误（应为X）"
    assert id_problem("110105194913310027") == "身份证号中的出生日期无效"
    assert id_problem("1101051949") == "身份证号应为18位（前17位数字，末位数字或X）"


def test_a_person_must_agree_with_their_id_and_an_overseas_person_has_a_passport() -> None:
    fields = {"name": "王秀英", "id_number": "11010519491231002X", "grid": "G19", "address": "石门村1号"}
    assert PersonFields.model_validate(fields | {"sex": "female"}).sex is Sex.female
    with pytest.raises(ValueError, match="性别与身份证号不符"):
        PersonFields.model_validate(fields | {"sex": "male"})
    overseas = PersonFields.model_validate(fields | {"sex": "male", "residence": "overseas", "id_number": "e1234567"})
    assert overseas.id_number == "E1234567"


def test_digits_of_other_scripts_are_not_id_digits() -> None:
    assert id_problem("1١0105194912310021") is not None
