"""The leader's live feeds to every console process through PostgreSQL: a feed table and LISTEN/NOTIFY.

A NOTIFY payload holds at most 8000 bytes and a batch of readings holds more, so each message is a row of
`gridhub_feed` and the notification only says "there is more". A listener reads the rows after the last it
has, in id order: a notification it missed (its connection was down) costs nothing but the wait for the next
one, or for its own poll each second. The rows and the publisher's cursors are written in one transaction,
and NOTIFY is delivered at commit, so a listener never sees a message the leader did not commit. Rows are kept
for `KEEP_S`; a listener that was away longer is told so (`FeedGap`) rather than given a hole.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence

import psycopg

from adapters.cluster.pg import connect, deployment, ensure_tables
from hub.cluster import FeedGap, Relayed
from hub.settings import HubSettings

log = logging.getLogger(__name__)
KEEP_S = 600  # rows older than this are pruned: a console's ring and the stores cover what is older
PRUNE_EVERY_S = 30.0
POLL_S = 1.0  # a listener reads anyway after this long without a notification
_TABLE = """
CREATE TABLE IF NOT EXISTS gridhub_feed (
    id bigserial PRIMARY KEY, tag text NOT NULL, feed text NOT NULL, body text NOT NULL,
    at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS gridhub_feed_tag_id ON gridhub_feed (tag, id);
"""
_INSERT = ("INSERT INTO gridhub_feed (tag, feed, body) SELECT %s, f, b FROM unnest(%s::text[], %s::text[]) "
           "WITH ORDINALITY AS m(f, b, n) ORDER BY n")
_CURSOR = ("INSERT INTO gridhub_cursors (name, position) VALUES (%s, %s) "
           "ON CONFLICT (name) DO UPDATE SET position = excluded.position")
_AFTER = "SELECT id, feed, body FROM gridhub_feed WHERE tag = %s AND id > %s ORDER BY id LIMIT 1000"

Connection = psycopg.AsyncConnection[tuple[object, ...]]


class PgFeedRelay:
    """FeedRelay on PostgreSQL: the leader publishes, each console process follows (one connection each)."""

    def __init__(self, settings: HubSettings, town_id: str) -> None:
        if settings.state_url is None:
            raise ValueError("relaying live feeds needs GRIDHUB_STATE_URL on PostgreSQL")
        self._url = settings.state_url
        self._tag = deployment(self._url, town_id)
        self._channel = f"gridhub_feed_{self._tag}"
        self._name = settings.name()
        self._conn: Connection | None = None
        self._pruned_at = 0.0

    async def _connection(self) -> Connection:
        if self._conn is None or self._conn.closed:
            self._conn = await connect(self._url, f"gh-feed-{self._name}")
            await ensure_tables(self._conn, _TABLE)
        return self._conn

    async def publish(self, messages: Sequence[Relayed], cursors: Mapping[str, int]) -> None:
        conn = await self._connection()
        try:
            async with conn.transaction():
                if messages:
                    await conn.execute(_INSERT, (self._tag, [m.feed for m in messages], [m.body for m in messages]))
                    await conn.execute("SELECT pg_notify(%s, '')", (self._channel,))
                for name, position in cursors.items():
                    await conn.execute(_CURSOR, (self._cursor(name), position))
            if time.monotonic() - self._pruned_at > PRUNE_EVERY_S:
                self._pruned_at = time.monotonic()
                await conn.execute("DELETE FROM gridhub_feed WHERE tag = %s AND at < now() - make_interval(secs => %s)",
                                   (self._tag, KEEP_S))
        except psycopg.Error:
            self._conn = None
            raise

    async def cursor(self, name: str) -> int | None:
        conn = await self._connection()
        row = await (await conn.execute("SELECT position FROM gridhub_cursors WHERE name = %s",
                                        (self._cursor(name),))).fetchone()
        return int(str(row[0])) if row else None

    def _cursor(self, name: str) -> str:
        return f"feed:{name}:{self._tag}"

    async def follow(self) -> AsyncIterator[list[Relayed]]:
        conn = await connect(self._url, f"gh-listen-{self._name}")
        try:
            await ensure_tables(conn, _TABLE)
            await conn.execute(f"LISTEN {self._channel}")
            row = await (await conn.execute("SELECT coalesce(max(id), 0) FROM gridhub_feed WHERE tag = %s",
                                            (self._tag,))).fetchone()
            last = int(str(row[0])) if row else 0
            while True:
                async for _ in conn.notifies(timeout=POLL_S, stop_after=1):
                    pass
                batch = await self._after(conn, last)
                if batch:
                    last = batch[-1].id
                    yield batch
        finally:
            with contextlib.suppress(psycopg.Error):
                await conn.close()

    async def _after(self, conn: Connection, last: int) -> list[Relayed]:
        rows = await (await conn.execute(_AFTER, (self._tag, last))).fetchall()
        if rows and last and int(str(rows[0][0])) > last + 1 and await self._pruned(conn, last):
            raise FeedGap(f"the feed's rows after {last} were pruned")
        return [Relayed(str(feed), str(body), int(str(id_))) for id_, feed, body in rows]

    async def _pruned(self, conn: Connection, last: int) -> bool:
        """Whether row *last* itself is gone: ids skip numbers on their own (a rolled-back publish), so only a
        missing last row tells that rows were pruned under the listener."""
        row = await (await conn.execute("SELECT 1 FROM gridhub_feed WHERE id = %s", (last,))).fetchone()
        return row is None

    async def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                await self._conn.close()
