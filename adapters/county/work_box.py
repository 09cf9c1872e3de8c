"""A town's cases and broadcast requests from its county: kept once each as they arrive, and the town's answer
kept with its message up, in one transaction.

They arrive in the county's answers, numbered per stream; the town asks for those after the last it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa

from adapters.county.outbox_store import SqlOutbox
from adapters.county.tables import down_in
from adapters.sql import SqlStore
from hub.county.config import Stream
from hub.county.messages import BroadcastReplyUp, CaseDown, DownMessage, RoutedCaseUp
from hub.county.work import BroadcastIn, Held, RoutedIn

H = TypeVar("H", RoutedIn, BroadcastIn)
UP_STREAM = {"cases": Stream.COUNTY_CASES, "broadcasts": Stream.BROADCASTS}


class SqlWorkBox(SqlStore):
    """The county's work a town received, on its state database."""

    def __init__(self, url: str, outbox: SqlOutbox) -> None:
        super().__init__(url)
        self._outbox = outbox

    def last_seqs(self) -> dict[str, int]:
        """Per stream down, the last sequence held: the town asks for what comes after."""
        query = sa.select(down_in.c.stream, sa.func.max(down_in.c.seq)).group_by(down_in.c.stream)
        with self.engine.connect() as conn:
            return {str(s): int(n) for s, n in conn.execute(query)}

    def keep(self, arrived: list[DownMessage], now: float) -> list[RoutedIn | BroadcastIn]:
        """Keep those not kept yet; returns them."""
        new: list[RoutedIn | BroadcastIn] = []
        with self.engine.begin() as conn:
            for message in arrived:
                held = conn.execute(sa.select(down_in.c.seq).where(down_in.c.stream == message.stream,
                                                                   down_in.c.seq == message.seq)).first()
                if held is not None:
                    continue
                body = message.body
                made: RoutedIn | BroadcastIn = (RoutedIn(seq=message.seq, received_at=now, case=body)
                                                if isinstance(body, CaseDown) else
                                                BroadcastIn(seq=message.seq, received_at=now, request=body))
                conn.execute(down_in.insert().values(stream=message.stream, seq=message.seq, state=made.state,
                                                     body=made.model_dump_json()))
                new.append(made)
        return new

    def all(self, model: type[H]) -> list[H]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(down_in.c.body).where(down_in.c.stream == _stream(model))
                                .order_by(down_in.c.seq.desc())).scalars()
            return [model.model_validate_json(b) for b in rows]

    def get(self, model: type[H], seq: int) -> H:
        with self.engine.connect() as conn:
            return _get(conn, model, seq)

    def answer(self, model: type[H], seq: int, change: Callable[[H], tuple[H, RoutedCaseUp | BroadcastReplyUp]],
               ) -> H:
        """Change the item (*change* raises WorkError if its state does not allow it) and keep its message up,
        together; KeyError without it."""
        stream = _stream(model)
        with self._outbox.writing, self.engine.begin() as conn:
            after, up = change(_get(conn, model, seq))
            conn.execute(down_in.update().where(down_in.c.stream == stream, down_in.c.seq == seq)
                         .values(state=after.state, body=after.model_dump_json()))
            self._outbox.add_in(conn, [(UP_STREAM[stream], up)])
        return after


def _stream(model: type[Held]) -> str:
    return "cases" if model is RoutedIn else "broadcasts"


def _get(conn: sa.Connection, model: type[H], seq: int) -> H:
    body = conn.execute(sa.select(down_in.c.body).where(down_in.c.stream == _stream(model), down_in.c.seq == seq)
                        ).scalar_one_or_none()
    if body is None:
        raise KeyError(seq)
    return model.model_validate_json(body)
