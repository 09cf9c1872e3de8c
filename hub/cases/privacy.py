"""Personal data in cases: who may see a case, who may see it unmasked, and the masks.

Staff (admins, duty officers) see every case; a village cadre sees the cases of their village and
those routed to it; patrol members see none. Lists and details are masked for everyone; the full
record (phones, ID numbers) is for staff and for the cadre whose village leads the case, and every
read of it is audited by the console.
"""

from __future__ import annotations

import re

from hub.cases.model import Action, Case, Requester
from hub.users.model import Principal, Role

CENTRE_ONLY = frozenset({Action.ACCEPT, Action.REJECT, Action.ROUTE, Action.REASSIGN, Action.VERIFY, Action.REDO,
                         Action.CLOSE, Action.RATE, Action.MERGE, Action.REOPEN, Action.EXTEND_DECIDE,
                         Action.SPLIT, Action.SPLIT_OFF, Action.APPOINTMENT_CANCEL})
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9Xx])(\d{3})(\d{11})(\d{3}[\dXx])(?![0-9Xx])")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)(\d{3,4})(\d{4})(?!\d)")


def sees(principal: Principal, case: Case) -> bool:
    if principal.is_staff:
        return True
    return principal.role is Role.cadre and principal.village in (case.village, case.lead_village)


def handles(principal: Principal, case: Case) -> bool:
    """Staff, or the cadre of the village that leads the case."""
    return principal.is_staff or (principal.role is Role.cadre and case.lead_village == principal.village)


def may(principal: Principal, case: Case, action: Action) -> bool:
    """Whether *principal* may take *action*: the centre's steps are staff's; the unit's, the handler's."""
    if action in CENTRE_ONLY:
        return principal.is_staff
    return handles(principal, case) or (action is Action.NOTE and sees(principal, case))


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


def mask_requester(requester: Requester | None) -> Requester | None:
    if requester is None:
        return None
    return Requester(requester.name, mask_phone(requester.phone), mask_id(requester.id_number),
                     mask_text(requester.address))


def masked(case: Case) -> Case:
    """The case as lists and details show it."""
    return case.evolve(requester=mask_requester(case.requester), matter=mask_text(case.matter),
                       title=mask_text(case.title), result=mask_text(case.result),
                       rating_note=mask_text(case.rating_note))
