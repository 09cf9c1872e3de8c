"""The embedded store: SQLite in WAL mode, one writer thread, readers on any thread.

Readings are keyed (series, ts) in a WITHOUT ROWID table: compact, ordered for
range scans, and a QoS 1 redelivery of the same reading updates instead of
duplicating.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from hub.models import DeadLetter, DeviceEvent, DeviceEventKind, Quality, Reading, RejectReason
from hub.store import DeadLetterQuery, SeriesPoint, SeriesQuery

_SCHEMA = """
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY, device TEXT NOT NULL, quantity TEXT NOT NULL, unit TEXT NOT NULL,
    UNIQUE (device, quantity));
CREATE TABLE IF NOT EXISTS readings (
    series INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL, quality TEXT NOT NULL,
    PRIMARY KEY (series, ts)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, source TEXT NOT NULL, device TEXT,
    reason TEXT NOT NULL, detail TEXT NOT NULL, raw BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS dead_letters_ts ON dead_letters (ts);
CREATE INDEX IF NOT EXISTS dead_letters_device ON dead_letters (device, ts);
CREATE TABLE IF NOT EXISTS device_events (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, device TEXT NOT NULL, kind TEXT NOT NULL,
    reason TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS device_events_device ON device_events (device, ts);
"""
_UPSERT_TAIL = " ON CONFLICT (series, ts) DO UPDATE SET value = excluded.value, quality = excluded.quality"
# Rows per INSERT statement. sqlite3 releases and retakes the GIL around every
# statement step, so one step per 500 rows (not per row) keeps the recorder from
# fighting MQTT ingest on the event loop for the GIL thousands of times a second.
ROWS_PER_STATEMENT = 500
_UPSERT_FULL = "INSERT INTO readings VALUES " + ", ".join(["(?, ?, ?, ?)"] * ROWS_PER_STATEMENT) + _UPSERT_TAIL
RAW_KEPT = 4096  # bytes of a rejected payload worth keeping for diagnosis


def _ms(ts: float) -> int:
    return round(ts * 1000)


class SqliteStore:
    """Store implementation on one SQLite file."""

    def __init__(self, path: Path, synchronous: str = "FULL") -> None:
        self.path = path
        self._synchronous = synchronous
        self._local = threading.local()
        self._series: dict[tuple[str, str], int] = {}
        self._writer: sqlite3.Connection | None = None
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute(f"PRAGMA synchronous = {self._synchronous}")
        return db

    def _reader(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
            with self._readers_lock:
                self._readers.append(db)
        return db

    # -- write side (recorder thread) -------------------------------------------------------

    def write(self, readings: Sequence[Reading], dead_letters: Sequence[DeadLetter],
              events: Sequence[DeviceEvent]) -> None:
        db = self._writer_db()
        try:
            with db:
                self._insert_all(db, readings, dead_letters, events)
        except Exception:
            # The transaction rolled back, and with it any series ids cached during it.
            self._series = self._load_series(db)
            raise

    def _writer_db(self) -> sqlite3.Connection:
        if self._writer is None:
            self._writer = self._connect()
            self._series = self._load_series(self._writer)
        return self._writer

    @staticmethod
    def _load_series(db: sqlite3.Connection) -> dict[tuple[str, str], int]:
        return {(d, q): i for i, d, q in db.execute("SELECT id, device, quantity FROM series")}

    def _insert_all(self, db: sqlite3.Connection, readings: Sequence[Reading], dead_letters: Sequence[DeadLetter],
                    events: Sequence[DeviceEvent]) -> None:
        self._insert_readings(db, readings)
        db.executemany("INSERT INTO dead_letters (ts, source, device, reason, detail, raw) VALUES (?, ?, ?, ?, ?, ?)",
                       [(d.ts, d.source, d.device, d.reason.value, d.detail, d.raw[:RAW_KEPT])
                        for d in dead_letters])
        db.executemany("INSERT INTO device_events (ts, device, kind, reason, detail) VALUES (?, ?, ?, ?, ?)",
                       [(e.ts, e.device, e.kind.value, e.reason, json.dumps(e.detail)) for e in events])

    def _insert_readings(self, db: sqlite3.Connection, readings: Sequence[Reading]) -> None:
        series = self._series_ids(db, readings)
        # One statement may not touch a row twice, so a redelivered reading keeps only its last copy.
        rows = {(series[(r.device, r.quantity)], _ms(r.ts)): r for r in readings}
        flat: list[object] = []
        for (sid, ms), r in rows.items():
            flat += (sid, ms, r.value, r.quality.value)
        width = 4 * ROWS_PER_STATEMENT
        whole = len(flat) - len(flat) % width
        for start in range(0, whole, width):
            db.execute(_UPSERT_FULL, flat[start:start + width])
        rest = (len(flat) - whole) // 4
        if rest:
            sql = "INSERT INTO readings VALUES " + ", ".join(["(?, ?, ?, ?)"] * rest) + _UPSERT_TAIL
            db.execute(sql, flat[whole:])

    def _series_ids(self, db: sqlite3.Connection, readings: Sequence[Reading]) -> dict[tuple[str, str], int]:
        known = self._series
        for r in readings:
            key = (r.device, r.quantity)
            if key not in known:
                db.execute("INSERT OR IGNORE INTO series (device, quantity, unit) VALUES (?, ?, ?)",
                           (r.device, r.quantity, r.unit))
                (known[key],) = db.execute("SELECT id FROM series WHERE device = ? AND quantity = ?", key).fetchone()
        return known

    def purge(self, before: float) -> int:
        db = self._writer_db()
        with db:
            removed = db.execute("DELETE FROM readings WHERE series IN (SELECT id FROM series) AND ts < ?",
                                 (_ms(before),)).rowcount
            removed += db.execute("DELETE FROM dead_letters WHERE ts < ?", (before,)).rowcount
            removed += db.execute("DELETE FROM device_events WHERE ts < ?", (before,)).rowcount
        return removed

    # -- read side (any thread) -------------------------------------------------------------

    def _series_id(self, device: str, quantity: str) -> int | None:
        row = self._reader().execute("SELECT id FROM series WHERE device = ? AND quantity = ?",
                                     (device, quantity)).fetchone()
        return None if row is None else int(row[0])

    def series(self, query: SeriesQuery) -> list[SeriesPoint]:
        sid = self._series_id(query.device, query.quantity)
        if sid is None:
            return []
        span = (sid, _ms(query.start), _ms(query.end), query.limit)
        if query.every is None:
            rows = self._reader().execute(
                "SELECT ts, value, value, value, 1, value FROM readings WHERE series = ? AND ts BETWEEN ? AND ? "
                "ORDER BY ts DESC LIMIT ?", span).fetchall()
        else:
            every, offset = max(1, _ms(query.every)), _ms(query.utc_offset)
            rows = self._reader().execute(
                "SELECT ((ts + ?) / ?) * ? - ? AS bucket, avg(value), min(value), max(value), count(*), sum(value) "
                "FROM readings WHERE series = ? AND ts BETWEEN ? AND ? GROUP BY bucket ORDER BY bucket DESC LIMIT ?",
                (offset, every, every, offset, *span)).fetchall()
        # Newest first in SQL so that a limit keeps the most recent points; oldest first for the caller.
        return [SeriesPoint(ts / 1000, mean, low, high, n, total) for ts, mean, low, high, n, total in reversed(rows)]

    def latest(self, device: str) -> list[Reading]:
        rows = self._reader().execute(
            "SELECT s.quantity, s.unit, r.ts, r.value, r.quality FROM series s "
            "JOIN readings r ON r.series = s.id AND r.ts = (SELECT max(ts) FROM readings WHERE series = s.id) "
            "WHERE s.device = ? ORDER BY s.quantity", (device,))
        return [Reading(device, q, value, unit, ts / 1000, Quality(quality)) for q, unit, ts, value, quality in rows]

    def dead_letters(self, query: DeadLetterQuery) -> list[DeadLetter]:
        clauses: list[str] = ["1 = 1"]
        args: list[str | float] = []
        for column, value in (("device", query.device), ("reason", query.reason)):
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value)
        if query.since is not None:
            clauses.append("ts >= ?")
            args.append(query.since)
        rows = self._reader().execute(
            f"SELECT source, raw, reason, detail, ts, device FROM dead_letters WHERE {' AND '.join(clauses)} "
            "ORDER BY id DESC LIMIT ?", (*args, query.limit))
        return [DeadLetter(src, bytes(raw), RejectReason(reason), detail, ts, device)
                for src, raw, reason, detail, ts, device in rows]

    def device_events(self, device: str | None, limit: int) -> list[DeviceEvent]:
        where, args = ("WHERE device = ?", (device,)) if device else ("", ())
        rows = self._reader().execute(
            f"SELECT device, kind, ts, reason, detail FROM device_events {where} ORDER BY id DESC LIMIT ?",
            (*args, limit))
        return [DeviceEvent(dev, DeviceEventKind(kind), ts, reason, json.loads(detail))
                for dev, kind, ts, reason, detail in rows]

    def count_readings(self) -> int:
        (count,) = self._reader().execute("SELECT count(*) FROM readings").fetchone()
        return int(count)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for db in readers:
            db.close()
        self._local = threading.local()
