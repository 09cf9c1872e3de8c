"""The dispatch store on SQL through SQLAlchemy (the same database as the alert store)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter

from adapters.sql import SqlStore, Versions, reserve_ids, upsert
from hub.dispatch.model import Dispatch, DispatchState, Entry, TeamState
from hub.dispatch.store import DispatchQuery, PhoneSession, Replay

_DISPATCH = TypeAdapter(Dispatch)
_ENTRY = TypeAdapter(Entry)
_TEAM = TypeAdapter(TeamState)
meta = sa.MetaData()
dispatches = sa.Table(
    "gridhub_dispatches", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("alert_id", sa.Integer, nullable=False, index=True),
    sa.Column("team", sa.String(64), nullable=False, index=True),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),  # see adapters.sql.Versions
)
entries = sa.Table(
    "gridhub_dispatch_log", meta,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("dispatch_id", sa.Integer, index=True), sa.Column("team", sa.String(64), index=True),
    sa.Column("body", sa.Text, nullable=False),
)
teams = sa.Table(
    "gridhub_team_states", meta,
    sa.Column("team", sa.String(64), primary_key=True), sa.Column("body", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),  # see adapters.sql.Versions
)
codes = sa.Table(
    "gridhub_login_codes", meta,
    sa.Column("hash", sa.String(64), primary_key=True), sa.Column("member", sa.String(80), nullable=False),
    sa.Column("expires", sa.Float, nullable=False),
)
sessions = sa.Table(
    "gridhub_phone_sessions", meta,
    sa.Column("hash", sa.String(64), primary_key=True), sa.Column("member", sa.String(80), nullable=False),
    sa.Column("expires", sa.Float, nullable=False),
)
replays = sa.Table(
    "gridhub_action_keys", meta,
    sa.Column("member", sa.String(80), primary_key=True), sa.Column("key", sa.String(80), primary_key=True),
    sa.Column("answer", sa.Text, nullable=False), sa.Column("ts", sa.Float, nullable=False),
)


_READ = (dispatches.c.id, dispatches.c.version, dispatches.c.body)
team_edits = sa.Table(
    "gridhub_team_edits", meta,
    sa.Column("team", sa.String(64), primary_key=True), sa.Column("body", sa.Text, nullable=False),
)


class SqlDispatchStore(SqlStore):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._versions = Versions("dispatch")
        self._team_versions = Versions("team state", key="team")

    def save(self, items: Sequence[Dispatch], log: Sequence[Entry], states: Sequence[TeamState],
             replay: Replay | None = None) -> None:
        with self.engine.begin() as conn:
            if replay is not None:
                conn.execute(replays.insert(), {"member": replay.member, "key": replay.key,
                                                "answer": replay.answer, "ts": replay.ts})
            written = self._versions.write(conn, dispatches, [
                {"id": d.id, "alert_id": d.alert_id, "team": d.team, "state": d.state.value,
                 "body": _DISPATCH.dump_json(d).decode()} for d in items])
            if log:
                conn.execute(entries.insert(), [{"seq": e.seq, "dispatch_id": e.dispatch_id, "team": e.team,
                                                 "body": _ENTRY.dump_json(e).decode()} for e in log])
            team_written = self._team_versions.write(conn, teams, [
                {"team": t.team, "body": _TEAM.dump_json(t).decode()} for t in states])
        self._versions.keep(written)
        self._team_versions.keep(team_written)

    def active(self) -> list[Dispatch]:
        done = [DispatchState.CLEARED.value, DispatchState.CANCELLED.value]
        return self._dispatches(sa.select(*_READ).where(dispatches.c.state.not_in(done)))

    def teams(self) -> list[TeamState]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(teams.c.team, teams.c.version, teams.c.body)).all()
        for team, version, _ in rows:
            self._team_versions.seen(team, version)
        return [_TEAM.validate_json(b) for _, _, b in rows]

    def reserve_ids(self, counter: str, count: int) -> list[int]:
        return reserve_ids(self.engine, counter, count)

    def last_ids(self) -> tuple[int, int]:
        with self.engine.connect() as conn:
            last_id = conn.execute(sa.select(sa.func.max(dispatches.c.id))).scalar() or 0
            last_seq = conn.execute(sa.select(sa.func.max(entries.c.seq))).scalar() or 0
        return int(last_id), int(last_seq)

    def find(self, query: DispatchQuery) -> list[Dispatch]:
        c = dispatches.c
        where = [x for x in (c.alert_id == query.alert_id if query.alert_id is not None else None,
                             c.team == query.team if query.team else None,
                             c.state.in_([s.value for s in query.states]) if query.states else None) if x is not None]
        return self._dispatches(sa.select(*_READ).where(*where).order_by(c.id.desc()).limit(query.limit))

    def get(self, dispatch_id: int) -> Dispatch | None:
        found = self._dispatches(sa.select(*_READ).where(dispatches.c.id == dispatch_id))
        return found[0] if found else None

    def entries(self, dispatch_id: int | None = None, team: str | None = None, limit: int = 500) -> list[Entry]:
        c = entries.c
        where = [x for x in (c.dispatch_id == dispatch_id if dispatch_id is not None else None,
                             c.team == team if team else None) if x is not None]
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(c.body).where(*where).order_by(c.seq).limit(limit)).scalars()
            return [_ENTRY.validate_json(b) for b in rows]

    def with_photo(self, photo_id: str) -> list[Dispatch]:
        # The photo is inside each entry's JSON only; a text match needs no new column (or migration), and a
        # town's dispatch log is small. Ids are hex, so nothing in one can widen the pattern.
        if not photo_id.isalnum():
            return []
        listed = sa.select(entries.c.dispatch_id).where(entries.c.body.contains(f'"photo":"{photo_id}"'))
        return self._dispatches(sa.select(*_READ).where(dispatches.c.id.in_(listed)))

    def add_login_code(self, code_hash: str, member: str, expires: float) -> None:
        with self.engine.begin() as conn:
            conn.execute(codes.insert(), {"hash": code_hash, "member": member, "expires": expires})

    def take_login_code(self, code_hash: str, now: float) -> str | None:
        with self.engine.begin() as conn:
            row = conn.execute(sa.delete(codes).where(codes.c.hash == code_hash)
                               .returning(codes.c.member, codes.c.expires)).first()
        return row.member if row is not None and row.expires > now else None

    def add_session(self, token_hash: str, member: str, expires: float) -> None:
        with self.engine.begin() as conn:
            conn.execute(sessions.insert(), {"hash": token_hash, "member": member, "expires": expires})

    def session(self, token_hash: str, now: float) -> PhoneSession | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(sessions.c.member, sessions.c.expires)
                               .where(sessions.c.hash == token_hash)).first()
        return PhoneSession(row.member, row.expires) if row is not None and row.expires > now else None

    def signed_in(self, members: Sequence[str], now: float) -> dict[str, tuple[int, float]]:
        c = sessions.c
        query = (sa.select(c.member, sa.func.count(), sa.func.max(c.expires))
                 .where(c.member.in_(list(members)), c.expires > now).group_by(c.member))
        with self.engine.connect() as conn:
            return {row[0]: (int(row[1]), float(row[2])) for row in conn.execute(query)}

    def replayed(self, member: str, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(replays.c.answer).where(replays.c.member == member,
                                                                   replays.c.key == key)).scalar()

    def team_edits(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            return {row.team: row.body for row in conn.execute(sa.select(team_edits.c.team, team_edits.c.body))}

    def save_team_edits(self, team: str, edits: str, entry: Entry) -> None:
        with self.engine.begin() as conn:
            upsert(conn, team_edits, "team", [{"team": team, "body": edits}])
            conn.execute(entries.insert(), {"seq": entry.seq, "dispatch_id": None, "team": team,
                                            "body": _ENTRY.dump_json(entry).decode()})

    def end_sessions(self, member: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.delete(sessions).where(sessions.c.member == member))

    def _dispatches(self, select: sa.Select[Any]) -> list[Dispatch]:
        """Dispatches from a select of id, version and body, their versions noted for the next write."""
        with self.engine.connect() as conn:
            rows = conn.execute(select).all()
        for key, version, _ in rows:
            self._versions.seen(key, version)
        return [_DISPATCH.validate_json(b) for _, _, b in rows]
