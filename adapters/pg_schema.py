"""The PostgreSQL series store's tables, its advisory locks and how readings' quality is stored.

Every table lives in the first schema of the connection's search_path, so a
URL with `?options=-csearch_path%3D<schema>` keeps one town (or one test) apart.
"""

from __future__ import annotations

from enum import IntEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION, JSONB
from sqlalchemy.engine import Connection, Engine

from hub.models import Quality

# Stored codes: append new qualities, never renumber (rows on disk hold these numbers).
QUALITY_CODES: dict[Quality, int] = {
    Quality.GOOD: 0, Quality.SUSPECT: 1, Quality.MANUAL: 2, Quality.MAINTENANCE: 3, Quality.CALIBRATION: 4,
    Quality.STOPPED: 5, Quality.FAULT: 6, Quality.OVER_RANGE: 7, Quality.COMM_FAULT: 8,
}
QUALITIES: dict[int, Quality] = {code: quality for quality, code in QUALITY_CODES.items()}



def to_ms(ts: float) -> int:
    """Epoch seconds as the readings table's `ts`: UTC milliseconds."""
    return round(ts * 1000)


meta = sa.MetaData()
series = sa.Table(
    "gridhub_series", meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("device", sa.Text, nullable=False), sa.Column("quantity", sa.Text, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.UniqueConstraint("device", "quantity"),
)
# Columns in this order pack without padding: 4 + 2 (+2) + 8 + 8 bytes after the tuple header.
readings = sa.Table(
    "gridhub_readings", meta,
    sa.Column("series", sa.Integer, nullable=False), sa.Column("quality", sa.SmallInteger, nullable=False),
    sa.Column("ts", sa.BigInteger, nullable=False),  # UTC milliseconds since the epoch
    sa.Column("value", DOUBLE_PRECISION, nullable=False),
    sa.PrimaryKeyConstraint("series", "ts"),
    postgresql_partition_by="RANGE (ts)",
)
dead_letters = sa.Table(
    "gridhub_dead_letters", meta,
    sa.Column("id", sa.BigInteger, primary_key=True), sa.Column("ts", DOUBLE_PRECISION, nullable=False),
    sa.Column("source", sa.Text, nullable=False), sa.Column("device", sa.Text),
    sa.Column("reason", sa.Text, nullable=False), sa.Column("detail", sa.Text, nullable=False),
    sa.Column("raw", sa.LargeBinary, nullable=False),
    sa.Index("gridhub_dead_letters_ts", "ts"), sa.Index("gridhub_dead_letters_device", "device", "ts"),
)
device_events = sa.Table(
    "gridhub_device_events", meta,
    sa.Column("id", sa.BigInteger, primary_key=True), sa.Column("ts", DOUBLE_PRECISION, nullable=False),
    sa.Column("device", sa.Text, nullable=False), sa.Column("kind", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False), sa.Column("detail", JSONB, nullable=False),
    sa.Index("gridhub_device_events_device", "device", "ts"),
)
ingest_log = sa.Table(
    "gridhub_ingest_log", meta,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("committed_at", DOUBLE_PRECISION, nullable=False,
              server_default=sa.text("extract(epoch FROM clock_timestamp())")),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Index("gridhub_ingest_log_committed_at", "committed_at"),
)
_HAS_LZ4 = "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"


def _prefer_lz4(_table: sa.Table, conn: Connection, **_kw: object) -> None:
    # lz4 compresses a 50 kB body about as well as the default pglz in a quarter of the time, and the
    # insert runs while other writers wait for the log's lock.
    if conn.execute(sa.text(_HAS_LZ4)).scalar():
        conn.execute(sa.text("ALTER TABLE gridhub_ingest_log ALTER COLUMN body SET COMPRESSION lz4"))


sa.event.listen(ingest_log, "after_create", _prefer_lz4)


class Lock(IntEnum):
    """Advisory lock classes, the first of the two keys; the second is the schema's hash."""

    SCHEMA = 0x67680001
    PARTITIONS = 0x67680002
    INGEST_LOG = 0x67680003


def lock(conn: Connection, which: Lock) -> None:
    """Hold *which* until the transaction ends; stores in other schemas take other locks."""
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(CAST(:k AS integer), hashtext(current_schema()))"),
                 {"k": int(which)})


def create(engine: Engine) -> None:
    """Create the tables that are missing; under a lock, so processes starting together do not collide."""
    with engine.begin() as conn:
        lock(conn, Lock.SCHEMA)
        meta.create_all(conn)
