"""The core leader follows the ingest log: every committed batch reaches its rules, in commit order.

The position reached is saved every second; a leader that takes over starts from the saved position, so it
sees again at most a second of batches, which the rules take as repeats (their alerts are already open).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import psycopg

from adapters.cluster.pg import connect, deployment
from hub.context import HubContext
from hub.ingestlog import IngestLog, LoggedBatch
from hub.models import IngestBatch
from hub.tasks import TaskSet

log = logging.getLogger(__name__)
POLL_S = 0.02
SAVE_S = 1.0
BATCHES_PER_READ = 200


class LogFollower:
    """Publishes what ingest workers committed on this process's bus, as if it had ingested it itself."""

    name = "ingest-log"

    def __init__(self, ctx: HubContext) -> None:
        if not isinstance(ctx.store, IngestLog) or ctx.settings.state_url is None:
            raise ValueError("the core role needs the shared series store (GRIDHUB_STORE=postgres) on PostgreSQL")
        self._ctx = ctx
        self._log: IngestLog = ctx.store
        self._url = ctx.settings.state_url
        self._cursor = f"ingest-log:{deployment(self._url, ctx.town.town.id)}"
        self.position = 0
        self._tasks = TaskSet()
        self._conn: psycopg.AsyncConnection[tuple[object, ...]] | None = None

    async def start(self) -> None:
        self._conn = await connect(self._url, f"gh-follow-{self._ctx.settings.name()}")
        row = await (await self._conn.execute("SELECT position FROM gridhub_cursors WHERE name = %s",
                                              (self._cursor,))).fetchone()
        self.position = int(str(row[0])) if row else 0
        log.info("core: following the ingest log from %d", self.position)
        self._tasks.spawn(self._follow(), name="gridhub-ingest-log")

    async def stop(self) -> None:
        await self._tasks.cancel()
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                await self._save()
                await self._conn.close()

    async def _follow(self) -> None:
        saved_at = time.monotonic()
        while True:
            try:
                batches = await asyncio.to_thread(self._log.tail, self.position, BATCHES_PER_READ)
            except Exception:
                log.exception("core: reading the ingest log failed; trying again")
                batches = []
                await asyncio.sleep(1)
            for batch in batches:
                self._publish(batch)
                self.position = batch.id
            if time.monotonic() - saved_at >= SAVE_S:
                with contextlib.suppress(psycopg.Error):
                    await self._save()
                saved_at = time.monotonic()
            if len(batches) < BATCHES_PER_READ:
                await asyncio.sleep(POLL_S)

    def _publish(self, batch: LoggedBatch) -> None:
        ctx = self._ctx
        for event in batch.events:
            ctx.health.async_follow(event)
            ctx.bus.async_publish(event)
        if batch.readings:
            ctx.bus.async_publish(IngestBatch(batch.readings, received=batch.committed_at))

    async def _save(self) -> None:
        if self._conn is not None:
            await self._conn.execute(
                "INSERT INTO gridhub_cursors (name, position) VALUES (%s, %s) "
                "ON CONFLICT (name) DO UPDATE SET position = excluded.position", (self._cursor, self.position))
