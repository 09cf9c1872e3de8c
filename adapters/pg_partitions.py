"""Day partitions of the readings table: made on demand by the writer, dropped whole by retention.

A partition covers one UTC day of `ts` (milliseconds). Making one takes an
ACCESS EXCLUSIVE lock on the parent table, so it is done in a short
transaction of its own before the write that needs it, and tomorrow's is made
ahead so that the first write after midnight needs none.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters.pg_schema import Lock, lock

log = logging.getLogger(__name__)
DAY_MS = 86_400_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LAST_DATED_DAY = (datetime(9999, 12, 31, tzinfo=UTC) - _EPOCH).days
_LOWER_BOUND = re.compile(r"FROM \('?(-?\d+)'?\)")
_AHEAD_RETRY_S = 60.0
_LIST = """
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'gridhub_readings'::regclass
"""


def day_of(ms: int) -> int:
    """The UTC day number (days since 1970-01-01) that *ms* falls on."""
    return ms // DAY_MS


def partition_name(day: int) -> str:
    """gridhub_readings_20251122; days outside 1970–9999 (a clock far off) are named by number."""
    if 0 <= day <= _LAST_DATED_DAY:
        return f"gridhub_readings_{_EPOCH + timedelta(days=day):%Y%m%d}"
    return f"gridhub_readings_d{day}"


def create_sql(day: int) -> str:
    """The DDL of *day*'s partition (the name is ours, the bounds integers: nothing to escape)."""
    return (f'CREATE TABLE IF NOT EXISTS "{partition_name(day)}" PARTITION OF gridhub_readings '
            f"FOR VALUES FROM ({day * DAY_MS}) TO ({(day + 1) * DAY_MS})")


def existing(conn: Connection) -> dict[int, str]:
    """The partitions in the catalog, by day, read from their bounds rather than their names."""
    found: dict[int, str] = {}
    for name, bound in conn.execute(sa.text(_LIST)):
        match = _LOWER_BOUND.search(bound or "")
        if match:
            found[day_of(int(match.group(1)))] = name
    return found


class Partitions:
    """The days that have a partition: a cache of the catalog, extended under an advisory lock (writer only)."""

    def __init__(self) -> None:
        self._known: dict[int, str] = {}
        self._ahead_tried = -math.inf

    def load(self, conn: Connection) -> None:
        """Forget what is cached and read the catalog (after a failed write, another process may have purged)."""
        with conn.begin():
            self._known = existing(conn)

    def ensure(self, conn: Connection, days: Iterable[int]) -> None:
        """Make the partitions of *days* that do not exist yet, in a transaction of their own."""
        missing = set(days) - self._known.keys()
        if missing:
            self._create(conn, missing, "10s")

    def ensure_ahead(self, conn: Connection, now: float) -> None:
        """Make tomorrow's partition if it is missing; a failure is retried by a later write."""
        tomorrow = day_of(round(now * 1000)) + 1
        if tomorrow in self._known or time.monotonic() - self._ahead_tried < _AHEAD_RETRY_S:
            return
        self._ahead_tried = time.monotonic()
        try:
            self._create(conn, {tomorrow}, "1s")
        except sa.exc.DBAPIError as exc:  # e.g. a long query holds the table: today's writes need not wait
            log.warning("series store: could not make tomorrow's partition yet: %s", exc)

    def _create(self, conn: Connection, days: set[int], lock_timeout: str) -> None:
        with conn.begin():
            conn.execute(sa.text(f"SET LOCAL lock_timeout = '{lock_timeout}'"))
            lock(conn, Lock.PARTITIONS)
            known = existing(conn)  # another process may have made them meanwhile
            for day in sorted(days - known.keys()):
                conn.execute(sa.text(create_sql(day)))
                known[day] = partition_name(day)
        self._known = known

    def drop_before(self, conn: Connection, before_ms: int) -> int:
        """Drop the partitions wholly before *before_ms* in the caller's transaction; the rows they held."""
        lock(conn, Lock.PARTITIONS)
        known = existing(conn)
        removed = 0
        for day in sorted(d for d in known if (d + 1) * DAY_MS <= before_ms):
            name = known.pop(day)
            # Counted before the drop in the same transaction: exact unless a reading for that long-gone
            # day is written between the two statements.
            removed += conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one()
            conn.execute(sa.text(f'DROP TABLE "{name}"'))
        self._known = known  # should the transaction roll back, a missing entry is only re-checked
        return removed
