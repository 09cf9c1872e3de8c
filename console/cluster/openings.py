"""The first messages of the feeds a console process serves from the relay, which only the leader's memory holds.

A console process has the leader's dispatch, case, broadcast and call events through the relay, but not the
state they change; so a socket's opening (the active dispatches and the teams, the open cases, the unfinished
broadcast jobs, the open calls) is asked of the leader with the caller's own session, which the leader checks
again with the socket's own roles. The socket subscribes before it asks, and the numbered feeds (dispatch,
cases) skip the changes the opening already holds, as in one process. While no core process leads, a new socket
is closed with 1012 and the page reconnects; sockets already open stay open through a failover.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, NoReturn

import httpx
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp
from starlette.websockets import WebSocket, WebSocketDisconnect

from console.auth import STAFF, WATCHERS, role_in
from console.wsfeed import M, Opening
from hub.users.model import Principal, Role

ASK_TIMEOUT_S = 10.0
SERVICE_RESTART = 1012
FORWARDED_HEADERS = ("cookie", "authorization")  # who the caller is; the leader judges the rest itself


@dataclass(frozen=True, slots=True)
class Opened:
    """A feed whose opening the leader gives: its app.state name and its socket's roles."""

    state: str
    roles: tuple[Role, ...]


OPENED = {"dispatch": Opened("dispatch_feed", STAFF), "cases": Opened("case_feed", WATCHERS),
          "broadcast": Opened("broadcast_feed", STAFF), "calls": Opened("call_feed", WATCHERS)}
openings_router = APIRouter()


def path_of(feed: str) -> str:
    return f"/api/live/{feed}/opening"


def _route(opened: Opened) -> Any:
    allowed: Any = role_in(*opened.roles)  # a default, not an Annotated alias: the roles are this closure's

    async def opening(request: Request, principal: Principal = allowed) -> Response:
        first: BaseModel = await getattr(request.app.state, opened.state).opening(request, principal)
        return Response(first.model_dump_json(), media_type="application/json")

    opening.__doc__ = f"The first message of the {opened.state.removesuffix('_feed')} socket for the caller, as "\
        "the leader's memory has it: asked by console processes."
    return opening


for _feed, _opened in OPENED.items():
    openings_router.add_api_route(path_of(_feed), _route(_opened), methods=["GET"], include_in_schema=False)


class LeaderOpenings:
    """A console process's openings: each asked of the leader through its way to the leader (*leader*)."""

    def __init__(self, leader: ASGIApp) -> None:
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=leader), base_url="http://console")

    def of(self, feed: str, model: type[M]) -> Opening[M]:
        async def ask(conn: HTTPConnection, principal: Principal) -> M:
            headers = {name: value for name in FORWARDED_HEADERS if (value := conn.headers.get(name))}
            try:
                answer = await asyncio.wait_for(self._client.get(path_of(feed), headers=headers), ASK_TIMEOUT_S)
            except (httpx.HTTPError, TimeoutError) as exc:
                await _unanswered(conn, type(exc).__name__)
            if answer.status_code != 200:
                await _unanswered(conn, str(answer.status_code))
            return model.model_validate_json(answer.content)

        return ask

    async def close(self) -> None:
        await self._client.aclose()


async def _unanswered(conn: HTTPConnection, why: str) -> NoReturn:
    """The leader did not give the opening (it is changing, or refused): the socket closes, for the page to retry."""
    if isinstance(conn, WebSocket):
        await conn.close(SERVICE_RESTART, f"the leader did not answer ({why}); reconnect")
    raise WebSocketDisconnect(SERVICE_RESTART)
