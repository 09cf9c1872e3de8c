"""Device shares leased by ingest workers: one advisory lock per share, rebalanced as workers come and go.

Live workers are the sessions on the database whose application name carries this deployment's ingest tag;
each computes which shares it should hold (hub.shards.wanted), gives up those it should not (after its last
batch is committed) and tries the locks of those it lacks. A worker that dies frees its locks with its
connection, and the others take its shares on their next round.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import psycopg

from adapters.cluster.pg import connect, deployment, lock_key
from hub.shards import wanted

log = logging.getLogger(__name__)
ROUND_S = 1.0
ShareChange = Callable[[int], Awaitable[None]]


class ShardLeases:
    """Holds this worker's shares; calls *gain* after taking one and *lose* before (or after losing) one."""

    def __init__(self, url: str, town_id: str, name: str, shards: int, gain: ShareChange, lose: ShareChange) -> None:
        self._url = url
        tag = deployment(url, town_id)
        self._prefix = f"gh-ingest-{tag}-"
        self._name = name
        self._key = lock_key(tag, "shares")
        self._shards = shards
        self._gain = gain
        self._lose = lose
        self.held: set[int] = set()

    async def run(self) -> None:
        """Keep the shares balanced until cancelled; on a lost connection, drop every share at once."""
        while True:
            try:
                conn = await connect(self._url, self._prefix + self._name)
                try:
                    while True:
                        await self._round(conn)
                        await asyncio.sleep(ROUND_S)
                finally:
                    await conn.close()
            except psycopg.Error as exc:
                log.error("ingest: lost the lease connection (%s); giving up %d shares", exc, len(self.held))
                await self.release_all()
                await asyncio.sleep(ROUND_S)

    async def release_all(self) -> None:
        for shard in sorted(self.held):
            await self._lose(shard)
        self.held.clear()

    async def _round(self, conn: psycopg.AsyncConnection[tuple[object, ...]]) -> None:
        rows = await (await conn.execute("SELECT application_name FROM pg_stat_activity "
                                         "WHERE application_name LIKE %s", (self._prefix + "%",))).fetchall()
        workers = sorted({str(r[0])[len(self._prefix):] for r in rows})
        want = wanted(self._name, workers, self._shards)
        for shard in sorted(self.held - want):
            await self._lose(shard)
            await conn.execute("SELECT pg_advisory_unlock(%s, %s)", (self._key, shard))
            self.held.discard(shard)
        for shard in sorted(want - self.held):
            row = await (await conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (self._key, shard))).fetchone()
            if row and row[0]:
                self.held.add(shard)
                await self._gain(shard)
