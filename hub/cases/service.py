"""The case service: intake, the lifecycle, mediation records and appointments, stored, announced and timed.

Every change is made under one lock, stored, then published on the bus as CaseEvents; an escalation step,
once stored, is also sent to the people it names through the alert channels (hub/cases/notices.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from hub.alerts.ids import Ids
from hub.alerts.service import AlertService
from hub.alerts.store import StaleWrite
from hub.alerts.writer import GIVE_UP_S
from hub.bus import Bus
from hub.cases.appointments import Appointment, Slot, Slotting, clash
from hub.cases.book import CaseBook
from hub.cases.duplicates import Candidate
from hub.cases.lifecycle import CaseError
from hub.cases.mediation import Mediation
from hub.cases.model import Action, Case, CaseEvent, Kind, NewCase, Source
from hub.cases.notices import CaseNotices
from hub.cases.store import CaseStore
from hub.ledger import Ledger
from hub.town import DeviceKind, Town

log = logging.getLogger(__name__)
TICK_S = 30.0
SPARE_SEQS, SPARE_DELIVERIES = 16, 4
ALERT_CATEGORY = {DeviceKind.RIVER_STATION: "flood-safety", DeviceKind.RAIN_GAUGE: "flood-safety",
                  DeviceKind.WATER_QUALITY: "environment", DeviceKind.CAMERA: "public-security"}
Change = Callable[[Case], CaseEvent | list[CaseEvent]]


class CaseService:
    def __init__(self, town: Town, store: CaseStore, bus: Bus, clock: Callable[[], float], alerts: AlertService,
                 photos: Path, give_up_s: float = GIVE_UP_S) -> None:
        self.town = town
        self.config = town.cases
        self.store = store
        self._clock = clock
        self._alerts = alerts
        self.photos = photos
        self.book = CaseBook(town, self.config, clock)
        self.slots = Slotting(self.config, self.book.calendar)
        self._last_appointment = 0
        self._ledger: Ledger[CaseEvent] = Ledger(bus, "case")
        self.stale_writes = 0
        self._ids: tuple[Ids, Ids, Ids] = (Ids.counting(), Ids.counting(), Ids.counting())
        self.notices = CaseNotices(town, store, self.book.calendar, clock, alerts.renderer.console_url,
                                   give_up_s=give_up_s)
        self.failed = self.notices.failed  # the store could not be written, or another process has: stop

    async def start(self) -> None:
        """Load the open cases and start the timers; the alert service is started first (its channels)."""
        open_cases, (last_id, last_seq, last_appointment) = await asyncio.to_thread(
            lambda: (self.store.open_cases(), self.store.last_ids()))
        # Case ids are reserved one at a time, as a case comes in, so that the numbers people see stay in a row;
        # trail numbers a few ahead, topped up after each commit.
        self._ids = (Ids(lambda n: self.store.reserve_ids("case", n), 1, last_id),
                     Ids(lambda n: self.store.reserve_ids("case_seq", n), SPARE_SEQS, last_seq),
                     delivery_ids := Ids(lambda n: self.store.reserve_ids("delivery", n), SPARE_DELIVERIES))
        self.notices.deliveries.ids = lambda: str(delivery_ids.take())
        await self._ids[1].top_up()
        await self._ids[2].top_up()
        self.book = CaseBook(self.town, self.config, self._clock, open_cases, ids=self._ids[0], seqs=self._ids[1])
        self._last_appointment = last_appointment
        self.photos.mkdir(parents=True, exist_ok=True)
        await self.notices.start(self._alerts.deliveries.notifiers.values())
        self._ledger.start_timers(TICK_S, self.book.tick, self._commit)

    async def stop(self) -> None:
        await self._ledger.stop()
        await self.notices.stop()

    # --- intake -----------------------------------------------------------------------------------

    async def receive(self, new: NewCase, actor: str, with_token: bool = False,
                      appointment: Slot | None = None) -> tuple[Case, str | None, Appointment | None]:
        """A new case, with the Open311 token it can also be found by, and an appointment booked with it.

        The slot is checked before the case is made, so a taken room refuses the whole intake.
        """
        if appointment is not None:
            self.slots.check(appointment.resource, appointment.start, appointment.end, self._clock())
        async with self._ledger.lock:
            if appointment is not None:
                await self._free(appointment)
            await self._ids[0].top_up()
            events = self.book.receive(new, actor)
            case = events[-1].case
            token = secrets.token_hex(16) if with_token else None
            await self._commit(events, (token, case.id) if token else None)
            made = await self._book(appointment, actor, case.id) if appointment is not None else None
        return case, token, made

    async def from_alert(self, alert_id: int, actor: str, category: str | None = None, urgent: bool = True,
                         note: str = "") -> Case:
        """One action: an alert becomes an accepted case with its place, title and message."""
        alert = self._alerts.book.by_id.get(alert_id) or await asyncio.to_thread(self._alerts.store.get, alert_id)
        if alert is None:
            raise LookupError(f"no alert {alert_id}")
        existing = [c for c in self.book.cases.values() if c.alert_id == alert_id]
        if existing:
            raise CaseError(f"alert {alert_id} is already case {existing[0].id}")
        device = self.town.device_map().get(alert.device or "")
        default = ALERT_CATEGORY.get(device.kind, "other") if device else "other"
        new = NewCase(Source.ALERT, category or default, alert.title, "\n".join(filter(None, [alert.message, note])),
                      kind=Kind.REPORT, location=device.location if device else None, grid=alert.grid,
                      village=alert.village, urgent=urgent, source_ref=f"alert:{alert_id}", alert_id=alert_id,
                      accept=True)
        case, _, _ = await self.receive(new, actor)
        return case

    # --- the lifecycle ----------------------------------------------------------------------------

    async def get(self, case_id: int) -> Case | None:
        return self.book.cases.get(case_id) or await asyncio.to_thread(self.store.get, case_id)

    def duplicates(self, case: Case) -> list[tuple[Case, Candidate]]:
        """Open cases that look like *case*, each with why."""
        return [(self.book.cases[c.case_id], c) for c in self.book.duplicates(case) if c.case_id in self.book.cases]

    async def apply(self, case_id: int, change: Change) -> Case:
        """Apply one book action to the case as it stands now (open in the book, or finished in the store)."""
        async with self._ledger.lock:
            case = await self._case(case_id)
            made = change(case)
            events = made if isinstance(made, list) else [made]
            await self._commit(events)
        return next(e.case for e in reversed(events) if e.case.id == case_id)  # the case as it ended up

    async def merge(self, duplicate_id: int, into_id: int, actor: str, note: str) -> Case:
        async with self._ledger.lock:
            duplicate, into = await self._case(duplicate_id), await self._case(into_id)
            events = self.book.merge(duplicate, into, actor, note)
            await self._commit(events)
        return events[0].case

    async def split(self, merged_id: int, actor: str, reason: str) -> Case:
        """Undo a wrong merge: the merged case comes back in its own state; both trails record it."""
        async with self._ledger.lock:
            merged = await self._case(merged_id)
            if merged.merged_into is None:
                raise CaseError(f"case {merged_id} is not merged into another")
            events = self.book.split(merged, await self._case(merged.merged_into), actor, reason)
            await self._commit(events)
        return events[0].case

    # --- mediation --------------------------------------------------------------------------------

    async def mediation(self, case_id: int) -> Mediation | None:
        text = await asyncio.to_thread(self.store.mediation, case_id)
        return Mediation.model_validate_json(text) if text is not None else None

    async def mediate(self, case_id: int, actor: str, note: str, change: Callable[[Mediation], Mediation]) -> Mediation:
        """Change a case's mediation record (started empty) and note it in the case's trail, together."""
        async with self._ledger.lock:
            case = await self._case(case_id)
            before = await self.mediation(case_id) or Mediation(case_id=case_id)
            after = change(before).evolve(updated_at=self._clock())
            if after.outcome in ("agreed", "partial") and before.outcome != after.outcome:
                after = after.evolve(decided_at=self._clock(), follow_up_due=self.book.calendar.end_of_day(
                    self._clock(), self.config.follow_up_days))
            event = self.book.note(case, actor, note, Action.MEDIATION, {"outcome": after.outcome})
            await self._write([event], lambda: self.store.save_mediation(
                case_id, after.model_dump_json(), event.case, event.entry))
        return after

    # --- appointments -----------------------------------------------------------------------------

    async def book_appointment(self, slot: Slot, actor: str, case_id: int | None = None) -> Appointment:
        """A room or an adviser for a slot; CaseError when someone has it already."""
        self.slots.check(slot.resource, slot.start, slot.end, self._clock())
        async with self._ledger.lock:
            await self._free(slot)
            return await self._book(slot, actor, case_id)

    async def _free(self, slot: Slot) -> None:
        booked = await asyncio.to_thread(self.store.appointments, slot.resource, slot.start, slot.end)
        taken = clash(booked, slot.resource, slot.start, slot.end)
        if taken is not None:
            raise CaseError(f"{self.slots.names[slot.resource]} is booked then (appointment {taken.id})")

    async def _book(self, slot: Slot, actor: str, case_id: int | None) -> Appointment:
        """Keep the appointment, noted in the case's trail when it is for one (lock held, slot free)."""
        case = await self._case(case_id) if case_id is not None else None
        self._last_appointment += 1
        made = Appointment(self._last_appointment, slot.resource, slot.start, slot.end, slot.name, slot.phone,
                           slot.purpose, actor, self._clock(), case_id)
        if case is None:
            await asyncio.to_thread(self.store.save_appointment, made)
            return made
        note = f"预约{self.slots.names[slot.resource]}：{self._when(made)}，{slot.purpose}".rstrip("，")
        event = self.book.note(case, actor, note, Action.APPOINTMENT, {"appointment": str(made.id)})
        await self._write([event], lambda: self.store.save_appointment(made, event.case, event.entry))
        return made

    async def cancel_appointment(self, appointment_id: int, actor: str, reason: str) -> Appointment:
        """Call an appointment off, with the reason; its case's trail records it, so the requester can be told."""
        if not reason.strip():
            raise CaseError("cancelling an appointment needs a reason")
        async with self._ledger.lock:
            found = await asyncio.to_thread(self.store.appointment, appointment_id)
            if found is None:
                raise LookupError(f"no appointment {appointment_id}")
            if found.cancelled:
                raise CaseError(f"appointment {appointment_id} was cancelled already")
            if found.end <= self._clock():
                raise CaseError(f"appointment {appointment_id} is over: it can no longer be cancelled")
            cancelled = dataclasses.replace(found, cancelled=True, cancelled_by=actor, cancelled_at=self._clock(),
                                            cancel_reason=reason)
            case = await self._case(found.case_id) if found.case_id is not None else None
            if case is None:
                await asyncio.to_thread(self.store.save_appointment, cancelled)
                return cancelled
            note = f"取消预约{self.slots.names.get(found.resource, found.resource)}（{self._when(found)}）：{reason}"
            event = self.book.note(case, actor, note, Action.APPOINTMENT_CANCEL, {"appointment": str(found.id)})
            await self._write([event], lambda: self.store.save_appointment(cancelled, event.case, event.entry))
        return cancelled

    async def appointments_of(self, case_id: int) -> list[Appointment]:
        """The appointments booked for a case, found through its trail, by start time."""
        trail = await asyncio.to_thread(self.store.entries, case_id)
        ids = {int(e.detail["appointment"]) for e in trail if e.action is Action.APPOINTMENT}
        found = await asyncio.gather(*(asyncio.to_thread(self.store.appointment, i) for i in sorted(ids)))
        return sorted((a for a in found if a is not None), key=lambda a: a.start)

    def _when(self, appointment: Appointment) -> str:
        tz = self.book.calendar.tz
        start, end = (datetime.fromtimestamp(t, tz) for t in (appointment.start, appointment.end))
        return f"{start:%m月%d日 %H:%M}–{end:%H:%M}"

    # --- storing and telling ----------------------------------------------------------------------

    async def _case(self, case_id: int) -> Case:
        case = self.book.cases.get(case_id) or await asyncio.to_thread(self.store.get, case_id)
        if case is None:
            raise LookupError(f"no case {case_id}")
        return case

    async def _commit(self, events: list[CaseEvent], token: tuple[str, int] | None = None) -> None:
        cases = list({e.case.id: e.case for e in events}.values())
        planned = self.notices.plan(events)
        deliveries = [p.delivery for p in planned]
        await self._write(events, lambda: self.store.save(cases, [e.entry for e in events], token, deliveries))
        self.notices.launch(planned)

    async def _write(self, events: list[CaseEvent], save: Callable[[], None]) -> None:
        """Store and announce; a stale write means another process leads now, so this one must stop."""
        try:
            await self._ledger.commit(events, save)
        except StaleWrite as exc:
            self.stale_writes += 1
            log.critical("case store: %s; another process leads now, so this one stops writing", exc)
            self.failed.set()
            raise
        try:
            await self._ids[1].top_up()
            await self._ids[2].top_up()
        except Exception as exc:  # stored all the same; the next change reserves on the spot
            log.warning("cases: reserving trail numbers failed (%s)", exc)
