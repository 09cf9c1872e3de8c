"""Citizen ID numbers (GB 11643-1999): 17 digits, then a check digit computed with ISO 7064 MOD 11-2."""

from __future__ import annotations

import datetime as dt
import operator

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2**(17-i) mod 11
CHECK = "10X98765432"


def check_digit(first17: str) -> str:
    """The 18th character of an ID whose first 17 digits are *first17*."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("an ID number's body is 17 digits")
    return CHECK[sum(map(operator.mul, map(int, first17), WEIGHTS)) % 11]


def normalise(number: str) -> str:
    """Trimmed, with a lower-case x made upper-case (how the number is digested and stored)."""
    return number.strip().upper()


def id_problem(number: str) -> str | None:
    """Why *number* is not a valid citizen ID number, in Chinese; None when it is."""
    text = normalise(number)
    if len(text) != 18 or not text.isascii() or not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        return "身份证号应为18位（前17位数字，末位数字或X）"
    if birth_date(text) is None:
        return "身份证号中的出生日期无效"
    if check_digit(text[:17]) != text[17]:
        return f"身份证号校验位错误（应为{check_digit(text[:17])}）"
    return None


def birth_date(number: str) -> dt.date | None:
    """The date of birth an 18-digit ID number holds; None when it is no date."""
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def is_male(number: str) -> bool:
    """The 17th digit is odd for men, even for women."""
    return int(number[16]) % 2 == 1
