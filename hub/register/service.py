"""Who may read and change what in the register: scope by grid, masking by role, history on every edit.

Sync: the console calls it in worker threads (encryption and the store take real time at import sizes).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from hub.register.config import RegisterConfig
from hub.register.crypto import RegisterCipher
from hub.register.idcard import normalise
from hub.register.model import (
    HistoryEntry,
    House,
    HouseFields,
    Household,
    KeyGroupEdit,
    KeyGroupEntry,
    KeyGroupFields,
    OrganisationFields,
    Person,
    PersonFields,
    Relation,
)
from hub.register.store import Grids, PeopleQuery, RegisterStore
from hub.register.views import (
    KeyGroupListed,
    OrganisationView,
    PersonRecord,
    PersonView,
    RegisterAccess,
    changes,
    opened,
    opened_organisation,
    seal,
    seal_organisation,
    view,
    view_organisation,
)
from hub.town import Town
from hub.users.model import Principal, Role

LAST4 = re.compile(r"^\d{3}[\dXx]$")
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
ID18 = re.compile(r"^\d{17}[\dXx]$")


class RegisterError(Exception):
    """A refused read or change; the message, in Chinese, says why."""


class NotFound(RegisterError):
    pass


class OutOfScope(RegisterError):
    pass


class RegisterService:
    """The register as each principal may see it."""

    def __init__(self, store: RegisterStore, cipher: RegisterCipher, town: Town,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.cipher = cipher
        self.town = town
        self.config: RegisterConfig = town.register_access
        self.clock = clock
        self._villages = {g.id: v.id for v in town.villages for g in v.grids}

    def scope(self, principal: Principal) -> Grids:
        """The grids *principal* may see: None for the centre's whole town."""
        if principal.is_staff:
            return None
        if principal.role is Role.cadre:
            return frozenset(g.id for v in self.town.villages if v.id == principal.village for g in v.grids)
        if principal.role is Role.grid_worker:
            return principal.grids
        return frozenset()

    def check_grid(self, principal: Principal, grid: str) -> None:
        """Refuse a grid the town lacks, or one outside *principal*'s scope."""
        if grid not in self._villages:
            raise RegisterError(f"未知网格 {grid}")
        grids = self.scope(principal)
        if grids is not None and grid not in grids:
            raise OutOfScope(f"网格 {grid} 不在您的管辖范围")

    def village_of(self, grid: str) -> str | None:
        return self._villages.get(grid)

    def search(self, principal: Principal, text: str = "", grid: str | None = None, household: str | None = None,
               house: str | None = None, after: int = 0, limit: int = 50) -> list[PersonView]:
        """People in scope by name (its start), the last 4 of the ID, the whole ID, or a phone; always masked."""
        grids = self.scope(principal)
        if grid is not None:
            self.check_grid(principal, grid)
            grids = frozenset({grid})
        query = PeopleQuery(grids=grids, household=household, house=house, after=after, limit=limit,
                            **self._criteria(text.strip()))
        return [self.view(p, full=False) for p in self.store.people(query)]

    def _criteria(self, text: str) -> dict[str, Any]:
        if not text:
            return {}
        if LAST4.match(text):
            return {"id4_digest": self.cipher.digest("id4", normalise(text))}
        if ID18.match(text):
            return {"id_digest": self.cipher.digest("id", normalise(text))}
        if PHONE.match(text):
            return {"phone_digest": self.cipher.digest("phone", text)}
        return {"name": text}

    def record(self, principal: Principal, person_id: int) -> PersonRecord:
        """One person's full record; the caller audits the read."""
        person = self._person(principal, person_id)
        groups = (self.store.key_groups(None, person.id, 100) if principal.role in self.config.key_group_readers
                  else None)
        return PersonRecord(person=self.view(person, principal.role in self.config.full_readers),
                            history=self.store.history("person", str(person.id)), key_groups=groups)

    def create_person(self, principal: Principal, fields: PersonFields) -> PersonView:
        self.check_grid(principal, fields.grid)
        number = fields.id_number
        if self.store.people_by_digest([self.cipher.digest("id", number)]):
            raise RegisterError("身份证号已在登记册中")
        now = self.clock()
        entry = HistoryEntry(kind="person", record="", ts=now, actor=principal.actor, changes=changes(None, fields))
        kept = self.store.save_person(seal(self.cipher, fields, now), entry)
        return self.view(kept, principal.role in self.config.full_readers)

    def edit_person(self, principal: Principal, person_id: int, edit: dict[str, Any]) -> PersonView:
        """Change some of a person's fields; kept with who, when and what changed."""
        person = self._person(principal, person_id)
        before = opened(self.cipher, person)
        after = PersonFields.model_validate(before.model_dump() | edit)
        self.check_grid(principal, after.grid)
        diff = changes(before, after)
        if "id_number" in diff and self.store.people_by_digest([self.cipher.digest("id", after.id_number)]):
            raise RegisterError("身份证号已在登记册中")
        if diff:
            now = self.clock()
            entry = HistoryEntry(kind="person", record=str(person_id), ts=now, actor=principal.actor, changes=diff)
            person = self.store.save_person(seal(self.cipher, after, now, person_id), entry)
        return self.view(person, principal.role in self.config.full_readers)

    def house(self, principal: Principal, number: str) -> tuple[House, list[PersonView]]:
        """A house and its occupants (masked)."""
        house = self.store.house(number)
        if house is None:
            raise NotFound(f"没有房屋 {number}")
        self.check_grid(principal, house.grid)
        return house, self.search(principal, house=number, limit=500)

    def household(self, principal: Principal, number: str) -> tuple[Household, list[PersonView]]:
        """A household and its people (masked), the head first."""
        household = self.store.household(number)
        if household is None:
            raise NotFound(f"没有户号 {number}")
        self.check_grid(principal, household.grid)
        people = self.search(principal, household=number, limit=500)
        return household, sorted(people, key=lambda p: p.relation is not Relation.head)

    def houses(self, principal: Principal, commercial_selfbuilt: bool | None = None, after: str = "",
               limit: int = 100) -> list[House]:
        return self.store.houses(self.scope(principal), commercial_selfbuilt, after, limit)

    def save_house(self, principal: Principal, fields: HouseFields) -> House:
        """Add a house or change one; kept with its history."""
        before = self.store.house(fields.number)
        self._may_write(principal, fields.grid, before.grid if before else None)
        now = self.clock()
        house = House(**fields.model_dump(), updated=now)
        diff = changes(HouseFields(**before.model_dump(exclude={"updated"})) if before else None, fields)
        if diff:
            self.store.save_house(house, HistoryEntry(kind="house", record=fields.number, ts=now,
                                                      actor=principal.actor, changes=diff))
        return house

    def organisations(self, principal: Principal, limit: int = 500) -> list[OrganisationView]:
        """Organisations in scope, their contacts' phones masked as in every list."""
        return [view_organisation(self.cipher, o, False) for o in self.store.organisations(self.scope(principal),
                                                                                          limit)]

    def organisation(self, principal: Principal, code: str) -> OrganisationView:
        """One organisation, its contact's phone in full for the roles the town file names; the caller audits."""
        org = self.store.organisation(code)
        if org is None:
            raise NotFound(f"没有组织 {code}")
        self.check_grid(principal, org.grid)
        return view_organisation(self.cipher, org, principal.role in self.config.full_readers)

    def save_organisation(self, principal: Principal, fields: OrganisationFields) -> OrganisationView:
        before = self.store.organisation(fields.code)
        self._may_write(principal, fields.grid, before.grid if before else None)
        now = self.clock()
        org = seal_organisation(self.cipher, fields, now)
        shown = opened_organisation(self.cipher, before) if before else None
        self.store.save_organisation(org, HistoryEntry(kind="organisation", record=fields.code, ts=now,
                                                       actor=principal.actor, changes=changes(shown, fields)))
        return view_organisation(self.cipher, org, principal.role in self.config.full_readers)

    def access(self, principal: Principal) -> RegisterAccess:
        return RegisterAccess(full=principal.role in self.config.full_readers,
                              key_groups=principal.role in self.config.key_group_readers)

    def key_groups(self, principal: Principal, limit: int = 500) -> list[KeyGroupListed]:
        """Key group entries in scope, each with the person's name."""
        self._key_group_reader(principal)
        entries = self.store.key_groups(self.scope(principal), None, limit)
        names = self.store.names(sorted({e.person for e in entries}))
        return [KeyGroupListed(**e.model_dump(), name=names.get(e.person, "")) for e in entries]

    def add_key_group(self, principal: Principal, fields: KeyGroupFields) -> KeyGroupEntry:
        self._key_group_reader(principal)
        person = self._person(principal, fields.person)
        now = self.clock()
        entry = KeyGroupEntry(**fields.model_dump(), grid=person.grid, updated=now)
        return self.store.save_key_group(entry, HistoryEntry(kind="key_group", record="", ts=now,
                                                             actor=principal.actor, changes=changes(None, fields)))

    def edit_key_group(self, principal: Principal, entry_id: int, edit: KeyGroupEdit) -> KeyGroupEntry:
        """Change a key group entry of a person in scope, or end it; kept in the history."""
        self._key_group_reader(principal)
        entry = self.store.key_group(entry_id)
        if entry is None:
            raise NotFound(f"没有重点人群记录 {entry_id}")
        self.check_grid(principal, entry.grid)
        before = KeyGroupFields.model_validate(entry.model_dump(include=set(KeyGroupFields.model_fields)))
        after = before.model_copy(update=edit.model_dump(exclude_unset=True))
        if after.ended is not None and after.since is not None and after.ended < after.since:
            raise RegisterError("结束日期早于开始日期")
        now = self.clock()
        return self.store.save_key_group(
            entry.model_copy(update={**after.model_dump(), "updated": now}),
            HistoryEntry(kind="key_group", record=str(entry_id), ts=now, actor=principal.actor,
                         changes=changes(before, after)))

    def _may_write(self, principal: Principal, grid: str, kept_in: str | None) -> None:
        """A record may be written into a grid in scope, and only if the kept one is in scope too."""
        self.check_grid(principal, grid)
        if kept_in is not None:
            self.check_grid(principal, kept_in)

    def _key_group_reader(self, principal: Principal) -> None:
        if principal.role not in self.config.key_group_readers:
            raise OutOfScope("重点人群仅限镇上指定的角色查阅")

    def _person(self, principal: Principal, person_id: int) -> Person:
        person = self.store.person(person_id)
        if person is None:
            raise NotFound(f"没有编号为 {person_id} 的人员")
        self.check_grid(principal, person.grid)
        return person

    def view(self, person: Person, full: bool) -> PersonView:
        return view(self.cipher, person, full, self.village_of(person.grid))

