"""The register on SQL: one row per record with the columns it is found by, the rest as JSON, and its history."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.engine import Connection

from adapters.sql import SqlStore, upsert
from hub.register.model import HistoryEntry, House, Household, KeyGroupEntry, Organisation, Person
from hub.register.store import Grids, PeopleQuery

meta = sa.MetaData()


def _digest(name: str, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.String(64), **kw)


people = sa.Table(
    "gridhub_register_people", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _digest("id_digest", nullable=False, unique=True), _digest("id4_digest", nullable=False, index=True),
    _digest("phone_digest", index=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("grid", sa.String(64), nullable=False, index=True),
    sa.Column("household", sa.String(32), index=True), sa.Column("house", sa.String(32), index=True),
    sa.Column("updated", sa.Float, nullable=False), sa.Column("body", sa.Text, nullable=False),
    # text_pattern_ops: PostgreSQL finds names by their start (LIKE '张%') in it whatever the database's collation
    sa.Index("ix_gridhub_register_people_name", "name", postgresql_ops={"name": "text_pattern_ops"}),
)
houses = sa.Table(
    "gridhub_register_houses", meta,
    sa.Column("number", sa.String(32), primary_key=True),
    sa.Column("grid", sa.String(64), nullable=False, index=True),
    sa.Column("commercial_selfbuilt", sa.Boolean, nullable=False, index=True),
    sa.Column("body", sa.Text, nullable=False),
)
households = sa.Table(
    "gridhub_register_households", meta,
    sa.Column("number", sa.String(32), primary_key=True),
    sa.Column("grid", sa.String(64), nullable=False, index=True), sa.Column("body", sa.Text, nullable=False),
)
organisations = sa.Table(
    "gridhub_register_organisations", meta,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("grid", sa.String(64), nullable=False, index=True), sa.Column("body", sa.Text, nullable=False),
)
key_groups = sa.Table(
    "gridhub_register_key_groups", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("person", sa.Integer, nullable=False, index=True),
    sa.Column("grid", sa.String(64), nullable=False, index=True), sa.Column("body", sa.Text, nullable=False),
)
history = sa.Table(
    "gridhub_register_history", meta,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False), sa.Column("record", sa.String(64), nullable=False),
    sa.Column("ts", sa.Float, nullable=False), sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("changes", sa.Text, nullable=False),
    sa.Index("ix_gridhub_register_history_record", "kind", "record"),
)
_PERSON_KEYS = {"id_digest", "id4_digest", "phone_digest", "name", "grid", "household", "house", "updated"}


def _body(model: BaseModel, exclude: set[str] | None = None) -> str:
    return model.model_dump_json(exclude=exclude)


def _in_grids(table: sa.Table, grids: Grids) -> sa.ColumnElement[bool]:
    return sa.true() if grids is None else table.c.grid.in_(sorted(grids))


def _history_rows(entries: Sequence[HistoryEntry]) -> list[dict[str, Any]]:
    return [{**e.model_dump(exclude={"changes"}), "changes": json.dumps(e.changes, ensure_ascii=False)}
            for e in entries]


def _person_row(person: Person) -> dict[str, Any]:
    row = person.model_dump(include=_PERSON_KEYS)
    return row | {"body": _body(person, exclude={"id"})}


def _person(row: Any) -> Person:
    return Person.model_validate_json(row.body).model_copy(update={"id": row.id})


class SqlRegisterStore(SqlStore):
    """Rows and their history are written in one transaction: a change is kept with its history or not at all."""

    def people_by_digest(self, digests: list[str]) -> dict[str, Person]:
        found: dict[str, Person] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(digests), 500):
                chunk = digests[start:start + 500]
                rows = conn.execute(sa.select(people.c.id, people.c.body).where(people.c.id_digest.in_(chunk)))
                found |= {p.id_digest: p for p in map(_person, rows)}
        return found

    def add_people(self, new: list[Person], homes: list[Household], actor: str, ts: float) -> int:
        if not new:
            return 0
        with self.engine.begin() as conn:
            # A plain executemany, then the ids by digest: RETURNING in parameter order goes row by row on SQLite.
            conn.execute(people.insert(), [_person_row(p) for p in new])
            digests = [p.id_digest for p in new]
            made = [i for start in range(0, len(digests), 500) for i in conn.scalars(
                sa.select(people.c.id).where(people.c.id_digest.in_(digests[start:start + 500])))]
            change = json.dumps({"登记": (None, "导入")}, ensure_ascii=False)
            conn.execute(history.insert(), [{"kind": "person", "record": str(i), "ts": ts, "actor": actor,
                                             "changes": change} for i in made])
            self._add_households(conn, homes)
        return len(made)

    def _add_households(self, conn: Connection, homes: list[Household]) -> None:
        numbers = sorted({h.number for h in homes})
        kept: set[str] = set()
        for start in range(0, len(numbers), 500):
            chunk = numbers[start:start + 500]
            kept |= set(conn.scalars(sa.select(households.c.number).where(households.c.number.in_(chunk))))
        fresh = {h.number: h for h in homes if h.number not in kept}
        if fresh:
            conn.execute(households.insert(), [{"number": h.number, "grid": h.grid, "body": _body(h)}
                                               for h in fresh.values()])

    def save_person(self, person: Person, entry: HistoryEntry) -> Person:
        with self.engine.begin() as conn:
            if person.id == 0:
                new_id = conn.execute(people.insert().returning(people.c.id), _person_row(person)).scalar_one()
                person = person.model_copy(update={"id": new_id})
                entry = entry.model_copy(update={"record": str(new_id)})
            else:
                conn.execute(people.update().where(people.c.id == person.id).values(**_person_row(person)))
            conn.execute(history.insert(), _history_rows([entry]))
            if person.household is not None:
                self._add_households(conn, [Household(number=person.household, grid=person.grid,
                                                      address=person.address, updated=person.updated)])
        return person

    def person(self, person_id: int) -> Person | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(people.c.id, people.c.body).where(people.c.id == person_id)).first()
        return _person(row) if row else None

    def people(self, query: PeopleQuery) -> list[Person]:
        c = people.c
        where = [_in_grids(people, query.grids)]
        if query.after:  # only when paging: a bound range on the id makes SQLite walk the ids instead of an index
            where.append(c.id > query.after)
        for column, value in ((c.id_digest, query.id_digest), (c.id4_digest, query.id4_digest),
                              (c.phone_digest, query.phone_digest), (c.household, query.household),
                              (c.house, query.house)):
            if value is not None:
                where.append(column == value)
        select = sa.select(c.id, c.body).order_by(c.id).limit(query.limit)
        with self.engine.connect() as conn:
            if query.name:
                where.append(_name_starts(conn, query.name))
            return [_person(row) for row in conn.execute(select.where(*where))]

    def names(self, ids: list[int]) -> dict[int, str]:
        with self.engine.connect() as conn:
            return {r.id: r.name for r in conn.execute(sa.select(people.c.id, people.c.name).where(
                people.c.id.in_(ids)))} if ids else {}

    def count_people(self, grids: Grids) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(sa.select(sa.func.count()).select_from(people).where(_in_grids(people, grids)))
                       or 0)

    def save_house(self, house: House, entry: HistoryEntry) -> None:
        with self.engine.begin() as conn:
            upsert(conn, houses, "number", [_house_row(house)])
            conn.execute(history.insert(), _history_rows([entry]))

    def add_houses(self, new: list[House], actor: str, ts: float) -> int:
        numbers = [h.number for h in new]
        with self.engine.begin() as conn:
            kept = set(conn.scalars(sa.select(houses.c.number).where(houses.c.number.in_(numbers))))
            fresh = [h for h in new if h.number not in kept]
            if fresh:
                conn.execute(houses.insert(), [_house_row(h) for h in fresh])
                conn.execute(history.insert(), _history_rows([
                    HistoryEntry(kind="house", record=h.number, ts=ts, actor=actor, changes={"登记": (None, "导入")})
                    for h in fresh]))
        return len(fresh)

    def house(self, number: str) -> House | None:
        with self.engine.connect() as conn:
            body = conn.scalar(sa.select(houses.c.body).where(houses.c.number == number))
        return House.model_validate_json(body) if body else None

    def houses_by_number(self, numbers: list[str]) -> dict[str, House]:
        found: dict[str, House] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(numbers), 500):
                select = sa.select(houses.c.body).where(houses.c.number.in_(numbers[start:start + 500]))
                found |= {h.number: h for h in map(House.model_validate_json, conn.scalars(select))}
        return found

    def houses(self, grids: Grids, commercial_selfbuilt: bool | None, after: str, limit: int) -> list[House]:
        select = sa.select(houses.c.body).where(_in_grids(houses, grids), houses.c.number > after)
        if commercial_selfbuilt is not None:
            select = select.where(houses.c.commercial_selfbuilt == commercial_selfbuilt)
        with self.engine.connect() as conn:
            bodies = conn.scalars(select.order_by(houses.c.number).limit(limit))
            return [House.model_validate_json(b) for b in bodies]

    def household(self, number: str) -> Household | None:
        with self.engine.connect() as conn:
            body = conn.scalar(sa.select(households.c.body).where(households.c.number == number))
        return Household.model_validate_json(body) if body else None

    def save_organisation(self, org: Organisation, entry: HistoryEntry) -> None:
        with self.engine.begin() as conn:
            upsert(conn, organisations, "code", [{"code": org.code, "grid": org.grid, "body": _body(org)}])
            conn.execute(history.insert(), _history_rows([entry]))

    def add_organisations(self, new: list[Organisation], actor: str, ts: float) -> int:
        codes = [o.code for o in new]
        with self.engine.begin() as conn:
            kept = set(conn.scalars(sa.select(organisations.c.code).where(organisations.c.code.in_(codes))))
            fresh = [o for o in new if o.code not in kept]
            if fresh:
                conn.execute(organisations.insert(),
                             [{"code": o.code, "grid": o.grid, "body": _body(o)} for o in fresh])
                conn.execute(history.insert(), _history_rows([
                    HistoryEntry(kind="organisation", record=o.code, ts=ts, actor=actor,
                                 changes={"登记": (None, "导入")}) for o in fresh]))
        return len(fresh)

    def organisations_by_code(self, codes: list[str]) -> dict[str, Organisation]:
        found: dict[str, Organisation] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(codes), 500):
                select = sa.select(organisations.c.body).where(organisations.c.code.in_(codes[start:start + 500]))
                found |= {o.code: o for o in map(Organisation.model_validate_json, conn.scalars(select))}
        return found

    def organisations(self, grids: Grids, limit: int, after: str = "") -> list[Organisation]:
        select = sa.select(organisations.c.body).where(_in_grids(organisations, grids), organisations.c.code > after)
        with self.engine.connect() as conn:
            bodies = conn.scalars(select.order_by(organisations.c.code).limit(limit))
            return [Organisation.model_validate_json(b) for b in bodies]

    def organisation(self, code: str) -> Organisation | None:
        with self.engine.connect() as conn:
            body = conn.scalar(sa.select(organisations.c.body).where(organisations.c.code == code))
        return Organisation.model_validate_json(body) if body else None

    def save_key_group(self, entry: KeyGroupEntry, change: HistoryEntry) -> KeyGroupEntry:
        row = {"person": entry.person, "grid": entry.grid, "body": _body(entry, exclude={"id"})}
        with self.engine.begin() as conn:
            if entry.id == 0:
                entry = entry.model_copy(update={"id": conn.execute(
                    key_groups.insert().returning(key_groups.c.id), row).scalar_one()})
                change = change.model_copy(update={"record": str(entry.id)})
            else:
                conn.execute(key_groups.update().where(key_groups.c.id == entry.id).values(**row))
            conn.execute(history.insert(), _history_rows([change]))
        return entry

    def key_groups(self, grids: Grids, person: int | None, limit: int) -> list[KeyGroupEntry]:
        select = sa.select(key_groups.c.id, key_groups.c.body).where(_in_grids(key_groups, grids))
        if person is not None:
            select = select.where(key_groups.c.person == person)
        with self.engine.connect() as conn:
            rows = conn.execute(select.order_by(key_groups.c.id).limit(limit))
            return [KeyGroupEntry.model_validate_json(r.body).model_copy(update={"id": r.id}) for r in rows]

    def key_group(self, entry_id: int) -> KeyGroupEntry | None:
        with self.engine.connect() as conn:
            body = conn.scalar(sa.select(key_groups.c.body).where(key_groups.c.id == entry_id))
        return KeyGroupEntry.model_validate_json(body).model_copy(update={"id": entry_id}) if body else None

    def history(self, kind: str, record: str) -> list[HistoryEntry]:
        select = sa.select(history).where(history.c.kind == kind, history.c.record == record).order_by(history.c.seq)
        with self.engine.connect() as conn:
            return [HistoryEntry.model_validate({**row._mapping, "changes": json.loads(row.changes)})
                    for row in conn.execute(select)]


def _house_row(house: House) -> dict[str, Any]:
    return {"number": house.number, "grid": house.grid, "commercial_selfbuilt": house.commercial_selfbuilt,
            "body": _body(house)}


def _name_starts(conn: Connection, text: str) -> sa.ColumnElement[bool]:
    """Names starting with *text*, through the name's index where the database can."""
    if conn.dialect.name == "sqlite":  # GLOB is case-sensitive, so SQLite reads it from the index; LIKE is not
        pattern = "".join(f"[{ch}]" if ch in "*?[" else ch for ch in text) + "*"
        # Rendered into the statement (quoted by the dialect): SQLite plans a bound pattern without the index.
        return people.c.name.op("GLOB")(sa.bindparam("name_glob", pattern, literal_execute=True))
    return people.c.name.like(text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",
                              escape="\\")
