"""Shared fixtures: the machine's Mosquitto on 1883 (or our own), and SQL databases: SQLite and PostgreSQL."""

from __future__ import annotations

import functools
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support import Mosquitto, listening

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def system_broker_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real Mosquitto: the one on 127.0.0.1:1883 if it runs, else our own."""
    if listening(1883):
        yield 1883
        return
    broker = Mosquitto(tmp_path_factory.mktemp("mosquitto"))
    broker.start()
    yield broker.port
    broker.stop()


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A Mosquitto for this test alone, which the test may stop and restart."""
    broker = Mosquitto(tmp_path / "mosquitto")
    broker.start()
    yield broker
    broker.stop()


@functools.cache
def postgres_running() -> bool:
    """Whether PostgreSQL listens on 5432, starting the machine's cluster once if it does not."""
    if listening(5432):
        return True
    versions = sorted(Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").is_dir() else []
    for version in versions:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version.name, "main", "start"],
                       capture_output=True, check=False, timeout=60)
    deadline = time.monotonic() + 10
    while versions and not listening(5432) and time.monotonic() < deadline:
        time.sleep(0.2)
    return listening(5432)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A schema of its own in the `test` database, dropped afterwards."""
    if not postgres_running():
        pytest.skip("PostgreSQL is not listening on 127.0.0.1:5432 and pg_ctlcluster could not start it")
    schema = f"alerts_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The state database of a test: SQLite in its temporary folder, then a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))
