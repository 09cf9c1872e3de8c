"""Connections of the cluster's coordination: psycopg on the event loop, autocommit, with TCP keepalives.

Leases and the leadership are PostgreSQL session-level advisory locks: they last exactly as long as the
connection that took them, so a process killed with -9 loses them the moment its socket closes, and one cut
off from the database loses them once keepalives give up on it.
"""

from __future__ import annotations

import hashlib

import psycopg
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import make_url

KEEPALIVE = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3}
_TABLES = """
CREATE TABLE IF NOT EXISTS gridhub_leaders (
    town text PRIMARY KEY, name text NOT NULL, console_url text, since timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS gridhub_cursors (name text PRIMARY KEY, position bigint NOT NULL);
"""


def conninfo(url: str) -> str:
    """libpq's form of a SQLAlchemy URL (`postgresql+psycopg://…` → `postgresql://…`)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"running as several processes needs PostgreSQL (GRIDHUB_STATE_URL), not {url!r}")
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def lock_key(*parts: str) -> int:
    """A signed 32-bit advisory lock key for *parts* (e.g. the deployment and what is locked)."""
    return int.from_bytes(hashlib.blake2b("\x1f".join(parts).encode(), digest_size=4).digest(), "big", signed=True)


def deployment(url: str, town_id: str) -> str:
    """A short tag of one town on one database, so towns (and test schemas) sharing a server never meet."""
    return hashlib.blake2b(f"{url}\x1f{town_id}".encode(), digest_size=3).hexdigest()


async def connect(url: str, application_name: str) -> psycopg.AsyncConnection[tuple[object, ...]]:
    info = make_conninfo(conninfo(url), application_name=application_name[:63], connect_timeout=5, **KEEPALIVE)
    return await psycopg.AsyncConnection.connect(info, autocommit=True)


async def ensure_tables(conn: psycopg.AsyncConnection[tuple[object, ...]], more: str = "") -> None:
    """The cluster's small tables (and *more* DDL); processes starting at once take turns creating them."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key("gridhub", "cluster-tables"),))
        await conn.execute(_TABLES + more)
