"""The core leader: whoever holds the town's leadership lock on PostgreSQL; the others wait as standbys."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import psycopg

from adapters.cluster.pg import connect, deployment, ensure_tables, lock_key
from hub.settings import HubSettings

log = logging.getLogger(__name__)
POLL_S = 0.5  # how often a standby tries the lock: the leader's kill -9 frees it at once
CHECK_S = 1.0  # how often the leader makes sure its lock's connection still lives
CHECK_TIMEOUT_S = 3.0


class PgElection:
    """Campaign for the leadership; `deposed` is set the moment the lock's connection is lost."""

    def __init__(self, settings: HubSettings, town_id: str) -> None:
        if settings.state_url is None:
            raise ValueError("the core role needs GRIDHUB_STATE_URL on PostgreSQL")
        self._url = settings.state_url
        self._town = town_id
        self._name = settings.name()
        self._console_url = settings.console_url or f"http://{settings.http_host}:{settings.http_port}"
        tag = deployment(self._url, town_id)
        self._key = lock_key(tag, "leader")
        self._app = f"gh-core-{tag}-{self._name}"
        self._conn: psycopg.AsyncConnection[tuple[object, ...]] | None = None
        self._watch: asyncio.Task[None] | None = None
        self.deposed = asyncio.Event()

    async def campaign(self) -> None:
        announced = False
        while True:
            try:
                conn = await connect(self._url, self._app)
                await ensure_tables(conn)
                while not await self._try(conn):
                    if not announced:
                        log.warning("core: standby; %s leads", await leader_name(conn, self._town))
                        announced = True
                    await asyncio.sleep(POLL_S)
                break
            except psycopg.OperationalError as exc:
                log.warning("core: cannot reach PostgreSQL (%s); trying again", exc)
                await asyncio.sleep(2)
        await conn.execute(
            "INSERT INTO gridhub_leaders (town, name, console_url, since) VALUES (%s, %s, %s, now()) "
            "ON CONFLICT (town) DO UPDATE SET name = excluded.name, console_url = excluded.console_url, "
            "since = excluded.since", (self._town, self._name, self._console_url))
        self._conn = conn
        self._watch = asyncio.create_task(self._keep(conn), name="gridhub-leadership")
        log.warning("core: %s leads", self._name)

    async def _try(self, conn: psycopg.AsyncConnection[tuple[object, ...]]) -> bool:
        row = await (await conn.execute("SELECT pg_try_advisory_lock(%s)", (self._key,))).fetchone()
        return bool(row and row[0])

    async def _keep(self, conn: psycopg.AsyncConnection[tuple[object, ...]]) -> None:
        while True:
            await asyncio.sleep(CHECK_S)
            try:
                await asyncio.wait_for(conn.execute("SELECT 1"), CHECK_TIMEOUT_S)
            except (psycopg.Error, TimeoutError) as exc:
                log.error("core: lost the leadership's connection (%s): another process may lead now", exc)
                self.deposed.set()
                return

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                await self._conn.close()  # frees the lock: a standby takes over within POLL_S


async def leader_name(conn: psycopg.AsyncConnection[tuple[object, ...]], town: str) -> str | None:
    row = await (await conn.execute("SELECT name FROM gridhub_leaders WHERE town = %s", (town,))).fetchone()
    return str(row[0]) if row else None
