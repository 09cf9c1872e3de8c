"""The state database's schema, versioned with Alembic: one revision per change in versions/, applied in order.

Alembic is configured here, with no alembic.ini. A schema change is a store's table edited plus a new file in
versions/ whose `down_revision` is the previous head; tests/integration/test_migrations.py fails until the
revisions build exactly the tables the stores define.
"""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # else 7 lines at every start

# Every gridhub process takes this PostgreSQL advisory lock to upgrade, so that processes starting together on one
# database take turns instead of racing to create the same tables.
LOCK_KEY = 0x6772_6964_6875_6201  # "gridhub" and a 1


def config(conn: Connection | None = None) -> Config:
    """Alembic's configuration: the scripts beside this module, run on *conn*."""
    made = Config()
    made.set_main_option("script_location", str(Path(__file__).parent))
    made.attributes["connection"] = conn
    return made


def head() -> str:
    """The newest revision this version of gridhub knows."""
    return str(ScriptDirectory.from_config(config()).get_current_head())


def current(conn: Connection) -> str | None:
    """The revision *conn*'s database is at; None before its first upgrade."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: Connection) -> str:
    """Bring *conn*'s database to the newest revision, one process at a time, in one transaction; returns it."""
    with conn.begin():
        _take_turn(conn)
        if _made_before_versions(conn):
            log.warning("the state database predates its schema's versions: keeping its tables and rows, "
                        "adding the tables it lacks and marking it at revision %s", _first())
        command.upgrade(config(conn), "head")
    return head()


def _take_turn(conn: Connection) -> None:
    """Wait while another process upgrades; the lock ends with this transaction, even if this process dies."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_KEY)))
    elif conn.dialect.name == "sqlite":
        # SQLite's write lock, taken now rather than at the first write, so that the revision check below already
        # sees what a process that went first committed; it also makes the DDL one transaction.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _made_before_versions(conn: Connection) -> bool:
    """Whether the stores made this database with create_all, before the schema had versions."""
    tables = sa.inspect(conn).get_table_names()
    return "alembic_version" not in tables and any(name.startswith("gridhub_") for name in tables)


def _first() -> str:
    return str(ScriptDirectory.from_config(config()).get_base())


def metadata() -> sa.MetaData:
    """Every store's tables in one MetaData: what the newest revision must have built."""
    from adapters import (
        alert_store,
        broadcast_store,
        call_store,
        case_store,
        command_store,
        dispatch_store,
        gridwork_notice_store,
        gridwork_store,
        register_store,
        sql,
        user_store,
    )
    from adapters.county import tables as county_tables

    merged = sa.MetaData()
    for meta in (alert_store.meta, dispatch_store.meta, user_store.meta, case_store.meta, broadcast_store.meta,
                 call_store.meta, register_store.meta, command_store.meta, gridwork_store.meta,
                 gridwork_notice_store.meta, county_tables.meta, sql.ids_meta):
        for table in meta.tables.values():
            table.to_metadata(merged)
    return merged
