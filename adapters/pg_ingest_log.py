"""The ingest log on PostgreSQL: one row per commit of an ingest worker, numbered in commit order.

A row's body is orjson of `{"s": [[device, quantity, unit], …], "r": [[series
index, ts, value, quality], …], "e": [[device, kind, ts, reason, detail], …]}`:
each series is named once per commit, and timestamps are the readings' own
floats, not the table's milliseconds. It is kept as bytea (lz4-compressed by
the server where it has lz4): nothing queries inside it, so jsonb would only
cost the writer a parse while other writers wait for the log's lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from adapters.pg_schema import Lock, ingest_log, lock
from hub.ingestlog import LoggedBatch
from hub.models import DeviceEvent, DeviceEventKind, Quality, Reading


def encode(readings: Sequence[Reading], events: Sequence[DeviceEvent]) -> bytes:
    """One commit's readings and device events as the log stores them."""
    index: dict[tuple[str, str, str], int] = {}
    rows = [[index.setdefault((r.device, r.quantity, r.unit), len(index)), r.ts, r.value, r.quality.value]
            for r in readings]
    events_out = [[e.device, e.kind.value, e.ts, e.reason, e.detail] for e in events]
    return orjson.dumps({"s": list(index), "r": rows, "e": events_out})


def decode(entry_id: int, committed_at: float, body: bytes) -> LoggedBatch:
    """A stored row back as the batch it logged."""
    data: dict[str, Any] = orjson.loads(body)
    readings = tuple(_reading(data["s"], row) for row in data["r"])
    events = tuple(DeviceEvent(device, DeviceEventKind(kind), ts, reason, detail)
                   for device, kind, ts, reason, detail in data["e"])
    return LoggedBatch(entry_id, readings, events, committed_at)


def _reading(series: list[list[str]], row: list[Any]) -> Reading:
    index, ts, value, quality = row
    device, quantity, unit = series[index]
    return Reading(device, quantity, value, unit, ts, Quality(quality))


def append(conn: Connection, readings: Sequence[Reading], events: Sequence[DeviceEvent]) -> None:
    """Log this transaction's readings and events; must be its last statement before COMMIT."""
    body = encode(readings, events)
    # A bigserial numbers rows as they are inserted, not as they commit: with two writers, id 11 can commit
    # before id 10, and a reader that has seen 11 never looks back for 10. Holding one lock from taking the
    # id until the commit is visible (PostgreSQL releases transaction locks after that) makes the numbering
    # the commit order. Writers queue only for this insert and their commit, not for their whole transaction.
    lock(conn, Lock.INGEST_LOG)
    conn.execute(ingest_log.insert().values(body=body))


def tail(engine: Engine, after: int, limit: int) -> list[LoggedBatch]:
    """Entries with ids above *after*, oldest first."""
    query = (sa.select(ingest_log.c.id, ingest_log.c.committed_at, ingest_log.c.body)
             .where(ingest_log.c.id > after).order_by(ingest_log.c.id).limit(limit))
    with engine.connect() as conn:
        return [decode(i, at, body) for i, at, body in conn.execute(query)]


def last_id(engine: Engine) -> int:
    """The newest committed entry's id, 0 for an empty log."""
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(ingest_log.c.id), 0))).scalar_one())


def purge(conn: Connection, before: float) -> int:
    """Delete entries committed before *before*, always keeping the newest so that `last_id` still holds."""
    newest = sa.select(sa.func.max(ingest_log.c.id)).scalar_subquery()
    deleted = conn.execute(ingest_log.delete().where(ingest_log.c.committed_at < before, ingest_log.c.id < newest))
    return deleted.rowcount
