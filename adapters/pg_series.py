"""The shared series store on PostgreSQL: every process of a deployment reads what the ingest workers write.

Readings sit in a table range-partitioned by day with PostgreSQL's own
declarative partitioning rather than pg_partman: there is no extension to
install on the town's server, and the writer makes the partition a write needs
(and tomorrow's, ahead) itself, under an advisory lock so that processes
writing at once do not collide. There is no default partition: a reading from a
station whose clock is far off gets its own day's partition like any other, so
it is kept, and retention drops it with its day.

A reading is (series, quality, ts, value): `ts` is bigint UTC milliseconds, as
in the SQLite store, so that (series, ts) keys a redelivered reading exactly
and buckets are integer arithmetic. A write stages its readings with binary
COPY into a temporary table and upserts from there: in a comparison on the
development machine (150,000 fresh rows in commits of 1,500, partitions made
beforehand) that wrote about 260,000 rows/s, one INSERT of unnested arrays
210,000 and multi-row VALUES of 500 rows 110,000. The staging, the upsert, dead
letters, device events and, for an ingest worker, the ingest log entry commit
in one transaction; only partitions are made beforehand, in their own.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from adapters import pg_ingest_log, pg_schema
from adapters.pg_partitions import Partitions, day_of
from adapters.pg_queries import PgSeriesQueries
from adapters.pg_schema import QUALITY_CODES, dead_letters, device_events, readings, series, to_ms
from adapters.sql import release, shared_pool
from adapters.sqlite_store import RAW_KEPT
from hub.ingestlog import LoggedBatch
from hub.models import DeadLetter, DeviceEvent, Reading

_STAGE = ("CREATE TEMPORARY TABLE IF NOT EXISTS gridhub_stage "
          "(series integer, quality smallint, ts bigint, value double precision) ON COMMIT DELETE ROWS")
_COPY = "COPY gridhub_stage FROM STDIN (FORMAT BINARY)"
# A redelivery of the same reading changes nothing, so it leaves no dead row version for vacuum either.
_MERGE = sa.text(
    "INSERT INTO gridhub_readings (series, quality, ts, value) SELECT * FROM gridhub_stage "
    "ON CONFLICT (series, ts) DO UPDATE SET value = excluded.value, quality = excluded.quality "
    "WHERE (gridhub_readings.value, gridhub_readings.quality) IS DISTINCT FROM (excluded.value, excluded.quality)")
Row = tuple[int, int, int, float]


class PgSeriesStore(PgSeriesQueries):
    """Store implementation on PostgreSQL; also the ingest log's read side (`tail`, `last_id`)."""

    def __init__(self, url: str, *, ingest_log: bool = False, log_keep_s: float = 86400.0) -> None:
        engine = shared_pool(url)  # the state stores' own, when the series live in the state database
        if engine.dialect.name != "postgresql":
            release(engine)
            raise ValueError(f"{url!r}: the series store needs a postgresql+psycopg:// URL")
        super().__init__(engine)
        self._ingest_log = ingest_log
        self._log_keep_s = log_keep_s
        self._writer: Connection | None = None
        self._series: dict[tuple[str, str], int] = {}
        self._partitions = Partitions()
        pg_schema.create(engine)

    # -- write side (recorder thread) -------------------------------------------------------

    def write(self, readings: Sequence[Reading], dead_letters: Sequence[DeadLetter],
              events: Sequence[DeviceEvent]) -> None:
        with self._writing() as conn:
            self._partitions.ensure(conn, {day_of(to_ms(r.ts)) for r in readings})
            self._partitions.ensure_ahead(conn, time.time())
            with conn.begin():
                self._insert_readings(conn, readings)
                self._insert_others(conn, dead_letters, events)
                if self._ingest_log and (readings or events):
                    pg_ingest_log.append(conn, readings, events)

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """The writer's connection; after a failure, a fresh one and fresh caches next time."""
        if self._writer is None:
            self._writer = self._open_writer()
        try:
            yield self._writer
        except Exception:
            # The transaction rolled back, and with it series ids cached during it; the connection may be
            # broken, and another process may have dropped a partition this one still knew.
            self._close_writer(discard=True)
            raise

    def _open_writer(self) -> Connection:
        conn = self._engine.connect()
        try:
            with conn.begin():
                conn.execute(sa.text(_STAGE))
                self._series = _load_series(conn)
            self._partitions.load(conn)
        except Exception:
            conn.close()
            raise
        return conn

    def _close_writer(self, *, discard: bool = False) -> None:
        if self._writer is not None:
            if discard:
                self._writer.invalidate()
            self._writer.close()
            self._writer = None

    def _insert_readings(self, conn: Connection, given: Sequence[Reading]) -> None:
        if not given:
            return
        ids = self._series_ids(conn, given)
        # One statement may not touch a row twice, so a redelivered reading keeps only its last copy.
        rows: dict[tuple[int, int], Row] = {}
        for r in given:
            sid, ms = ids[(r.device, r.quantity)], to_ms(r.ts)
            rows[(sid, ms)] = (sid, QUALITY_CODES[r.quality], ms, r.value)
        raw = cast(psycopg.Connection[Any], conn.connection.driver_connection)
        with raw.cursor() as cursor, cursor.copy(_COPY) as copy:
            copy.set_types(["int4", "int2", "int8", "float8"])
            for row in rows.values():
                copy.write_row(row)
        conn.execute(_MERGE)

    def _series_ids(self, conn: Connection, given: Sequence[Reading]) -> dict[tuple[str, str], int]:
        new = {(r.device, r.quantity): r.unit for r in given if (r.device, r.quantity) not in self._series}
        if new:
            # Sorted, so that two writers adding the same series wait for each other instead of deadlocking.
            conn.execute(pg_insert(series).on_conflict_do_nothing(),
                         [{"device": d, "quantity": q, "unit": u} for (d, q), u in sorted(new.items())])
            self._series = _load_series(conn)
        return self._series

    @staticmethod
    def _insert_others(conn: Connection, letters: Sequence[DeadLetter], events: Sequence[DeviceEvent]) -> None:
        if letters:
            conn.execute(dead_letters.insert(), [
                {"ts": d.ts, "source": d.source, "device": d.device, "reason": d.reason.value, "detail": d.detail,
                 "raw": d.raw[:RAW_KEPT]} for d in letters])
        if events:
            conn.execute(device_events.insert(), [
                {"ts": e.ts, "device": e.device, "kind": e.kind.value, "reason": e.reason, "detail": e.detail}
                for e in events])

    def purge(self, before: float) -> int:
        """Drop whole days before *before*, delete the rest of the boundary day; and log entries past keeping."""
        with self._writing() as conn, conn.begin():
            conn.execute(sa.text("SET LOCAL lock_timeout = '10s'"))  # a long query must not hold ingest back
            removed = self._partitions.drop_before(conn, to_ms(before))
            removed += conn.execute(readings.delete().where(readings.c.ts < to_ms(before))).rowcount
            removed += conn.execute(dead_letters.delete().where(dead_letters.c.ts < before)).rowcount
            removed += conn.execute(device_events.delete().where(device_events.c.ts < before)).rowcount
            removed += pg_ingest_log.purge(conn, time.time() - self._log_keep_s)
        return removed

    # -- the ingest log's read side (any thread) --------------------------------------------

    def tail(self, after: int, limit: int) -> list[LoggedBatch]:
        """Entries with ids above *after*, oldest first; never skips one that commits later."""
        return pg_ingest_log.tail(self._reads, after, limit)

    def last_id(self) -> int:
        """The newest committed entry's id (0 for an empty log)."""
        return pg_ingest_log.last_id(self._reads)

    def close(self) -> None:
        self._close_writer()
        release(self._engine)


def _load_series(conn: Connection) -> dict[tuple[str, str], int]:
    return {(d, q): i for i, d, q in conn.execute(sa.select(series.c.id, series.c.device, series.c.quantity))}
