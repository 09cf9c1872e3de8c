"""The case book: the open cases, the rules of their lifecycle, their time limits and timers.

Pure state on the event loop, like the dispatch book: every change returns the events to store
and announce; times come from the injected clock. Finished cases are not kept here: the service
reads them from the store and hands them in when someone reopens or rates one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.alerts.ids import Ids
from hub.cases import escalation, limits
from hub.cases.config import CasesConfig
from hub.cases.duplicates import Candidate, candidates
from hub.cases.lifecycle import CaseError, target
from hub.cases.model import Action, Case, CaseEvent, CaseState, Entry, Extension, NewCase
from hub.cases.places import CaseInputError, grid_at, unit
from hub.town import Town

SYSTEM = "system"
_STAMP = {CaseState.ACCEPTED: "accepted_at", CaseState.ROUTED: "routed_at", CaseState.HANDLING: "handling_at",
          CaseState.HANDLED: "handled_at", CaseState.VERIFIED: "verified_at", CaseState.CLOSED: "closed_at",
          CaseState.RATED: "rated_at"}
_TIMED = frozenset({CaseState.ACCEPTED, CaseState.ROUTED, CaseState.HANDLING})  # the clock runs for the unit


class CaseBook:
    def __init__(self, town: Town, config: CasesConfig, clock: Callable[[], float], cases: Iterable[Case] = (),
                 last_id: int = 0, last_seq: int = 0, ids: Ids | None = None, seqs: Ids | None = None) -> None:
        self.town = town
        self.config = config
        self.calendar = limits.calendar_of(config, town.town.timezone)
        self._tz = ZoneInfo(town.town.timezone)
        self._clock = clock
        self.cases: dict[int, Case] = {c.id: c for c in cases if c.state.is_open}
        # From the database in a running hub (hub/alerts/ids.py); counted in memory without one.
        self._ids = ids or Ids.counting(last_id)
        self._seqs = seqs or Ids.counting(last_seq)

    @property
    def last_id(self) -> int:
        """The newest case's id."""
        return self._ids.last

    @property
    def last_seq(self) -> int:
        """The newest trail entry's number."""
        return self._seqs.last

    # --- intake -----------------------------------------------------------------------------------

    def receive(self, new: NewCase, actor: str) -> list[CaseEvent]:
        """A new case, numbered and placed; with `accept`, taken on at once."""
        if new.category not in self.config.category_map():
            raise CaseInputError(f"no category {new.category!r}")
        grid = new.grid or (grid_at(self.town, new.location) if new.location else None)
        if grid is not None and grid not in self.town.grids():
            raise CaseInputError(f"no grid {grid!r}")
        village = self._village(grid, new.village)
        now = self._clock()
        case_id = self._ids.take()
        number = f"{datetime.fromtimestamp(now, self._tz):%Y%m%d}-{case_id:04d}"
        case = Case(case_id, number, new.source, new.category, new.kind, new.title, new.matter,
                    CaseState.RECEIVED, actor, now, now, new.requester, new.address, new.location, grid, village,
                    new.urgent, new.source_ref, dict(new.attributes), new.photos, new.media_url, new.alert_id)
        events = [self._record(case, Action.RECEIVE, actor, now, detail={"source": new.source.value})]
        if new.accept:
            events.append(self.accept(events[0].case, actor))
        return events

    def _village(self, grid: str | None, given: str | None) -> str | None:
        if grid is not None:
            village = self.town.village_of(grid)
            return village.id if village else None
        if given is not None and given not in {v.id for v in self.town.villages}:
            raise CaseInputError(f"no village {given!r}")
        return given

    # --- the centre -------------------------------------------------------------------------------

    def accept(self, case: Case, actor: str, note: str = "", category: str | None = None,
               urgent: bool | None = None) -> CaseEvent:
        """Take the case on; its time limit starts now (category and urgency may be corrected first)."""
        if category is not None and category not in self.config.category_map():
            raise CaseInputError(f"no category {category!r}")
        state = target(case, Action.ACCEPT, note)
        case = case.evolve(category=category or case.category, urgent=case.urgent if urgent is None else urgent)
        now = self._clock()
        return self._move(case, Action.ACCEPT, state, actor, now, note, changes=self._limit(case, now))

    def reject(self, case: Case, actor: str, reason: str) -> CaseEvent:
        return self._move(case, Action.REJECT, target(case, Action.REJECT, reason), actor, self._clock(), reason)

    def route(self, case: Case, lead: str, assisting: Iterable[str], actor: str, note: str = "",
              action: Action = Action.ROUTE) -> CaseEvent:
        """Send the case to a lead unit, with assisting units (reassign: to another, with the reason)."""
        state = target(case, action, note)
        lead_unit = unit(self.town, self.config, lead)
        helpers = tuple(unit(self.town, self.config, ref) for ref in dict.fromkeys(assisting) if ref != lead)
        if action is Action.REASSIGN and case.lead == lead_unit and case.assisting == helpers:
            raise CaseError(f"case {case.id} is already with {lead_unit.name}")
        detail = {"lead": lead_unit.ref, "assisting": ",".join(u.ref for u in helpers)}
        return self._move(case.evolve(lead=lead_unit, assisting=helpers), action, state, actor, self._clock(),
                          note, detail)

    def reassign(self, case: Case, lead: str, assisting: Iterable[str], actor: str, reason: str) -> CaseEvent:
        return self.route(case, lead, assisting, actor, reason, Action.REASSIGN)

    def send_back(self, case: Case, actor: str, reason: str) -> CaseEvent:
        """The unit says the matter is not theirs: back to the centre to route again; the clock runs on."""
        state = target(case, Action.SEND_BACK, reason)
        old = case.lead.ref if case.lead else ""
        return self._move(case.evolve(lead=None, assisting=()), Action.SEND_BACK, state, actor, self._clock(),
                          reason, {"from": old})

    def start(self, case: Case, actor: str, note: str = "") -> CaseEvent:
        return self._move(case, Action.START, target(case, Action.START, note), actor, self._clock(), note)

    def handle(self, case: Case, actor: str, result: str, photos: Iterable[str] = ()) -> CaseEvent:
        """The lead unit reports it dealt with, saying how, with photos of the result (a redo replaces them)."""
        state = target(case, Action.HANDLE, result)
        shown = tuple(photos)
        detail = {"photos": ",".join(shown)} if shown else None
        return self._move(case.evolve(result=result, result_photos=shown), Action.HANDLE, state, actor,
                          self._clock(), result, detail)

    def verify(self, case: Case, actor: str, note: str = "") -> CaseEvent:
        return self._move(case, Action.VERIFY, target(case, Action.VERIFY, note), actor, self._clock(), note)

    def redo(self, case: Case, actor: str, reason: str) -> CaseEvent:
        """The check failed: back to the lead unit, against the same limit."""
        state = target(case, Action.REDO, reason)
        return self._move(case, Action.REDO, state, actor, self._clock(), reason,
                          changes={"handled_at": None, "verified_at": None})

    def close(self, case: Case, actor: str, note: str = "") -> CaseEvent:
        return self._move(case, Action.CLOSE, target(case, Action.CLOSE, note), actor, self._clock(), note)

    def rate(self, case: Case, rating: int, actor: str, note: str = "") -> CaseEvent:
        """The requester's satisfaction, 1 (very dissatisfied) to 5 (very satisfied)."""
        if not 1 <= rating <= 5:
            raise CaseInputError("a rating is 1 to 5")
        state = target(case, Action.RATE, note)
        return self._move(case.evolve(rating=rating, rating_note=note), Action.RATE, state, actor, self._clock(),
                          note, {"rating": str(rating)})

    def reopen(self, case: Case, actor: str, reason: str) -> CaseEvent:
        """A finished case comes back: to its lead unit (or the centre), with a new limit from now."""
        state = target(case, Action.REOPEN, reason)
        now = self._clock()
        cleared = {"handled_at": None, "verified_at": None, "closed_at": None, "rated_at": None, "rating": None,
                   "rating_note": "", "result": "", "result_photos": (), "reopened": case.reopened + 1}
        case = case.evolve(**cleared)
        stamps = {"accepted_at": case.accepted_at or now, **self._limit(case, now)}
        return self._move(case, Action.REOPEN, state, actor, now, reason, changes=stamps)

    def merge(self, duplicate: Case, into: Case, actor: str, note: str) -> list[CaseEvent]:
        """Fold *duplicate* into *into*: it is closed as merged, and *into* lists it."""
        if duplicate.id == into.id:
            raise CaseError("a case cannot be merged into itself")
        state = target(duplicate, Action.MERGE, note)
        target(into, Action.ABSORB)
        now = self._clock()
        merged = self._move(duplicate.evolve(merged_into=into.id, state_before_merge=duplicate.state), Action.MERGE,
                            state, actor, now, note, {"into": str(into.id)})
        absorbed = self._record(into.evolve(merged=(*into.merged, duplicate.id)), Action.ABSORB, actor, now, note,
                                {"case": str(duplicate.id)})
        return [merged, absorbed]

    def split(self, merged: Case, into: Case, actor: str, reason: str) -> list[CaseEvent]:
        """Undo a wrong merge: *merged* is its own case again, in the state it was merged from, and *into*
        no longer lists it; both trails say so, with the reason."""
        if merged.merged_into != into.id:
            raise CaseError(f"case {merged.id} is not merged into case {into.id}")
        state = target(merged, Action.SPLIT, reason)
        target(into, Action.SPLIT_OFF, reason)
        now = self._clock()
        back = self._move(merged.evolve(merged_into=None, state_before_merge=None), Action.SPLIT, state, actor, now,
                          reason, {"from": str(into.id)})
        left = self._record(into.evolve(merged=tuple(i for i in into.merged if i != merged.id)), Action.SPLIT_OFF,
                            actor, now, reason, {"case": str(merged.id)})
        return [back, left]

    def duplicates(self, case: Case) -> list[Candidate]:
        return candidates(case, self.cases.values(), self.config.merge)

    # --- more time --------------------------------------------------------------------------------

    def ask_extension(self, case: Case, days: int, actor: str, reason: str) -> CaseEvent:
        target(case, Action.EXTEND_ASK, reason)
        if case.pending_extension is not None:
            raise CaseError(f"case {case.id} already has an extension request waiting")
        if sum(1 for e in case.extensions if e.approved) >= self.config.max_extensions:
            raise CaseError(f"case {case.id} has had its {self.config.max_extensions} extensions")
        if not 1 <= days <= 30:
            raise CaseInputError("an extension is 1 to 30 working days")
        now = self._clock()
        asked = Extension(days, reason, actor, now)
        return self._record(case.evolve(extensions=(*case.extensions, asked)), Action.EXTEND_ASK, actor, now,
                            reason, {"days": str(days)})

    def decide_extension(self, case: Case, approve: bool, actor: str, note: str = "") -> CaseEvent:
        """Approve (the limit moves on by the days asked, timers start again) or refuse."""
        target(case, Action.EXTEND_DECIDE, note)
        asked = case.pending_extension
        if asked is None:
            raise CaseError(f"case {case.id} has no extension request waiting")
        now = self._clock()
        decided = Extension(asked.days, asked.reason, asked.asked_by, asked.asked_at, approve, actor, now, note)
        case = case.evolve(extensions=(*case.extensions[:-1], decided))
        if approve and case.due_at is not None:
            new_due = limits.extended(self.calendar, case.due_at, asked.days)
            case = case.evolve(due_at=new_due, reminded=False, escalations=0, remind_at=limits.remind_at(
                self.calendar, now, new_due, self.config.remind_before_hours))
        return self._record(case, Action.EXTEND_DECIDE, actor, now, note,
                            {"approved": str(approve).lower(), "days": str(asked.days)})

    def note(self, case: Case, actor: str, note: str, action: Action = Action.NOTE,
             detail: dict[str, str] | None = None) -> CaseEvent:
        """An entry that changes nothing but the trail (a note, a mediation session, an appointment)."""
        target(case, action, note)
        return self._record(case, action, actor, self._clock(), note, detail or {})

    # --- timers -----------------------------------------------------------------------------------

    def tick(self) -> list[CaseEvent]:
        """Remind the lead unit before the limit; past it, take each step of the category's escalation chain."""
        now = self._clock()
        events: list[CaseEvent] = []
        for case in list(self.cases.values()):
            if case.due_at is None or case.state not in _TIMED:
                continue
            steps = escalation.due_steps(self.config.escalation.chain(case.category), self.calendar, case, now)
            if steps:
                events += self._escalate(case, steps, now)
            elif case.remind_at is not None and now >= case.remind_at and not case.reminded:
                left = self.calendar.between(now, case.due_at) / 3600
                events.append(self._record(case.evolve(reminded=True), Action.REMIND, SYSTEM, now,
                                           f"距办理时限还有{left:.1f}个工作小时"))
        return events

    def _escalate(self, case: Case, steps: range, now: float) -> list[CaseEvent]:
        """One trail entry per step taken, naming whom it tells."""
        assert case.due_at is not None
        chain = self.config.escalation.chain(case.category)
        late = self.calendar.between(case.due_at, now) / 3600
        events: list[CaseEvent] = []
        for i in steps:
            told = escalation.told(self.town, case, chain[i].notify)
            detail = {"step": str(i + 1), "of": str(len(chain)), "notify": ",".join(chain[i].notify),
                      "told": "、".join(t.label for t in told)}
            event = self._record(case.evolve(escalations=i + 1, reminded=True), Action.ESCALATE, SYSTEM, now,
                                 escalation.note(late, i + 1, len(chain), told), detail)
            events.append(event)
            case = event.case
        return events

    # --- helpers ----------------------------------------------------------------------------------

    def _limit(self, case: Case, now: float) -> dict[str, object]:
        limit = limits.limit_of(self.config, case)
        due_at = limits.due(self.calendar, limit, now)
        return {"due_at": due_at, "limit": limit.label, "reminded": False, "escalations": 0,
                "remind_at": limits.remind_at(self.calendar, now, due_at, self.config.remind_before_hours)}

    def _move(self, case: Case, action: Action, state: CaseState, actor: str, now: float, note: str = "",
              detail: dict[str, str] | None = None, changes: dict[str, object] | None = None) -> CaseEvent:
        """Move *case* to *state*, stamping when it got there, with *changes* applied."""
        changes = dict(changes or {})
        stamp = _STAMP.get(state)
        if stamp is not None and state is not case.state:
            changes.setdefault(stamp, now)
        return self._record(case.evolve(state=state, **changes), action, actor, now, note, detail or {})

    def _record(self, case: Case, action: Action, actor: str, now: float, note: str = "",
                detail: dict[str, str] | None = None) -> CaseEvent:
        seq = self._seqs.take()  # first: it may fail (no number in hand, the store down) and change nothing
        case = case.evolve(updated_at=now)
        if case.state.is_open:
            self.cases[case.id] = case
        else:
            self.cases.pop(case.id, None)
        entry = Entry(seq, case.id, action, actor, now, case.state, note, detail or {})
        return CaseEvent(entry, case)
