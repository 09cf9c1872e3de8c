"""The case store interface: cases, their audit trail, mediation records, appointments, Open311 tokens, and
the delivery log of escalation messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from hub.alerts.store import Delivery
from hub.cases.appointments import Appointment
from hub.cases.model import Case, CaseState, Entry, Source


@dataclass(frozen=True, slots=True)
class CaseQuery:
    states: tuple[CaseState, ...] = ()
    category: tuple[str, ...] = ()
    source: Source | None = None
    grid: str | None = None
    village: str | None = None  # the case's village, or the village of its lead unit
    since: float | None = None  # received at or after
    until: float | None = None  # received before
    ids: tuple[int, ...] = ()
    limit: int = 200


class CaseStore(Protocol):
    def save(self, cases: Sequence[Case], entries: Sequence[Entry], token: tuple[str, int] | None = None,
             deliveries: Sequence[Delivery] = ()) -> None:
        """Upsert *cases*, append *entries*, keep an Open311 token for a case and log the *deliveries* that tell of
        the entries, in one transaction; StaleWrite if a case changed in the store since this store last read or
        wrote it."""

    def open_cases(self) -> list[Case]: ...

    def last_ids(self) -> tuple[int, int, int]:
        """The highest case id, entry seq and appointment id stored so far."""

    def reserve_ids(self, counter: str, count: int) -> list[int]:
        """*count* new numbers of *counter* (case, case_seq) that no process was or will be handed."""

    def get(self, case_id: int) -> Case | None: ...

    def find(self, query: CaseQuery) -> list[Case]:
        """Newest first."""

    def entries(self, case_id: int) -> list[Entry]: ...

    def case_of_token(self, token: str) -> int | None: ...

    def mediation(self, case_id: int) -> str | None:
        """The case's mediation record as JSON."""

    def save_mediation(self, case_id: int, record: str, case: Case, entry: Entry) -> None:
        """Keep the record and its trail entry (and the case, whose updated time moved) together."""

    def save_appointment(self, appointment: Appointment, case: Case | None = None,
                         entry: Entry | None = None) -> None: ...

    def appointments(self, resource: str | None, start: float, end: float) -> list[Appointment]:
        """Appointments overlapping [start, end), of one resource or all, by start time."""

    def appointment(self, appointment_id: int) -> Appointment | None: ...

    def save_deliveries(self, deliveries: Sequence[Delivery]) -> None:
        """Upsert escalation messages' delivery states (each has a case_id)."""

    def deliveries(self, case_id: int) -> list[Delivery]:
        """The case's escalation messages, oldest first."""

    def pending_deliveries(self) -> list[Delivery]: ...

    def close(self) -> None: ...
