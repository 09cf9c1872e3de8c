"""Accounts, sessions and the audit log on SQL through SQLAlchemy (the same database as the alert store)."""

from __future__ import annotations

import sqlalchemy as sa
from pydantic import TypeAdapter

from adapters.sql import SqlStore, upsert
from hub.users.model import AuditEntry, AuditQuery, Session, User

_USER = TypeAdapter(User)
meta = sa.MetaData()
users = sa.Table(
    "gridhub_users", meta,
    sa.Column("username", sa.String(32), primary_key=True), sa.Column("body", sa.Text, nullable=False),
)
sessions = sa.Table(
    "gridhub_sessions", meta,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(32), nullable=False, index=True),
    sa.Column("created", sa.Float, nullable=False), sa.Column("expires", sa.Float, nullable=False),
)
audit = sa.Table(
    "gridhub_audit", meta,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.Float, nullable=False, index=True),
    sa.Column("username", sa.String(80), index=True), sa.Column("role", sa.String(16)),
    sa.Column("action", sa.String(200), nullable=False), sa.Column("target", sa.String(400), nullable=False),
    sa.Column("status", sa.Integer, nullable=False), sa.Column("ip", sa.String(64), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
)


class SqlUserStore(SqlStore):
    def users(self) -> list[User]:
        with self.engine.connect() as conn:
            return [_USER.validate_json(body) for body in conn.scalars(sa.select(users.c.body))]

    def user(self, username: str) -> User | None:
        with self.engine.connect() as conn:
            body = conn.scalar(sa.select(users.c.body).where(users.c.username == username))
        return None if body is None else _USER.validate_json(body)

    def save_user(self, user: User) -> None:
        with self.engine.begin() as conn:
            upsert(conn, users, "username", [{"username": user.username, "body": _USER.dump_json(user).decode()}])

    def sessions(self, now: float) -> list[Session]:
        with self.engine.begin() as conn:
            conn.execute(sessions.delete().where(sessions.c.expires <= now))
            rows = conn.execute(sa.select(sessions)).mappings()
            return [Session.model_validate(dict(row)) for row in rows]

    def session(self, key: str) -> Session | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(sessions).where(sessions.c.digest == key)).mappings().first()
        return None if row is None else Session.model_validate(dict(row))

    def save_session(self, session: Session) -> None:
        with self.engine.begin() as conn:
            upsert(conn, sessions, "digest", [session.model_dump()])

    def drop_sessions(self, digests: list[str] | None = None, username: str | None = None) -> None:
        with self.engine.begin() as conn:
            if digests:
                conn.execute(sessions.delete().where(sessions.c.digest.in_(digests)))
            if username is not None:
                conn.execute(sessions.delete().where(sessions.c.username == username))

    def append_audit(self, entries: list[AuditEntry]) -> list[int]:
        with self.engine.begin() as conn:
            return [conn.execute(audit.insert().returning(audit.c.seq),
                                 e.model_dump(exclude={"seq"}, mode="json")).scalar_one() for e in entries]

    def audit(self, query: AuditQuery) -> list[AuditEntry]:
        select = sa.select(audit).order_by(audit.c.seq.desc()).limit(query.limit)
        if query.username is not None:
            select = select.where(audit.c.username == query.username)
        if query.since is not None:
            select = select.where(audit.c.ts >= query.since)
        if query.before_seq is not None:
            select = select.where(audit.c.seq < query.before_seq)
        with self.engine.connect() as conn:
            return [AuditEntry.model_validate(dict(row)) for row in conn.execute(select).mappings()]
