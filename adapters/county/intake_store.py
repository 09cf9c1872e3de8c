"""The county's cases and broadcast requests on its state database, and what it sends each town down.

A routing and the message down that carries it are kept in one transaction; so is a town's reply with the batch
that brought it (SqlCountyStore.receive calls `take_reply`). The messages down are numbered per town and stream,
from 1, and a town asks for those after the last it holds: each arrives once, in order, however often it asks.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from adapters.county.tables import broadcasts, down, intake, intake_steps
from adapters.sql import SqlStore
from hub.county.intake import (
    BroadcastNew,
    BroadcastRequest,
    IntakeCase,
    IntakeNew,
    Step,
    answered,
    broadcast_answered,
    route,
)
from hub.county.messages import BroadcastDown, BroadcastReplyUp, DownBody, DownMessage, RoutedCaseUp

log = logging.getLogger(__name__)
# One writer of county cases, steps and messages down at a time in the process: each numbers after the last.
WRITING = threading.Lock()


class SqlIntakeStore(SqlStore):
    """Cases taken at the county, their steps, broadcast requests, and the towns' messages down."""

    def __init__(self, url: str, timezone: str = "Asia/Shanghai") -> None:
        super().__init__(url)
        self._tz = ZoneInfo(timezone)

    def take(self, new: IntakeNew, now: float) -> IntakeCase:
        """Register a case taken at the county, numbered by the county's date (20261208-0001)."""
        with WRITING, self.engine.begin() as conn:
            key = int(conn.execute(intake.insert().values(state="received", updated_at=now, body="")
                                   .returning(intake.c.id)).scalar_one())
            day = dt.datetime.fromtimestamp(now, self._tz).strftime("%Y%m%d")
            case = IntakeCase(**new.model_dump(), id=key, number=f"{day}-{key:04d}", received_at=now, updated_at=now)
            _save(conn, case)
            _step(conn, Step(seq=1, action="receive", by=new.received_by, at=now, state=case.state, note=new.source),
                  case.id)
        return case

    def route(self, case_id: int, town: str, by: str, note: str, now: float) -> IntakeCase:
        """Route the case to *town*: KeyError without it, IntakeError if its state does not allow it."""
        with WRITING, self.engine.begin() as conn:
            case = _case(conn, case_id)
            routed, step, message = route(case, town, by, note, now, _next_step(conn, case_id))
            _save(conn, routed)
            _step(conn, step, case_id)
            _send(conn, town, "cases", message)
        return routed

    def cases(self, state: str | None = None, town: str | None = None) -> list[IntakeCase]:
        query = sa.select(intake.c.body).order_by(intake.c.id.desc())
        if state is not None:
            query = query.where(intake.c.state == state)
        if town is not None:
            query = query.where(intake.c.town == town)
        with self.engine.connect() as conn:
            return [IntakeCase.model_validate_json(b) for b in conn.execute(query).scalars()]

    def case(self, case_id: int) -> tuple[IntakeCase, list[Step]]:
        with self.engine.connect() as conn:
            case = _case(conn, case_id)
            rows = conn.execute(sa.select(intake_steps.c.body).where(intake_steps.c.case_id == case_id)
                                .order_by(intake_steps.c.seq)).scalars()
            return case, [Step.model_validate_json(b) for b in rows]

    def request_broadcast(self, new: BroadcastNew, now: float) -> list[BroadcastRequest]:
        """One request per town, each sent down to its town."""
        made = []
        with WRITING, self.engine.begin() as conn:
            for town in new.towns:
                key = int(conn.execute(broadcasts.insert().values(town=town, state="requested", body="")
                                       .returning(broadcasts.c.id)).scalar_one())
                message = BroadcastDown(request_id=key, text=new.text, villages=new.villages, priority=new.priority,
                                        repeat=new.repeat, requested_by=new.requested_by, requested_at=now)
                held = BroadcastRequest(id=key, town=town, request=message)
                conn.execute(broadcasts.update().where(broadcasts.c.id == key).values(body=held.model_dump_json()))
                _send(conn, town, "broadcasts", message)
                made.append(held)
        return made

    def broadcasts(self, town: str | None = None) -> list[BroadcastRequest]:
        query = sa.select(broadcasts.c.body).order_by(broadcasts.c.id.desc())
        if town is not None:
            query = query.where(broadcasts.c.town == town)
        with self.engine.connect() as conn:
            return [BroadcastRequest.model_validate_json(b) for b in conn.execute(query).scalars()]

    def down(self, town: str, after: dict[str, int], limit: int = 100) -> list[DownMessage]:
        """*town*'s messages down after the last it holds of each stream, in order per stream."""
        found: list[DownMessage] = []
        with self.engine.connect() as conn:
            for stream in ("cases", "broadcasts"):
                query = (sa.select(down.c.body).where(down.c.town == town, down.c.stream == stream,
                                                      down.c.seq > after.get(stream, 0))
                         .order_by(down.c.seq).limit(limit))
                found += [DownMessage.model_validate_json(b) for b in conn.execute(query).scalars()]
        return found


