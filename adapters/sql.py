"""What the SQL stores share: an engine with SQLite's durability settings, and upserts on either engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine


def engine(url: str, meta: sa.MetaData) -> Engine:
    """An engine on *url* with *meta*'s tables created; SQLite in WAL with full sync."""
    made = sa.create_engine(url, pool_pre_ping=True)
    if made.dialect.name == "sqlite":
        sa.event.listen(made, "connect", _sqlite_pragmas)
    meta.create_all(made)
    return made


def upsert(conn: Connection, table: sa.Table, key: str | list[str], rows: list[dict[str, Any]]) -> None:
    """Insert *rows*, or update those whose *key* (one column or several) exists, on SQLite or PostgreSQL."""
    keys = [key] if isinstance(key, str) else key
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(table)
    updates = {c.name: insert.excluded[c.name] for c in table.columns if c.name not in keys}
    conn.execute(insert.on_conflict_do_update(index_elements=keys, set_=updates), rows)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged alert survives a power cut
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'state.sqlite3').resolve()}"
