"""The broadcast store on SQL through SQLAlchemy, beside the alerts in state.sqlite3 (or PostgreSQL).

Jobs and receipts are rows with the columns queries filter on, plus the whole
record as JSON, like the alert store.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter

from adapters.sql import SqlStore, Versions, reserve_ids, upsert
from hub.broadcast.model import Job, JobState, Receipt

_JOB = TypeAdapter(Job)
_RECEIPT = TypeAdapter(Receipt)
_FINAL = [s.value for s in JobState if s.is_final]

meta = sa.MetaData()
jobs = sa.Table(
    "gridhub_broadcast_jobs", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),  # see adapters.sql.Versions
)
_READ = (jobs.c.id, jobs.c.version, jobs.c.body)
receipts = sa.Table(
    "gridhub_broadcast_receipts", meta,
    sa.Column("job_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("run", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("speaker", sa.String(64), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)


class SqlBroadcastStore(SqlStore):
    """BroadcastStore on any SQLAlchemy engine."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._versions = Versions("broadcast job")

    def save(self, job_rows: Sequence[Job], receipt_rows: Sequence[Receipt]) -> None:
        with self.engine.begin() as conn:
            written = self._versions.write(conn, jobs, [
                {"id": j.id, "state": j.state.value, "created_at": j.created_at,
                 "body": _JOB.dump_json(j).decode()} for j in job_rows])
            if receipt_rows:
                upsert(conn, receipts, ["job_id", "run", "speaker"], [
                    {"job_id": r.job_id, "run": r.run, "speaker": r.speaker, "state": r.state.value,
                     "body": _RECEIPT.dump_json(r).decode()} for r in receipt_rows])
        self._versions.keep(written)

    def unfinished(self) -> tuple[list[Job], list[Receipt]]:
        found = self._jobs(sa.select(*_READ).where(jobs.c.state.not_in(_FINAL)).order_by(jobs.c.id))
        latest: list[Receipt] = []
        for job in found:
            latest += self.receipts(job.id, job.run)
        return found, latest

    def reserve_ids(self, counter: str, count: int) -> list[int]:
        return reserve_ids(self.engine, counter, count)

    def last_job_id(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(jobs.c.id))).scalar() or 0)

    def get(self, job_id: int) -> Job | None:
        found = self._jobs(sa.select(*_READ).where(jobs.c.id == job_id))
        return found[0] if found else None

    def jobs(self, states: Sequence[JobState], limit: int) -> list[Job]:
        select = sa.select(*_READ).order_by(jobs.c.id.desc()).limit(limit)
        if states:
            select = select.where(jobs.c.state.in_([s.value for s in states]))
        return self._jobs(select)

    def receipts(self, job_id: int, run: int) -> list[Receipt]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(receipts.c.body).where(receipts.c.job_id == job_id, receipts.c.run == run)
                                .order_by(receipts.c.speaker)).scalars()
            return [_RECEIPT.validate_json(body) for body in rows]

    def _jobs(self, select: sa.Select[Any]) -> list[Job]:
        """Jobs from a select of id, version and body, their versions noted for the next write."""
        with self.engine.connect() as conn:
            rows = conn.execute(select).all()
        for key, version, _ in rows:
            self._versions.seen(key, version)
        return [_JOB.validate_json(body) for _, _, body in rows]
