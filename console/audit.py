"""The audit log's middleware: every change asked of the API, and every sign-in, with who, what and the answer."""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.context import HubContext
from hub.users.model import AuditEntry, Principal

log = logging.getLogger(__name__)
READS = frozenset({"GET", "HEAD", "OPTIONS"})
TELEMETRY = frozenset({"/api/phone/location"})  # a phone's position every 30 s is kept on its team, not here


class AuditMiddleware:
    """Records each non-read /api request as it is answered, allowed or refused."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] in READS or not scope["path"].startswith("/api/")
                or scope["path"] in TELEMETRY):
            await self.app(scope, receive, send)
            return
        recorded = False

        async def send_recorded(message: Message) -> None:
            nonlocal recorded
            if message["type"] == "http.response.start" and not recorded:
                # Before the answer leaves: a client that reads the log once answered finds its own action there.
                recorded = True
                await _record(scope, message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_recorded)
        finally:
            if not recorded:  # the app failed before answering
                await _record(scope, 500)


async def _record(scope: Scope, status: int) -> None:
    ctx: HubContext = scope["app"].state.ctx
    state: dict[str, Any] = scope.get("state", {})
    principal: Principal | None = state.get("principal")
    client = scope.get("client")
    entry = AuditEntry(ts=time.time(), username=principal.username if principal else None,
                       role=principal.role if principal else None,
                       action=f"{scope['method']} {_route_of(scope)}", target=scope["path"], status=status,
                       ip=client[0] if client else "unknown", detail=state.get("audit_detail", ""))
    try:
        await ctx.users.record(entry)
    except Exception:  # the action itself is done; a failed audit write must be seen in the log
        log.exception("audit entry not stored: %s", entry)


def _route_of(scope: Scope) -> str:
    """The route's template (/api/alerts/{alert_id}/acknowledge) so the log groups actions by kind."""
    for route in iter_route_contexts(scope["app"].routes):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(route.path or scope["path"])
    return str(scope["path"])
