"""A town's outbox to its county: messages numbered per stream in the transaction that keeps them.

A message is kept until the county acknowledges its sequence; what the county acknowledged is deleted. The last
sequence of each stream is kept apart, so that numbering goes on after the outbox empties or the hub restarts.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from pydantic import TypeAdapter

from adapters.county.tables import outbox, sequences
from adapters.sql import SqlStore, upsert
from hub.county.config import Stream
from hub.county.messages import AlertUp, Body, LinkMessage

_BODY: TypeAdapter[Body] = TypeAdapter(Body)
ALERT_CURSOR = "town:alerts"  # in sequences: the last transition of the town's alert trail kept in the outbox


class SqlOutbox(SqlStore):
    """The outbox on the state database (SQLite, or PostgreSQL when GRIDHUB_STATE_URL says so)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        # One numbering transaction at a time in this process: two that read the same last number would collide.
        self.writing = threading.Lock()

    def add(self, items: Sequence[tuple[Stream, Body]]) -> list[LinkMessage]:
        """Number *items* in their streams, in the order given, and keep them."""
        with self.writing, self.engine.begin() as conn:
            return self.add_in(conn, items)

    def add_in(self, conn: sa.Connection, items: Sequence[tuple[Stream, Body]]) -> list[LinkMessage]:
        """`add` in the caller's transaction, to keep a message with the change it tells of; hold `writing`."""
        made: list[LinkMessage] = []
        last = self._last(conn, {stream for stream, _ in items})
        for stream, body in items:
            last[stream] += 1
            made.append(LinkMessage(stream=stream, seq=last[stream], body=body))
        if made:
            conn.execute(outbox.insert(), [{"stream": m.stream.value, "seq": m.seq,
                                            "body": m.body.model_dump_json()} for m in made])
            upsert(conn, sequences, "stream", [{"stream": s.value, "last_seq": n} for s, n in last.items()])
        trail = [m.body.town_seq for m in made if isinstance(m.body, AlertUp)]
        if trail:
            upsert(conn, sequences, "stream", [{"stream": ALERT_CURSOR, "last_seq": max(trail)}])
        return made

    def alert_cursor(self) -> int:
        """The last transition of the town's alert trail the outbox has kept; 0 before the town's first link."""
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(sequences.c.last_seq).where(sequences.c.stream == ALERT_CURSOR)
                                 ).scalar_one_or_none()
        return int(found or 0)

    def _last(self, conn: sa.Connection, streams: set[Stream]) -> dict[Stream, int]:
        query = sa.select(sequences.c.stream, sequences.c.last_seq).where(
            sequences.c.stream.in_([s.value for s in streams]))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()  # two core processes never give out one number twice
        found = {Stream(s): int(n) for s, n in conn.execute(query)}
        return {s: found.get(s, 0) for s in streams}

    def oldest(self, limit: int) -> list[LinkMessage]:
        """The first *limit* messages kept, in the order they were numbered."""
        query = sa.select(outbox.c.stream, outbox.c.seq, outbox.c.body).order_by(outbox.c.id).limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [LinkMessage(stream=Stream(s), seq=n, body=_BODY.validate_json(b)) for s, n, b in rows]

    def acknowledge(self, acked: Mapping[Stream, int]) -> int:
        """Forget every message the county holds: per stream, up to its acknowledged sequence. Returns how many."""
        gone = 0
        with self.engine.begin() as conn:
            for stream, seq in acked.items():
                gone += conn.execute(outbox.delete().where(outbox.c.stream == stream.value,
                                                           outbox.c.seq <= seq)).rowcount
        return gone

    def backlog(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar_one())
