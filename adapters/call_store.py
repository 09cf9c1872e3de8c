"""The call store on SQL through SQLAlchemy, beside the alerts in state.sqlite3 (or PostgreSQL).

Calls are rows with the columns queries filter on plus the whole record (with
its participants) as JSON; the log is append-only, like the alert store's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter

from adapters.sql import SqlStore, upsert
from hub.calls.model import Call, CallEntry, CallState

_CALL = TypeAdapter(Call)
_ENTRY = TypeAdapter(CallEntry)

meta = sa.MetaData()
calls = sa.Table(
    "gridhub_calls", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("alert_id", sa.Integer, index=True),
    sa.Column("villages", sa.Text, nullable=False),  # ",a,b," so that one village is a LIKE away
    sa.Column("opened_at", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)
log = sa.Table(
    "gridhub_call_log", meta,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("call_id", sa.Integer, nullable=False, index=True),
    sa.Column("body", sa.Text, nullable=False),
)


class SqlCallStore(SqlStore):
    """CallStore on any SQLAlchemy engine."""

    def save(self, items: Sequence[Call], entries: Sequence[CallEntry]) -> None:
        with self.engine.begin() as conn:
            if items:
                upsert(conn, calls, "id", [
                    {"id": c.id, "state": c.state.value, "alert_id": c.alert_id, "opened_at": c.opened_at,
                     "villages": f",{','.join(c.villages)},", "body": _CALL.dump_json(c).decode()} for c in items])
            if entries:
                conn.execute(log.insert(), [{"seq": e.seq, "call_id": e.call_id, "body": _ENTRY.dump_json(e).decode()}
                                            for e in entries])

    def open_calls(self) -> list[Call]:
        return self._calls(sa.select(calls.c.body).where(calls.c.state == CallState.OPEN.value).order_by(calls.c.id))

    def last_ids(self) -> tuple[int, int]:
        with self.engine.connect() as conn:
            last_id = conn.execute(sa.select(sa.func.max(calls.c.id))).scalar() or 0
            last_seq = conn.execute(sa.select(sa.func.max(log.c.seq))).scalar() or 0
        return int(last_id), int(last_seq)

    def get(self, call_id: int) -> Call | None:
        found = self._calls(sa.select(calls.c.body).where(calls.c.id == call_id))
        return found[0] if found else None

    def find(self, state: CallState | None, village: str | None, limit: int) -> list[Call]:
        c = calls.c
        where = [x for x in (c.state == state.value if state else None,
                             c.villages.contains(f",{village},", autoescape=True) if village else None)
                 if x is not None]
        return self._calls(sa.select(c.body).where(*where).order_by(c.id.desc()).limit(limit))

    def entries(self, call_id: int) -> list[CallEntry]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(log.c.body).where(log.c.call_id == call_id).order_by(log.c.seq)).scalars()
            return [_ENTRY.validate_json(body) for body in rows]

    def _calls(self, select: sa.Select[Any]) -> list[Call]:
        with self.engine.connect() as conn:
            return [_CALL.validate_json(body) for body in conn.execute(select).scalars()]
