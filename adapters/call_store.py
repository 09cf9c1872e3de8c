"""The call store on SQL through SQLAlchemy, beside the alerts in state.sqlite3 (or PostgreSQL).

Calls are rows with the columns queries filter on plus the whole record (with
its participants) as JSON; the log is append-only, like the alert store's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter

from adapters.sql import SqlStore, Versions, reserve_ids
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
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),  # see adapters.sql.Versions
)
_READ = (calls.c.id, calls.c.version, calls.c.body)
log = sa.Table(
    "gridhub_call_log", meta,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("call_id", sa.Integer, nullable=False, index=True),
    sa.Column("body", sa.Text, nullable=False),
)


class SqlCallStore(SqlStore):
    """CallStore on any SQLAlchemy engine."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._versions = Versions("call")

    def save(self, items: Sequence[Call], entries: Sequence[CallEntry]) -> None:
        with self.engine.begin() as conn:
            written = self._versions.write(conn, calls, [
                {"id": c.id, "state": c.state.value, "alert_id": c.alert_id, "opened_at": c.opened_at,
                 "villages": f",{','.join(c.villages)},", "body": _CALL.dump_json(c).decode()} for c in items])
            if entries:
                conn.execute(log.insert(), [{"seq": e.seq, "call_id": e.call_id, "body": _ENTRY.dump_json(e).decode()}
                                            for e in entries])
        self._versions.keep(written)

    def open_calls(self) -> list[Call]:
        return self._calls(sa.select(*_READ).where(calls.c.state == CallState.OPEN.value).order_by(calls.c.id))

    def reserve_ids(self, counter: str, count: int) -> list[int]:
        return reserve_ids(self.engine, counter, count)

    def last_ids(self) -> tuple[int, int]:
        with self.engine.connect() as conn:
            last_id = conn.execute(sa.select(sa.func.max(calls.c.id))).scalar() or 0
            last_seq = conn.execute(sa.select(sa.func.max(log.c.seq))).scalar() or 0
        return int(last_id), int(last_seq)

    def get(self, call_id: int) -> Call | None:
        found = self._calls(sa.select(*_READ).where(calls.c.id == call_id))
        return found[0] if found else None

    def find(self, state: CallState | None, village: str | None, limit: int) -> list[Call]:
        c = calls.c
        where = [x for x in (c.state == state.value if state else None,
                             c.villages.contains(f",{village},", autoescape=True) if village else None)
                 if x is not None]
        return self._calls(sa.select(*_READ).where(*where).order_by(c.id.desc()).limit(limit))

    def entries(self, call_id: int) -> list[CallEntry]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(log.c.body).where(log.c.call_id == call_id).order_by(log.c.seq)).scalars()
            return [_ENTRY.validate_json(body) for body in rows]

    def _calls(self, select: sa.Select[Any]) -> list[Call]:
        """Calls from a select of id, version and body, their versions noted for the next write."""
        with self.engine.connect() as conn:
            rows = conn.execute(select).all()
        for key, version, _ in rows:
            self._versions.seen(key, version)
        return [_CALL.validate_json(body) for _, _, body in rows]
