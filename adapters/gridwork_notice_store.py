"""Grid notices on SQL: a notice and its deliveries (one per grid), each as JSON beside the columns it is found by."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from adapters.sql import SqlStore
from hub.gridwork.notices import Delivery, Notice, NoticeRecord, Status

meta = sa.MetaData()
notices = sa.Table(
    "gridhub_gridwork_notices", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(80), nullable=True, unique=True), sa.Column("body", sa.Text, nullable=False),
)
deliveries = sa.Table(
    "gridhub_gridwork_notice_deliveries", meta,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("notice", sa.Integer, nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False, index=True), sa.Column("body", sa.Text, nullable=False),
)


def _delivery_row(delivery: Delivery) -> dict[str, Any]:
    return {"id": delivery.id, "notice": delivery.notice, "status": delivery.status.value,
            "body": delivery.model_dump_json()}


class SqlNoticeStore(SqlStore):
    """A notice and its pending deliveries are written together (the outbox), or not at all."""

    def add_notice(self, notice: Notice, planned: list[Delivery]) -> Notice:
        with self.engine.begin() as conn:
            new_id = conn.execute(notices.insert().returning(notices.c.id),
                                  {"key": notice.key, "body": "{}"}).scalar_one()
            notice = notice.model_copy(update={"id": new_id})
            conn.execute(notices.update().where(notices.c.id == new_id).values(body=notice.model_dump_json()))
            if planned:
                conn.execute(deliveries.insert(), [_delivery_row(d.model_copy(update={"notice": new_id}))
                                                   for d in planned])
        return notice

    def notice_by_key(self, key: str) -> Notice | None:
        with self.engine.connect() as conn:
            body = conn.scalar(sa.select(notices.c.body).where(notices.c.key == key))
        return Notice.model_validate_json(body) if body else None

    def save_delivery(self, delivery: Delivery) -> None:
        row = _delivery_row(delivery)
        with self.engine.begin() as conn:
            conn.execute(deliveries.update().where(deliveries.c.id == delivery.id)
                         .values(status=row["status"], body=row["body"]))

    def record(self, notice_id: int) -> NoticeRecord | None:
        found = self._records(sa.select(notices.c.body).where(notices.c.id == notice_id))
        return found[0] if found else None

    def notices(self, limit: int) -> list[NoticeRecord]:
        return self._records(sa.select(notices.c.body).order_by(notices.c.id.desc()).limit(limit))

    def pending(self) -> list[tuple[Delivery, Notice]]:
        select = (sa.select(deliveries.c.body, notices.c.body)
                  .join(notices, notices.c.id == deliveries.c.notice)
                  .where(deliveries.c.status == Status.pending.value).order_by(deliveries.c.notice))
        with self.engine.connect() as conn:
            return [(Delivery.model_validate_json(d), Notice.model_validate_json(n)) for d, n in conn.execute(select)]

    def _records(self, select: sa.Select[Any]) -> list[NoticeRecord]:
        with self.engine.connect() as conn:
            found = [Notice.model_validate_json(b) for b in conn.scalars(select)]
            by_notice: dict[int, list[Delivery]] = defaultdict(list)
            rows = conn.scalars(sa.select(deliveries.c.body).where(deliveries.c.notice.in_([n.id for n in found])))
            for body in rows:
                delivery = Delivery.model_validate_json(body)
                by_notice[delivery.notice].append(delivery)
        return [NoticeRecord(notice=n, deliveries=sorted(by_notice[n.id], key=lambda d: d.grid)) for n in found]
