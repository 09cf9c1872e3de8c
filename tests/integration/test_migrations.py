"""The state database's schema versions: what they build, racing processes, old databases, the CLI, one engine."""

from __future__ import annotations

import logging
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from pydantic import TypeAdapter

from adapters import alert_store, case_store, dispatch_store, migrations, user_store
from adapters.alert_store import SqlAlertStore
from adapters.broadcast_store import SqlBroadcastStore
from adapters.call_store import SqlCallStore
from adapters.dispatch_store import SqlDispatchStore
from adapters.sql import migrate, reserve_ids
from hub.calls.model import Call, CallState
from hub.registry import Registry
from hub.settings import HubSettings

pytestmark = pytest.mark.integration


def differences(url: str) -> list[Any]:
    """What Alembic's autogenerate would change to make the database at *url* match the stores' tables."""
    db = sa.create_engine(url)
    try:
        with db.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn), migrations.metadata()))
    finally:
        db.dispose()


def schema(url: str) -> dict[str, Any]:
    """Every table's columns, key, indexes and constraints as the database reports them."""
    db = sa.create_engine(url)
    try:
        seen = sa.inspect(db)
        return {name: ([(c["name"], str(c["type"]), c["nullable"], c["default"], c.get("autoincrement"))
                        for c in seen.get_columns(name)],
                       seen.get_pk_constraint(name)["constrained_columns"],
                       sorted((i["name"], tuple(i["column_names"]), i["unique"]) for i in seen.get_indexes(name)),
                       seen.get_unique_constraints(name), seen.get_foreign_keys(name))
                for name in seen.get_table_names() if name != "alembic_version"}
    finally:
        db.dispose()


