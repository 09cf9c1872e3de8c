"""What a county hub keeps of its towns: per stream the last sequence stored, alerts, cases, figures, links.

A batch is stored in one transaction with the sequences it moves on, so a repeat after a lost answer, a restart
of either side or a second try is recognised and acknowledged without being stored twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from adapters.county.intake_store import WRITING, take_reply
from adapters.county.tables import alert_log, alerts, cases, directives, links, received, summaries
from adapters.sql import SqlStore, upsert
from hub.county.config import Stream
from hub.county.inbox import Sorted, sort_batch
from hub.county.linkage import UpstreamWarning
from hub.county.messages import (
    AlertUp,
    BroadcastReplyUp,
    CaseUp,
    DirectiveAckUp,
    DirectiveDown,
    LinkBatch,
    LinkMessage,
    RoutedCaseUp,
    SummaryUp,
)


class SqlCountyStore(SqlStore):
    """The county hub's store on its own state database."""

    def receive(self, town: str, batch: LinkBatch, now: float,
                linkage: Callable[[AlertUp], list[UpstreamWarning]] | None = None) -> Sorted:
        """Store what in *batch* is new, in order, with the warnings *linkage* draws from its alerts (in the same
        transaction: once); returns the split, with the sequences now held."""
        with WRITING, self.engine.begin() as conn:
            held = {Stream(s): int(n) for s, n in conn.execute(
                sa.select(received.c.stream, received.c.last_seq).where(received.c.town == town))}
            split = sort_batch(held, batch.messages)
            for message in split.fresh:
                _store(conn, town, message)
                if linkage is not None and isinstance(message.body, AlertUp):
                    for warning in linkage(message.body):
                        _issue(conn, warning.town, now, title=warning.title, text=warning.text, kind=warning.kind,
                               arrives_at=warning.arrives_at, issued_by=warning.issued_by,
                               upstream=warning.upstream)
            if split.last:
                upsert(conn, received, ["town", "stream"],
                       [{"town": town, "stream": s.value, "last_seq": n} for s, n in split.last.items()])
            upsert(conn, links, "town", [{"town": town, "last_heard": now, "backlog": batch.backlog}])
        return split

    def links(self) -> dict[str, tuple[float, int]]:
        """Per town: when the county last heard it, and the backlog it said it had."""
        with self.engine.connect() as conn:
            return {t: (float(h), int(b)) for t, h, b in conn.execute(sa.select(links))}

    def alerts(self, town: str | None = None, open_only: bool = False) -> list[dict[str, Any]]:
        query = sa.select(alerts.c.town, alerts.c.body).order_by(alerts.c.at.desc())
        if town is not None:
            query = query.where(alerts.c.town == town)
        if open_only:
            query = query.where(alerts.c.state.in_(("raised", "acknowledged", "dispatched")))
        with self.engine.connect() as conn:
            return [{"town": t, **json.loads(b)} for t, b in conn.execute(query)]

    def alert_log(self, town: str, after: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
        """The transitions of *town* in its order, each with its sequence."""
        query = (sa.select(alert_log.c.seq, alert_log.c.body).where(alert_log.c.town == town, alert_log.c.seq > after)
                 .order_by(alert_log.c.seq).limit(limit))
        with self.engine.connect() as conn:
            return [{"seq": int(n), **json.loads(b)} for n, b in conn.execute(query)]

    def cases(self, town: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(cases.c.town, cases.c.body).order_by(cases.c.at.desc())
        if town is not None:
            query = query.where(cases.c.town == town)
        with self.engine.connect() as conn:
            return [{"town": t, **json.loads(b)} for t, b in conn.execute(query)]

    def issue(self, towns: list[str], title: str, text: str, by: str, now: float) -> list[DirectiveDown]:
        """A directive to each of *towns*, numbered; each town receives it on its next request."""
        with self.engine.begin() as conn:
            return [_issue(conn, town, now, title=title, text=text, issued_by=by) for town in towns]

    def pending(self, town: str, after: int, limit: int = 100) -> list[DirectiveDown]:
        """*town*'s directives numbered after *after*, oldest first."""
        query = (sa.select(directives.c.body).where(directives.c.town == town, directives.c.id > after)
                 .order_by(directives.c.id).limit(limit))
        with self.engine.connect() as conn:
            return [DirectiveDown.model_validate_json(b) for b in conn.execute(query).scalars()]

    def directives(self, town: str | None = None) -> list[dict[str, Any]]:
        """Directives issued, newest first, each with its town and who there acknowledged it, when."""
        query = sa.select(directives.c.town, directives.c.body, directives.c.acked_by, directives.c.acked_at
                          ).order_by(directives.c.id.desc())
        if town is not None:
            query = query.where(directives.c.town == town)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [{"town": t, **json.loads(b), "acked_by": by, "acked_at": at} for t, b, by, at in rows]

    def summaries(self) -> dict[str, dict[str, Any]]:
        with self.engine.connect() as conn:
            return {t: json.loads(b) for t, b in conn.execute(sa.select(summaries.c.town, summaries.c.body))}


def _issue(conn: sa.Connection, town: str, now: float, **fields: Any) -> DirectiveDown:
    key = conn.execute(directives.insert().values(town=town, issued_at=now, body="").returning(directives.c.id)
                       ).scalar_one()
    made = DirectiveDown(id=int(key), issued_at=now, **fields)
    conn.execute(directives.update().where(directives.c.id == key).values(body=made.model_dump_json()))
    return made


def _store(conn: sa.Connection, town: str, message: LinkMessage) -> None:
    body = message.body
    text = body.model_dump_json()
    if isinstance(body, AlertUp):
        conn.execute(alert_log.insert().values(town=town, seq=message.seq, alert_id=body.alert_id, body=text))
        upsert(conn, alerts, ["town", "alert_id"], [{"town": town, "alert_id": body.alert_id, "state": body.state,
                                                     "severity": body.severity, "at": body.at, "body": text}])
    elif isinstance(body, CaseUp):
        upsert(conn, cases, ["town", "case_id"], [{"town": town, "case_id": body.case_id, "state": body.state,
                                                   "at": body.at, "body": text}])
    elif isinstance(body, SummaryUp):
        upsert(conn, summaries, "town", [{"town": town, "at": body.at, "body": text}])
    elif isinstance(body, DirectiveAckUp):  # only a directive to this town, and only its first acknowledgement
        conn.execute(directives.update().where(directives.c.id == body.directive_id, directives.c.town == town,
                                               directives.c.acked_at.is_(None)).values(acked_by=body.by,
                                                                                       acked_at=body.at))
    elif isinstance(body, RoutedCaseUp | BroadcastReplyUp):
        take_reply(conn, town, body)
