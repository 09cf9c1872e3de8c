"""Exporting the register in the caller's scope, in the same columns the import reads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hub.register.model import Labelled
from hub.register.service import RegisterService
from hub.register.sheets import HOUSES, ORGANISATIONS, PEOPLE, SHEETS, write_csv, write_xlsx
from hub.register.store import PeopleQuery
from hub.register.views import view_organisation
from hub.users.model import Principal

PAGE = 5000


def _cell(value: Any) -> Any:
    if isinstance(value, Labelled):
        return value.label
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else value


def _people(service: RegisterService, principal: Principal) -> Iterator[list[Any]]:
    """Every person in scope, in full for the roles the town file names, masked for the rest."""
    full = principal.role in service.config.full_readers
    grids, after = service.scope(principal), 0
    while page := service.store.people(PeopleQuery(grids=grids, after=after, limit=PAGE)):
        for person in page:
            shown = service.view(person, full).model_dump()
            yield [_cell(shown[c.field] if c.field in ("id_number", "phone") else getattr(person, c.field))
                   for c in PEOPLE]
        after = page[-1].id


def _houses(service: RegisterService, principal: Principal) -> Iterator[list[Any]]:
    after = ""
    while page := service.houses(principal, after=after, limit=PAGE):
        yield from ([_cell(getattr(h, c.field)) for c in HOUSES] for h in page)
        after = page[-1].number


def _organisations(service: RegisterService, principal: Principal) -> Iterator[list[Any]]:
    """Every organisation in scope, the contact's phone in full for the roles the town file names."""
    full = principal.role in service.config.full_readers
    grids, after = service.scope(principal), ""
    while page := service.store.organisations(grids, PAGE, after):
        for org in page:
            shown = view_organisation(service.cipher, org, full).model_dump()  # its kind by its Chinese label
            yield [_cell(shown[c.field]) for c in ORGANISATIONS]
        after = page[-1].code


ROWS = {"people": _people, "houses": _houses, "organisations": _organisations}


def export(service: RegisterService, principal: Principal, kind: str, fmt: str) -> tuple[bytes, int]:
    """The sheet of *kind* in *fmt* (xlsx or csv), and how many records it holds."""
    title, columns = SHEETS[kind]
    rows = list(ROWS[kind](service, principal))
    header = [c.header for c in columns]
    return (write_csv(header, rows) if fmt == "csv" else write_xlsx(title, header, rows)), len(rows)



