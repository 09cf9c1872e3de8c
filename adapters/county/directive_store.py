"""A town's directives from its county: kept once each as they arrive; an acknowledgement kept with its message up.

Directives arrive in the county's answers, numbered by the county; the town asks for those after the last it
holds, so each is kept once and in order however often the answer is repeated.
"""

from __future__ import annotations

import sqlalchemy as sa

from adapters.county.outbox_store import SqlOutbox
from adapters.county.tables import directives_in
from adapters.sql import SqlStore
from hub.county.config import Stream
from hub.county.directives import DirectiveIn
from hub.county.messages import DirectiveAckUp, DirectiveDown


class SqlDirectiveBox(SqlStore):
    """The directives a town received, on its state database."""

    def __init__(self, url: str, outbox: SqlOutbox) -> None:
        super().__init__(url)
        self._outbox = outbox

    def last_id(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(directives_in.c.id), 0))).scalar_one())

    def keep(self, arrived: list[DirectiveDown], now: float) -> list[DirectiveIn]:
        """Keep those not kept yet; returns them."""
        if not arrived:
            return []
        with self.engine.begin() as conn:
            held = set(conn.execute(sa.select(directives_in.c.id).where(
                directives_in.c.id.in_([d.id for d in arrived]))).scalars())
            new = [DirectiveIn(**d.model_dump(), received_at=now) for d in arrived if d.id not in held]
            if new:
                conn.execute(directives_in.insert(), [{"id": d.id, "body": d.model_dump_json()} for d in new])
        return new

    def all(self) -> list[DirectiveIn]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(directives_in.c.body).order_by(directives_in.c.id.desc())).scalars()
            return [DirectiveIn.model_validate_json(body) for body in rows]

    def acknowledge(self, directive_id: int, actor: str, now: float) -> DirectiveIn:
        """The first acknowledgement is kept, and its message up with it; a second changes nothing."""
        with self._outbox.writing, self.engine.begin() as conn:
            body = conn.execute(sa.select(directives_in.c.body).where(directives_in.c.id == directive_id)
                                ).scalar_one_or_none()
            if body is None:
                raise KeyError(directive_id)
            held = DirectiveIn.model_validate_json(body)
            if held.acked_at is not None:
                return held
            acked = held.model_copy(update={"acked_by": actor, "acked_at": now})
            conn.execute(directives_in.update().where(directives_in.c.id == directive_id)
                         .values(body=acked.model_dump_json()))
            self._outbox.add_in(conn, [(Stream.DIRECTIVES, DirectiveAckUp(directive_id=directive_id, by=actor,
                                                                          at=now))])
        return acked
