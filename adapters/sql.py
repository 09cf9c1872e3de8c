"""What the SQL stores share: one engine per state database and process, its schema upgraded once, and upserts.

The stores (alerts, dispatch, users, cases, broadcast, calls, the register …) keep their tables in one database;
each takes the process's engine on it through `SqlStore`, so that one process holds one pool however many stores
it opens, and the first store to open the database upgrades its schema (adapters/migrations) before any of them
reads it. The series store on PostgreSQL takes the same engine when the series live in the state database.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from adapters import migrations
from hub.alerts.store import StaleWrite

if TYPE_CHECKING:
    from hub.settings import HubSettings


@dataclass
class _Shared:
    engine: Engine
    users: int = 0


_lock = threading.Lock()
_shared: dict[str, _Shared] = {}
_upgraded: dict[str, str] = {}  # URL → the revision this process brought it to


class SqlStore:
    """Base of the SQL stores: the process's shared engine on the state database at *url*, its schema at head."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = shared_engine(url)
        self._closed = False

    def close(self) -> None:
        """Give the engine back (once); the last store to do so closes its connections."""
        if not self._closed:
            self._closed = True
            release(self.engine)


def shared_engine(url: str) -> Engine:
    """The process's one engine on *url*, the schema upgraded on first use; give it back with `release`."""
    db = _acquire(url)
    try:
        prepare(url)
    except BaseException:
        release(db)
        raise
    return db


def shared_pool(url: str) -> Engine:
    """The process's one engine on *url* as it is, its schema not upgraded (the series store keeps its own
    tables); give it back with `release`."""
    return _acquire(url)


def release(db: Engine) -> None:
    """Give back an engine from `shared_engine`; when its last user does, its connections are closed."""
    with _lock:
        url, shared = next((u, s) for u, s in _shared.items() if s.engine is db)
        shared.users -= 1
        if shared.users == 0:
            del _shared[url]
            db.dispose()


def migrate(url: str) -> str:
    """Upgrade the state database at *url* to the newest revision now; returns it. Processes may race."""
    db = _acquire(url)
    try:
        with db.connect() as conn:
            revision = migrations.upgrade(conn)
    finally:
        release(db)
    _upgraded[url] = revision
    return revision


def prepare(url: str) -> str:
    """`migrate` once per process and URL: every store calls it, the first pays."""
    return _upgraded.get(url) or migrate(url)


def prepare_state(settings: HubSettings) -> str:
    """`prepare` the state database *settings* name; returns its revision."""
    return prepare(state_url(settings))


def state_revision(settings: HubSettings) -> str | None:
    """The revision the state database *settings* name is at, without upgrading it; None before its first."""
    db = _acquire(state_url(settings))
    try:
        with db.connect() as conn:
            return migrations.current(conn)
    finally:
        release(db)


def state_url(settings: HubSettings) -> str:
    """GRIDHUB_STATE_URL, or SQLite in the data folder."""
    return settings.state_url or default_url(settings.data_dir)


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'state.sqlite3').resolve()}"


def upsert(conn: Connection, table: sa.Table, key: str | list[str], rows: list[dict[str, Any]]) -> None:
    """Insert *rows*, or update those whose *key* (one column or several) exists, on SQLite or PostgreSQL."""
    keys = [key] if isinstance(key, str) else key
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(table)
    updates = {c.name: insert.excluded[c.name] for c in table.columns if c.name not in keys}
    conn.execute(insert.on_conflict_do_update(index_elements=keys, set_=updates), rows)


ids_meta = sa.MetaData()
ids = sa.Table(  # SQLite's stand-in for sequences (PostgreSQL uses real ones: see reserve_ids)
    "gridhub_ids", ids_meta,
    sa.Column("name", sa.String(32), primary_key=True), sa.Column("next_value", sa.BigInteger, nullable=False),
)
COUNTERS = frozenset({"alert", "alert_seq", "case", "case_seq", "delivery", "dispatch", "dispatch_seq", "broadcast",
                      "call", "call_seq"})


def reserve_ids(db: Engine, name: str, count: int) -> list[int]:
    """*count* numbers of counter *name* that no process was handed before nor will be, in increasing order.

    PostgreSQL's sequences never give a number twice, whatever the transactions do; on SQLite the counter's row
    moves on in a transaction of its own, under the database's write lock.
    """
    if name not in COUNTERS:
        raise ValueError(f"no id counter {name!r}")
    with db.begin() as conn:
        if conn.dialect.name == "postgresql":
            query = sa.text(f"SELECT nextval('gridhub_{name}_ids') FROM generate_series(1, :n)")
            return sorted(int(n) for n in conn.execute(query, {"n": count}).scalars())
        after = conn.execute(ids.update().where(ids.c.name == name).values(next_value=ids.c.next_value + count)
                             .returning(ids.c.next_value)).scalar_one()
    return list(range(int(after) - count, int(after)))


class Versions:
    """The version of each row (alerts, cases, dispatches, broadcast jobs, calls by id; team states by team) this
    process last read or wrote.

    A write expects the row still at that version, and moves it on by one; a row this process has not seen is
    new, and is inserted. A row another process (a new leader) wrote meanwhile fails the write with StaleWrite
    instead of being overwritten.
    """

    def __init__(self, what: str, key: str = "id") -> None:
        self._what = what
        self._key = key  # the rows' key column: an id, or a team's name
        self._seen: dict[int | str, int] = {}
        self._lock = threading.Lock()

    def seen(self, key: int | str, version: int) -> None:
        """A row read from the store: what a write is based on unless this process wrote it since."""
        with self._lock:
            self._seen.setdefault(key, version)

    def write(self, conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> dict[int | str, int]:
        """Insert or update *rows* (each with its key), checking versions; returns the new ones, for `keep`."""
        written: dict[int | str, int] = {}
        column = table.c[self._key]
        for row in rows:
            key: int | str = row[self._key]
            with self._lock:
                expected = self._seen.get(key)
            if expected is None:
                try:  # the whole transaction fails with it: nothing of it is kept
                    conn.execute(table.insert(), {**row, "version": 1})
                except sa.exc.IntegrityError as exc:
                    raise StaleWrite(f"{self._what} {key} was made by another process") from exc
            elif conn.execute(table.update().where(column == key, table.c.version == expected)
                              .values(**row, version=expected + 1)).rowcount != 1:
                raise StaleWrite(f"{self._what} {key} is no longer at version {expected}: another process wrote it")
            written[key] = 1 if expected is None else expected + 1
        return written

    def keep(self, written: dict[int | str, int]) -> None:
        """Remember the versions `write` made, once their transaction is committed."""
        with self._lock:
            self._seen.update(written)


def _acquire(url: str) -> Engine:
    with _lock:
        shared = _shared.get(url)
        if shared is None:
            shared = _shared[url] = _Shared(_engine(url))
        shared.users += 1
        return shared.engine


def _engine(url: str) -> Engine:
    # The state stores, the series store when it shares the database, and the console's request threads share
    # this pool: larger than SQLAlchemy's 5 + 10.
    made = sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if made.dialect.name == "sqlite":
        sa.event.listen(made, "connect", _sqlite_pragmas)
    return made


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=5000")
    _wal(cursor)
    cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged alert survives a power cut
    cursor.close()


def _wal(cursor: Any) -> None:
    """Switch the database to WAL, retrying for up to 5 s."""
    # On a new file SQLite answers "locked" at once, not after its busy timeout, when another process starting at
    # the same moment is switching it too.
    for _ in range(50):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.1)
    cursor.execute("PRAGMA journal_mode=WAL")
