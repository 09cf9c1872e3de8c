"""REST under /api/gridwork/notices: templates, the grids one may reach, a preview, sending, and the log.

The centre sends to any grid, a cadre to their village's grids; grid workers and patrols send none (403). Robot
keys never leave the hub: a delivery shows its robot's address with the key cut short.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from console.auth import role_in
from console.gridwork.routes import Gridwork
from console.register.routes import refused, run
from hub.gridwork.notice_config import NoticeTemplate
from hub.gridwork.notices import NoticeFields, NoticeRecord, Preview, Target
from hub.users.model import Principal, Role

notices_router = APIRouter(tags=["gridwork"])
Sender = Annotated[Principal, role_in(Role.admin, Role.officer, Role.cadre)]  # grid workers send none


@notices_router.get("/api/gridwork/notices/templates")
async def templates(gridwork: Gridwork, principal: Sender) -> dict[str, NoticeTemplate]:
    """The town file's notice templates: text with {field} placeholders and each field's label."""
    return await run(gridwork.notices.templates, principal)


@notices_router.get("/api/gridwork/notices/grids")
async def grids(gridwork: Gridwork, principal: Sender) -> list[Target]:
    """The grids the caller may notify, each with whether its WeChat group has a robot."""
    return await run(gridwork.notices.grids, principal)


@notices_router.post("/api/gridwork/notices/preview")
async def preview(gridwork: Gridwork, principal: Sender, body: NoticeFields) -> Preview:
    """The message as the groups will read it, and the grids chosen; nothing is sent."""
    return await run(gridwork.notices.preview, principal, body)


@notices_router.post("/api/gridwork/notices", status_code=201)
async def send(gridwork: Gridwork, principal: Sender, body: NoticeFields) -> NoticeRecord:
    """Send a notice to the chosen grids' groups; each delivery is retried until its robot takes it."""
    return await refused(gridwork.notices.send(principal, body))


@notices_router.get("/api/gridwork/notices")
async def notice_log(gridwork: Gridwork, principal: Sender,
                     limit: Annotated[int, Query(ge=1, le=100)] = 50) -> list[NoticeRecord]:
    """What went where, newest first: each notice with its deliveries in the caller's scope."""
    return await run(gridwork.notices.log, principal, limit)


@notices_router.get("/api/gridwork/notices/{notice_id}")
async def notice(gridwork: Gridwork, principal: Sender,
                 notice_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> NoticeRecord:
    return await run(gridwork.notices.record, principal, notice_id)
