"""Masks for personal data: phones, ID numbers, and such numbers typed into free text.

One set of masks for every record a reader outside its scope may see: cases (hub.cases.privacy), dispatch
logs, alert notes and calls. A masked number keeps enough to tell two apart and to recognise one's own.
"""

from __future__ import annotations

import re

_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9Xx])(\d{3})(\d{11})(\d{3}[\dXx])(?![0-9Xx])")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)(\d{3,4})(\d{4})(?!\d)")


def mask_phone(phone: str) -> str:
    """138****1234; a landline keeps its area code and last four digits."""
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    keep = 3 if digits.startswith("1") else digits.find("-") + 1 or 4
    return digits[:keep] + "*" * (len(digits) - keep - 4) + digits[-4:]


def mask_id(number: str) -> str:
    """430***********123X: the province and the last four, never the birth date."""
    text = number.strip()
    return text[:3] + "*" * (len(text) - 7) + text[-4:] if len(text) > 7 else "*" * len(text)


def mask_text(text: str) -> str:
    """Free text with any mobile, landline or ID number in it masked."""
    text = _ID_NUMBER.sub(lambda m: m[1] + "*" * 11 + m[3], text)
    text = _MOBILE.sub(lambda m: m[1] + "****" + m[3], text)
    return _LANDLINE.sub(lambda m: m[1] + "*" * len(m[2]) + m[3], text)


def mask_name(name: str) -> str:
    """张** : the family name only (two characters for the common compound ones are not told apart)."""
    text = name.strip()
    return text[:1] + "*" * max(len(text) - 1, 1) if text else ""
