"""The case store on SQL through SQLAlchemy (the same database as the alert and dispatch stores).

Each case is kept whole as JSON, with the columns queries filter on beside it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter

from adapters.alert_store import delivery_table, read_deliveries
from adapters.sql import SqlStore, Versions, reserve_ids, upsert
from hub.alerts.store import Delivery, DeliveryStatus
from hub.cases.appointments import Appointment
from hub.cases.model import OPEN, Case, Entry
from hub.cases.store import CaseQuery

_CASE = TypeAdapter(Case)
_ENTRY = TypeAdapter(Entry)
_APPOINTMENT = TypeAdapter(Appointment)
_DELIVERY = TypeAdapter(Delivery)
meta = sa.MetaData()
cases = sa.Table(
    "gridhub_cases", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("category", sa.String(64), nullable=False, index=True),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("grid", sa.String(64), index=True), sa.Column("village", sa.String(64), index=True),
    sa.Column("lead_village", sa.String(64), index=True),
    sa.Column("created_at", sa.Float, nullable=False, index=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),  # see adapters.sql.Versions
)
entries = sa.Table(
    "gridhub_case_log", meta,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("case_id", sa.Integer, nullable=False, index=True),
    sa.Column("body", sa.Text, nullable=False),
)
tokens = sa.Table(
    "gridhub_case_tokens", meta,
    sa.Column("token", sa.String(64), primary_key=True), sa.Column("case_id", sa.Integer, nullable=False),
)
mediations = sa.Table(
    "gridhub_mediations", meta,
    sa.Column("case_id", sa.Integer, primary_key=True, autoincrement=False), sa.Column("body", sa.Text, nullable=False),
)
appointments = sa.Table(
    "gridhub_appointments", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("resource", sa.String(64), nullable=False, index=True),
    sa.Column("start", sa.Float, nullable=False, index=True), sa.Column("end", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)

deliveries = delivery_table("gridhub_case_deliveries", "case_id", meta)


class SqlCaseStore(SqlStore):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._versions = Versions("case")

    def save(self, items: Sequence[Case], log: Sequence[Entry], token: tuple[str, int] | None = None,
             delivery_rows: Sequence[Delivery] = ()) -> None:
        with self._writing() as conn:
            self._save(conn, items, log)
            if token is not None:
                conn.execute(tokens.insert(), {"token": token[0], "case_id": token[1]})
            if delivery_rows:
                _upsert_deliveries(conn, delivery_rows)

    def open_cases(self) -> list[Case]:
        return self._cases(sa.select(cases.c.id, cases.c.version, cases.c.body)
                           .where(cases.c.state.in_([s.value for s in OPEN])))

    def reserve_ids(self, counter: str, count: int) -> list[int]:
        return reserve_ids(self.engine, counter, count)

    def last_ids(self) -> tuple[int, int, int]:
        with self.engine.connect() as conn:
            found = [conn.execute(sa.select(sa.func.max(column))).scalar() or 0
                     for column in (cases.c.id, entries.c.seq, appointments.c.id)]
        return int(found[0]), int(found[1]), int(found[2])

    def get(self, case_id: int) -> Case | None:
        found = self._cases(sa.select(cases.c.id, cases.c.version, cases.c.body).where(cases.c.id == case_id))
        return found[0] if found else None

    def find(self, query: CaseQuery) -> list[Case]:
        c = cases.c
        where: list[Any] = []
        if query.states:
            where.append(c.state.in_([s.value for s in query.states]))
        if query.category:
            where.append(c.category.in_(query.category))
        if query.source is not None:
            where.append(c.source == query.source.value)
        if query.grid:
            where.append(c.grid == query.grid)
        if query.village:
            where.append(sa.or_(c.village == query.village, c.lead_village == query.village))
        if query.since is not None:
            where.append(c.created_at >= query.since)
        if query.until is not None:
            where.append(c.created_at < query.until)
        if query.ids:
            where.append(c.id.in_(query.ids))
        return self._cases(sa.select(c.id, c.version, c.body).where(*where).order_by(c.id.desc()).limit(query.limit))

    def entries(self, case_id: int) -> list[Entry]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(entries.c.body).where(entries.c.case_id == case_id)
                                .order_by(entries.c.seq)).scalars()
            return [_ENTRY.validate_json(b) for b in rows]

    def case_of_token(self, token: str) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(tokens.c.case_id).where(tokens.c.token == token)).scalar()

    def mediation(self, case_id: int) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(mediations.c.body).where(mediations.c.case_id == case_id)).scalar()

    def save_mediation(self, case_id: int, record: str, case: Case, entry: Entry) -> None:
        with self._writing() as conn:
            upsert(conn, mediations, "case_id", [{"case_id": case_id, "body": record}])
            self._save(conn, [case], [entry])

    def save_appointment(self, appointment: Appointment, case: Case | None = None,
                         entry: Entry | None = None) -> None:
        with self._writing() as conn:
            upsert(conn, appointments, "id", [{
                "id": appointment.id, "resource": appointment.resource, "start": appointment.start,
                "end": appointment.end, "body": _APPOINTMENT.dump_json(appointment).decode()}])
            if case is not None and entry is not None:
                self._save(conn, [case], [entry])

    def appointments(self, resource: str | None, start: float, end: float) -> list[Appointment]:
        c = appointments.c
        where = [c.start < end, c.end > start, *([c.resource == resource] if resource else [])]
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(c.body).where(*where).order_by(c.start, c.id)).scalars()
            return [_APPOINTMENT.validate_json(b) for b in rows]

    def appointment(self, appointment_id: int) -> Appointment | None:
        with self.engine.connect() as conn:
            body = conn.execute(sa.select(appointments.c.body).where(appointments.c.id == appointment_id)).scalar()
        return _APPOINTMENT.validate_json(body) if body is not None else None

    def save_deliveries(self, items: Sequence[Delivery]) -> None:
        with self.engine.begin() as conn:
            _upsert_deliveries(conn, items)

    def deliveries(self, case_id: int) -> list[Delivery]:
        return read_deliveries(self.engine, deliveries, deliveries.c.case_id == case_id)

    def pending_deliveries(self) -> list[Delivery]:
        return read_deliveries(self.engine, deliveries, deliveries.c.status == DeliveryStatus.PENDING.value)

    @contextmanager
    def _writing(self) -> Iterator[sa.Connection]:
        """One transaction that may write cases: the versions it makes are kept once it is committed."""
        written: dict[int | str, int] = {}
        with self.engine.begin() as conn:
            conn.info["written"] = written
            yield conn
        self._versions.keep(written)

    def _save(self, conn: sa.Connection, items: Sequence[Case], log: Sequence[Entry]) -> None:
        conn.info["written"].update(self._versions.write(conn, cases, [
            {"id": k.id, "state": k.state.value, "category": k.category, "source": k.source.value,
             "grid": k.grid, "village": k.village, "lead_village": k.lead_village, "created_at": k.created_at,
             "body": _CASE.dump_json(k).decode()} for k in items]))
        if log:
            conn.execute(entries.insert(), [{"seq": e.seq, "case_id": e.case_id,
                                             "body": _ENTRY.dump_json(e).decode()} for e in log])

    def _cases(self, select: sa.Select[Any]) -> list[Case]:
        """Cases from a select of id, version and body, their versions noted for the next write."""
        with self.engine.connect() as conn:
            rows = conn.execute(select).all()
        for key, version, _ in rows:
            self._versions.seen(key, version)
        return [_CASE.validate_json(b) for _, _, b in rows]


def _upsert_deliveries(conn: sa.Connection, items: Sequence[Delivery]) -> None:
    upsert(conn, deliveries, "id", [{"id": d.id, "case_id": d.case_id, "status": d.status.value,
                                     "body": _DELIVERY.dump_json(d).decode()} for d in items])