def revisions(url: str) -> list[str]:
    db = sa.create_engine(url)
    try:
        with db.connect() as conn:
            return list(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    finally:
        db.dispose()


def run_sql(url: str, *statements: str) -> None:
    db = sa.create_engine(url)
    try:
        with db.begin() as conn:
            for statement in statements:
                conn.execute(sa.text(statement))
    finally:
        db.dispose()


def test_the_revisions_build_exactly_what_create_all_built(sql_url: str) -> None:
    assert migrate(sql_url) == migrations.head()
    assert differences(sql_url) == []
    upgraded = schema(sql_url)
    assert len(upgraded) == len(migrations.metadata().tables)

    db = sa.create_engine(sql_url)
    migrations.metadata().drop_all(db)
    migrations.metadata().create_all(db)
    db.dispose()
    assert schema(sql_url) == upgraded


def _migrate_with_the_others(url: str, start: Any) -> None:
    start.wait(timeout=60)
    migrate(url)


def test_processes_starting_together_upgrade_once(sql_url: str) -> None:
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(4)
    processes = [spawn.Process(target=_migrate_with_the_others, args=(sql_url, start)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]
    assert revisions(sql_url) == [migrations.head()]
    assert differences(sql_url) == []


def test_a_database_from_before_versions_keeps_its_rows(sql_url: str, caplog: pytest.LogCaptureFixture) -> None:
    # As the stores left it with create_all: a town without loudspeakers or calls had no tables for them.
    db = sa.create_engine(sql_url)
    for store in (alert_store, dispatch_store, user_store, case_store):
        store.meta.create_all(db)
    with db.begin() as conn:
        conn.execute(alert_store.alerts.insert(), {"id": 7, "rule": "flood", "source": "river-1", "state": "open",
                                                   "severity": "warning", "raised_at": 1.0, "updated_at": 1.0,
                                                   "body": "{}"})
    db.dispose()

    with caplog.at_level(logging.WARNING, logger="adapters.migrations"):
        store = SqlAlertStore(sql_url)
    try:
        assert store.last_ids() == (7, 0)
    finally:
        store.close()
    assert "predates" in caplog.text
    assert revisions(sql_url) == [migrations.head()]
    assert differences(sql_url) == []


def test_a_schema_newer_than_this_version_is_refused(sql_url: str) -> None:
    migrate(sql_url)
    run_sql(sql_url, "UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(Exception, match="9999"):
        migrate(sql_url)


def test_gridhub_db_upgrade_on_a_fresh_schema(postgres_url: str, tmp_path: Path) -> None:
    gridhub = Path(sys.executable).with_name("gridhub")
    env = {**os.environ, "GRIDHUB_STATE_URL": postgres_url}

    def db(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(gridhub), "db", command, "--data-dir", str(tmp_path)], env=env,
                              capture_output=True, text=True, timeout=60, check=False)

    assert db("current").stdout.strip() == "none"
    upgraded = db("upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert migrations.head() in upgraded.stdout
    assert db("current").stdout.strip() == migrations.head()
    assert differences(postgres_url) == []
    assert not list(tmp_path.iterdir())  # the state is in PostgreSQL, nothing in the data folder


def test_the_stores_of_one_database_share_one_engine(sql_url: str, tmp_path: Path) -> None:
    settings = HubSettings(data_dir=tmp_path, state_url=sql_url)
    registry = Registry.discover()
    stores: list[Any] = [registry.alert_store("sql")(settings), registry.case_store("sql")(settings),
                         registry.user_store("sql")(settings), SqlDispatchStore(sql_url),
                         SqlBroadcastStore(sql_url), SqlCallStore(sql_url)]
    engine = stores[0].engine
    pool = engine.pool
    assert all(s.engine is engine for s in stores)

    stores[0].close()
    stores[0].close()  # a second close gives nothing back twice
    for store in stores[1:-1]:
        store.close()
    assert engine.pool is pool  # one store still uses it
    stores[-1].close()
    assert engine.pool is not pool  # disposed with the last

    again = SqlAlertStore(sql_url)
    assert again.engine is not engine
    again.close()


def test_an_upgrade_from_0002_versions_dispatches_jobs_and_calls_and_counts_on_past_their_rows(sql_url: str) -> None:
    call = Call(3, "巡查", CallState.OPEN, "duty", 1.0, ("yunling",))
    db = sa.create_engine(sql_url)
    try:
        with db.begin() as conn:
            command.upgrade(migrations.config(conn), "0002")
        run_sql(sql_url,
                "INSERT INTO gridhub_dispatches (id, alert_id, team, state, body) "
                "VALUES (5, 1, 'T01', 'assigned', '{}')",
                "INSERT INTO gridhub_dispatch_log (seq, dispatch_id, team, body) VALUES (12, 5, 'T01', '{}')",
                "INSERT INTO gridhub_broadcast_jobs (id, state, created_at, body) VALUES (9, 'proposed', 1, '{}')",
                "INSERT INTO gridhub_call_log (seq, call_id, body) VALUES (4, 3, '{}')")
        with db.begin() as conn:
            conn.execute(sa.text("INSERT INTO gridhub_calls (id, state, alert_id, villages, opened_at, body) "
                                 "VALUES (3, 'open', NULL, ',yunling,', 1, :body)"),
                         {"body": TypeAdapter(Call).dump_json(call).decode()})
        assert migrate(sql_url) == migrations.head() == "0010_county_work"
        assert differences(sql_url) == []
        assert [reserve_ids(db, name, 1) for name in ("dispatch", "dispatch_seq", "broadcast", "call", "call_seq")] \
            == [[6], [13], [10], [4], [5]]
        with db.connect() as conn:
            assert conn.execute(sa.text("SELECT version FROM gridhub_dispatches")).scalar_one() == 0
        store = SqlCallStore(sql_url)
        try:  # a row from before its version is read at version 0 and written on from there
            found = store.get(3)
            assert found is not None
            store.save([found.evolve(state=CallState.ENDED)], [])
            with db.connect() as conn:
                assert conn.execute(sa.text("SELECT version FROM gridhub_calls")).scalar_one() == 1
        finally:
            store.close()
        with db.begin() as conn:
            command.downgrade(migrations.config(conn), "0002")
        with db.connect() as conn:
            assert "version" not in {c["name"] for c in sa.inspect(conn).get_columns("gridhub_calls")}
        migrate(sql_url)
        assert differences(sql_url) == [] and reserve_ids(db, "call", 1) == [4]
    finally:
        db.dispose()
