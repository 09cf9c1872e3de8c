"""Where the register is kept (adapters/register_store.py on SQL): records, their digests and their history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hub.register.model import HistoryEntry, House, Household, KeyGroupEntry, Organisation, Person

Grids = frozenset[str] | None  # a caller's grids; None: the whole town


@dataclass(frozen=True)
class PeopleQuery:
    """People in *grids* matching every criterion given, by id, from *after* on."""

    grids: Grids = None
    name: str | None = None  # the start of a name
    id_digest: str | None = None
    id4_digest: str | None = None
    phone_digest: str | None = None
    household: str | None = None
    house: str | None = None
    after: int = 0
    limit: int = 100


class RegisterStore(Protocol):
    def people_by_digest(self, digests: list[str]) -> dict[str, Person]:
        """The people kept with these ID digests, by digest."""
        ...

    def add_people(self, people: list[Person], households: list[Household], actor: str, ts: float) -> int:
        """Insert new people (one history entry each) and the households not yet kept; how many people."""
        ...

    def save_person(self, person: Person, history: HistoryEntry) -> Person:
        """Insert (id 0) or update a person with its history entry; the person as kept, with its id."""
        ...

    def person(self, person_id: int) -> Person | None: ...

    def people(self, query: PeopleQuery) -> list[Person]: ...

    def names(self, ids: list[int]) -> dict[int, str]:
        """The names of the people with these ids, by id."""
        ...

    def count_people(self, grids: Grids) -> int: ...

    def save_house(self, house: House, history: HistoryEntry) -> None: ...

    def house(self, number: str) -> House | None: ...

    def houses_by_number(self, numbers: list[str]) -> dict[str, House]:
        """The houses kept under these numbers, by number."""
        ...

    def houses(self, grids: Grids, commercial_selfbuilt: bool | None, after: str, limit: int) -> list[House]: ...

    def add_houses(self, houses: list[House], actor: str, ts: float) -> int:
        """Insert houses not kept yet (by number); how many were new."""
        ...

    def household(self, number: str) -> Household | None: ...

    def save_organisation(self, org: Organisation, history: HistoryEntry) -> None: ...

    def organisations(self, grids: Grids, limit: int, after: str = "") -> list[Organisation]:
        """Organisations in *grids* by code, from after *after* on."""
        ...

    def organisations_by_code(self, codes: list[str]) -> dict[str, Organisation]:
        """The organisations kept under these codes, by code."""
        ...

    def add_organisations(self, organisations: list[Organisation], actor: str, ts: float) -> int:
        """Insert organisations not kept yet (by code); how many were new."""
        ...

    def organisation(self, code: str) -> Organisation | None: ...

    def save_key_group(self, entry: KeyGroupEntry, history: HistoryEntry) -> KeyGroupEntry: ...

    def key_groups(self, grids: Grids, person: int | None, limit: int) -> list[KeyGroupEntry]: ...

    def key_group(self, entry_id: int) -> KeyGroupEntry | None: ...

    def history(self, kind: str, record: str) -> list[HistoryEntry]:
        """The record's changes, oldest first."""
        ...

    def close(self) -> None: ...
