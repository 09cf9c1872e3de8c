"""The escalation chain of a case past its time limit: when each step falls due, and whom it tells.

Steps count working time from the limit, so a step a working day after a Friday's limit falls on Monday,
and one after the day before a holiday on the first working day after it. A case remembers how many steps
it has taken (`Case.escalations`, stored with it), so a restarted hub goes on where it stopped; steps that
fell due while it was down are all taken at once, each in the trail, since each names someone to tell.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hub.alerts.config import ContactConfig
from hub.alerts.notify import ChainLevel, Recipient
from hub.cases.config import EscalationStep
from hub.cases.model import Case
from hub.cases.workcal import WorkCalendar
from hub.town import Contact, Town

LEADER = "leader:"


@dataclass(frozen=True, slots=True)
class Told:
    """Someone a step tells: as the town file names them, and as the trail shows them."""

    ref: str  # village_cadre, leader:deputy …
    label: str  # 石门村村干部 胡勇华
    recipient: Recipient  # whom a message goes to; a leader without a phone gets none (phone "")


def step_at(calendar: WorkCalendar, due_at: float, step: EscalationStep) -> float:
    """When *step* falls due: its working time past the limit (the limit itself for none)."""
    after = step.after_s(calendar.day_seconds())
    # add_hours(…, 0) would move a limit at the day's close to the next morning: at the limit means at it.
    return due_at if after <= 0 else calendar.add_hours(due_at, after / 3600.0)


def due_steps(chain: tuple[EscalationStep, ...], calendar: WorkCalendar, case: Case, now: float) -> range:
    """The indices of the steps of *chain* that *case* has not taken and that are due at *now*."""
    if case.due_at is None:
        return range(0)
    taken = case.escalations
    last = taken
    while last < len(chain) and now > step_at(calendar, case.due_at, chain[last]):
        last += 1
    return range(taken, last)


def told(town: Town, case: Case, notify: Iterable[str]) -> list[Told]:
    """Whom a step naming *notify* tells about *case*; a role without anyone for this case (no grid, say)
    tells nobody."""
    found = [_one(town, case, ref) for ref in notify]
    return [t for t in found if t is not None]


def _one(town: Town, case: Case, ref: str) -> Told | None:
    contact: Contact | ContactConfig | None = None
    role = ""
    village = next((v for v in town.villages if v.id == (case.village or case.lead_village)), None)
    if ref == "grid_worker" and case.grid in town.grids():
        contact, role = town.grids()[case.grid].worker, "网格员 "
    elif ref == "village_cadre" and village is not None:
        contact, role = village.cadre, f"{village.name} "
    elif ref == "duty_officer":
        contact = town.alerts.duty_officer
    elif ref == "centre_lead":
        contact, role = town.alerts.centre_lead, "中心领导 "
    elif ref.startswith(LEADER):
        leader = next((p for p in town.cases.leaders if p.id == ref[len(LEADER):]), None)
        return Told(ref, leader.name, Recipient(leader.name, leader.phone, ChainLevel.LEADER)) if leader else None
    if contact is None:
        return None
    return Told(ref, f"{role}{contact.name}", Recipient(contact.name, contact.phone, ChainLevel(ref)))


def note(late_hours: float, number: int, of: int, people: list[Told]) -> str:
    """The trail's words for a step: how late, which step, who is asked to press the case."""
    who = "、".join(t.label for t in people) or "值班员（该级未配置联系人）"
    return f"已超过办理时限{late_hours:.1f}个工作小时，第{number}/{of}级督办：请{who}督办"