def take_reply(conn: sa.Connection, town: str, reply: RoutedCaseUp | BroadcastReplyUp) -> bool:
    """Apply *town*'s reply in the caller's transaction (hold WRITING); False, logged, when it is not the town's
    to give: a case not routed to it now, a request not its own, an answer out of turn."""
    taken = _case_reply(conn, town, reply) if isinstance(reply, RoutedCaseUp) else _broadcast_reply(conn, town, reply)
    if not taken:
        log.warning("county: ignored %s from %s: not routed to it now, or out of turn", reply.model_dump_json(), town)
    return taken


def _case_reply(conn: sa.Connection, town: str, reply: RoutedCaseUp) -> bool:
    body = conn.execute(sa.select(intake.c.body).where(intake.c.id == reply.case_id)).scalar_one_or_none()
    if body is None:
        return False
    result = answered(IntakeCase.model_validate_json(body), town, reply, _next_step(conn, reply.case_id))
    if result is None:
        return False
    _save(conn, result[0])
    _step(conn, result[1], reply.case_id)
    return True


def _broadcast_reply(conn: sa.Connection, town: str, reply: BroadcastReplyUp) -> bool:
    body = conn.execute(sa.select(broadcasts.c.body).where(broadcasts.c.id == reply.request_id,
                                                           broadcasts.c.town == town)).scalar_one_or_none()
    request = broadcast_answered(BroadcastRequest.model_validate_json(body), reply) if body is not None else None
    if request is None:
        return False
    conn.execute(broadcasts.update().where(broadcasts.c.id == reply.request_id)
                 .values(state=request.state, body=request.model_dump_json()))
    return True


def _case(conn: sa.Connection, case_id: int) -> IntakeCase:
    body = conn.execute(sa.select(intake.c.body).where(intake.c.id == case_id)).scalar_one_or_none()
    if body is None:
        raise KeyError(case_id)
    return IntakeCase.model_validate_json(body)


def _save(conn: sa.Connection, case: IntakeCase) -> None:
    conn.execute(intake.update().where(intake.c.id == case.id).values(
        state=case.state.value, town=case.town, updated_at=case.updated_at, body=case.model_dump_json()))


def _next_step(conn: sa.Connection, case_id: int) -> int:
    last = conn.execute(sa.select(sa.func.max(intake_steps.c.seq)).where(intake_steps.c.case_id == case_id))
    return int(last.scalar_one() or 0) + 1


def _step(conn: sa.Connection, step: Step, case_id: int) -> None:
    conn.execute(intake_steps.insert().values(case_id=case_id, seq=step.seq, body=step.model_dump_json()))


def _send(conn: sa.Connection, town: str, stream: str, body: DownBody) -> None:
    last = conn.execute(sa.select(sa.func.max(down.c.seq)).where(down.c.town == town, down.c.stream == stream))
    seq = int(last.scalar_one() or 0) + 1
    message = DownMessage(stream=stream, seq=seq, body=body)  # type: ignore[arg-type]
    conn.execute(down.insert().values(town=town, stream=stream, seq=seq, body=message.model_dump_json()))

