"""The read side of the PostgreSQL series store: series, latest values, dead letters, device events (any thread)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from adapters.pg_schema import QUALITIES, dead_letters, device_events, series, to_ms
from hub.models import DeadLetter, DeviceEvent, DeviceEventKind, Reading, RejectReason
from hub.store import DeadLetterQuery, SeriesPoint, SeriesQuery

_RAW = sa.text(
    "SELECT ts, value, value, value, 1, value FROM gridhub_readings WHERE series = :sid AND ts BETWEEN :start AND :end "
    "ORDER BY ts DESC LIMIT :limit")
_BUCKETS = sa.text(
    "SELECT ((ts + :offset) / :every) * :every - :offset AS bucket, avg(value), min(value), max(value), count(*), "
    "sum(value) FROM gridhub_readings WHERE series = :sid AND ts BETWEEN :start AND :end "
    "GROUP BY bucket ORDER BY bucket DESC LIMIT :limit")
# Partitions are ordered by ts, so the newest row of a series is found in the newest partition that has one.
_LATEST = sa.text(
    "SELECT s.quantity, s.unit, r.ts, r.value, r.quality FROM gridhub_series s CROSS JOIN LATERAL "
    "(SELECT ts, value, quality FROM gridhub_readings WHERE series = s.id ORDER BY ts DESC LIMIT 1) r "
    "WHERE s.device = :device ORDER BY s.quantity")


class PgSeriesQueries:
    """Queries on the series store's tables through a pooled engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # Each query is one statement: autocommit spares it the BEGIN and ROLLBACK round trips.
        self._reads = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._ids: dict[tuple[str, str], int] = {}  # a series keeps its id for good, so this never goes stale

    def _all(self, query: sa.Executable, args: dict[str, Any] | None = None) -> list[Any]:
        with self._reads.connect() as conn:
            return list(conn.execute(query, args or {}))

    def _series_id(self, device: str, quantity: str) -> int | None:
        sid = self._ids.get((device, quantity))
        if sid is None:
            found = self._all(sa.select(series.c.id).where(series.c.device == device, series.c.quantity == quantity))
            if found:
                sid = self._ids[(device, quantity)] = int(found[0][0])
        return sid

    def series(self, query: SeriesQuery) -> list[SeriesPoint]:
        sid = self._series_id(query.device, query.quantity)
        if sid is None:
            return []
        span = {"sid": sid, "start": to_ms(query.start), "end": to_ms(query.end), "limit": query.limit}
        if query.every is None:
            rows = self._all(_RAW, span)
        else:
            rows = self._all(_BUCKETS, span | {"every": max(1, to_ms(query.every)), "offset": to_ms(query.utc_offset)})
        # Newest first in SQL so that a limit keeps the most recent points; oldest first for the caller.
        return [SeriesPoint(ts / 1000, mean, low, high, n, total) for ts, mean, low, high, n, total in reversed(rows)]

    def latest(self, device: str) -> list[Reading]:
        rows = self._all(_LATEST, {"device": device})
        return [Reading(device, q, value, unit, ts / 1000, QUALITIES[quality]) for q, unit, ts, value, quality in rows]

    def dead_letters(self, query: DeadLetterQuery) -> list[DeadLetter]:
        t = dead_letters.c
        select = sa.select(t.source, t.raw, t.reason, t.detail, t.ts, t.device).order_by(t.id.desc()).limit(query.limit)
        if query.device is not None:
            select = select.where(t.device == query.device)
        if query.reason is not None:
            select = select.where(t.reason == query.reason)
        if query.since is not None:
            select = select.where(t.ts >= query.since)
        return [DeadLetter(src, bytes(raw), RejectReason(reason), detail, ts, device)
                for src, raw, reason, detail, ts, device in self._all(select)]

    def device_events(self, device: str | None, limit: int) -> list[DeviceEvent]:
        t = device_events.c
        select = sa.select(t.device, t.kind, t.ts, t.reason, t.detail).order_by(t.id.desc()).limit(limit)
        if device:
            select = select.where(t.device == device)
        return [DeviceEvent(dev, DeviceEventKind(kind), ts, reason, detail)
                for dev, kind, ts, reason, detail in self._all(select)]

    def count_readings(self) -> int:
        return int(self._all(sa.text("SELECT count(*) FROM gridhub_readings"))[0][0])
