"""The alert store on SQL through SQLAlchemy: SQLite by default, PostgreSQL when the county grows.

Alerts, transitions and deliveries are rows with the columns queries filter on,
plus the whole record as JSON, so adding a field to a model needs no migration.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.engine import Engine

from adapters.sql import SqlStore, Versions, reserve_ids, upsert
from hub.alerts.model import Alert, AlertState, Transition
from hub.alerts.store import AlertQuery, Delivery, DeliveryStatus, FeedEntry

_ALERT = TypeAdapter(Alert)
_TRANSITION = TypeAdapter(Transition)
_DELIVERY = TypeAdapter(Delivery)
_OPEN = [s.value for s in AlertState if s.is_open]

meta = sa.MetaData()
alerts = sa.Table(
    "gridhub_alerts", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("rule", sa.String(64), nullable=False), sa.Column("source", sa.String(200), nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("device", sa.String(64), index=True), sa.Column("grid", sa.String(64), index=True),
    sa.Column("village", sa.String(64)),
    sa.Column("raised_at", sa.Float, nullable=False, index=True), sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),  # see adapters.sql.Versions
)
transitions = sa.Table(
    "gridhub_alert_transitions", meta,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("alert_id", sa.Integer, nullable=False, index=True),
    sa.Column("ts", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False), sa.Column("alert", sa.Text, nullable=False),
)


def delivery_table(name: str, owner: str, metadata: sa.MetaData) -> sa.Table:
    """A delivery log: each delivery as JSON, by id, with what it tells of (*owner*) and its status."""
    return sa.Table(
        name, metadata,
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(owner, sa.Integer, nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("body", sa.Text, nullable=False),
    )


deliveries = delivery_table("gridhub_alert_deliveries", "alert_id", meta)


def _json(adapter: TypeAdapter[Any], value: object) -> str:
    return adapter.dump_json(value).decode()


class SqlAlertStore(SqlStore):
    """AlertStore on any SQLAlchemy engine; SQLite and PostgreSQL are tested."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._versions = Versions("alert")

    def save(self, alert_rows: Sequence[Alert], entries: Sequence[FeedEntry],
             delivery_rows: Sequence[Delivery]) -> None:
        with self.engine.begin() as conn:
            written = self._versions.write(conn, alerts, [_alert_row(a) for a in alert_rows])
            if entries:
                conn.execute(transitions.insert(), [
                    {"seq": e.transition.seq, "alert_id": e.transition.alert_id, "ts": e.transition.ts,
                     "body": _json(_TRANSITION, e.transition), "alert": _json(_ALERT, e.alert)} for e in entries])
            if delivery_rows:
                upsert(conn, deliveries, "id", [
                    {"id": d.id, "alert_id": d.alert_id, "status": d.status.value, "body": _json(_DELIVERY, d)}
                    for d in delivery_rows])
        self._versions.keep(written)

    def unfinished(self) -> list[Alert]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(alerts.c.id, alerts.c.version, alerts.c.body)
                                .where(alerts.c.state != AlertState.CLOSED.value).order_by(alerts.c.id)).all()
        for key, version, _ in rows:
            self._versions.seen(key, version)
        return [_ALERT.validate_json(body) for _, _, body in rows]

    def reserve_ids(self, counter: str, count: int) -> list[int]:
        return reserve_ids(self.engine, counter, count)

    def snapshot(self) -> tuple[int, list[Alert]]:
        # One snapshot for both reads: an alert changed between them would be sent twice, or missed.
        level = "REPEATABLE READ" if self.engine.dialect.name == "postgresql" else "SERIALIZABLE"
        with self.engine.connect().execution_options(isolation_level=level) as conn, conn.begin():
            seq = conn.execute(sa.select(sa.func.max(transitions.c.seq))).scalar() or 0
            bodies = conn.execute(sa.select(alerts.c.body).where(alerts.c.state.in_(_OPEN)).order_by(alerts.c.id))
            return int(seq), [_ALERT.validate_json(body) for body in bodies.scalars()]

    def last_ids(self) -> tuple[int, int]:
        with self.engine.connect() as conn:
            last_id = conn.execute(sa.select(sa.func.max(alerts.c.id))).scalar() or 0
            last_seq = conn.execute(sa.select(sa.func.max(transitions.c.seq))).scalar() or 0
        return int(last_id), int(last_seq)

    def get(self, alert_id: int) -> Alert | None:
        found = self._alerts(sa.select(alerts.c.body).where(alerts.c.id == alert_id))
        return found[0] if found else None

    def find(self, query: AlertQuery) -> list[Alert]:
        c = alerts.c
        conditions = [
            c.state.in_([s.value for s in query.states]) if query.states else None,
            c.severity.in_([s.value for s in query.severities]) if query.severities else None,
            c.rule == query.rule if query.rule else None,
            c.device == query.device if query.device else None,
            c.grid == query.grid if query.grid else None,
            _in_village(query) if query.village else None,
            c.raised_at >= query.since if query.since is not None else None,
            c.raised_at < query.until if query.until is not None else None,
        ]
        where = [x for x in conditions if x is not None]
        return self._alerts(sa.select(c.body).where(*where).order_by(c.id.desc()).limit(query.limit))

    def history(self, alert_id: int) -> list[Transition]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(transitions.c.body).where(transitions.c.alert_id == alert_id)
                                .order_by(transitions.c.seq)).scalars()
            return [_TRANSITION.validate_json(body) for body in rows]

    def feed(self, after_seq: int, limit: int) -> list[FeedEntry]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(transitions.c.body, transitions.c.alert).where(transitions.c.seq > after_seq)
                                .order_by(transitions.c.seq).limit(limit))
            return [FeedEntry(_TRANSITION.validate_json(t), _ALERT.validate_json(a)) for t, a in rows]

    def deliveries(self, alert_id: int) -> list[Delivery]:
        return self._deliveries(deliveries.c.alert_id == alert_id)

    def pending_deliveries(self) -> list[Delivery]:
        return self._deliveries(deliveries.c.status == DeliveryStatus.PENDING.value)

    def _deliveries(self, where: sa.ColumnElement[bool]) -> list[Delivery]:
        return read_deliveries(self.engine, deliveries, where)

    def _alerts(self, select: sa.Select[str]) -> list[Alert]:
        with self.engine.connect() as conn:
            return [_ALERT.validate_json(body) for body in conn.execute(select).scalars()]


def _in_village(query: AlertQuery) -> sa.ColumnElement[bool]:
    village = alerts.c.village == query.village
    return sa.or_(village, alerts.c.source.in_(query.covering)) if query.covering else village


def _alert_row(a: Alert) -> dict[str, Any]:
    return {"id": a.id, "rule": a.rule, "source": a.source, "state": a.state.value, "severity": a.severity.value,
            "device": a.device, "grid": a.grid, "village": a.village, "raised_at": a.raised_at,
            "updated_at": a.updated_at, "body": _json(_ALERT, a)}


def read_deliveries(db: Engine, table: sa.Table, where: sa.ColumnElement[bool]) -> list[Delivery]:
    """Deliveries kept as JSON in *table*'s body column (the alert or the case log), oldest first."""
    with db.connect() as conn:
        rows = conn.execute(sa.select(table.c.body).where(where)).scalars()
        return sorted((_DELIVERY.validate_json(b) for b in rows), key=lambda d: d.created_at)
