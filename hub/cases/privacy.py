"""Personal data in cases: who may see a case, who may see it unmasked, and the masks.

Staff (admins, duty officers) see every case; a village cadre sees the cases of their village and
those routed to it; patrol members see none. Lists and details are masked for everyone; the full
record (phones, ID numbers) is for staff and for the cadre whose village leads the case, and every
read of it is audited by the console. The masks themselves are hub.privacy's, shared with every other
free text that crosses a scope (dispatch logs, alert notes, calls).
"""

from __future__ import annotations

from hub.cases.model import Action, Case, Requester
from hub.privacy import mask_id, mask_phone, mask_text
from hub.users.model import Principal, Role

CENTRE_ONLY = frozenset({Action.ACCEPT, Action.REJECT, Action.ROUTE, Action.REASSIGN, Action.VERIFY, Action.REDO,
                         Action.CLOSE, Action.RATE, Action.MERGE, Action.REOPEN, Action.EXTEND_DECIDE,
                         Action.SPLIT, Action.SPLIT_OFF, Action.APPOINTMENT_CANCEL})


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
