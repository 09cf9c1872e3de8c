"""Who is calling: sessions (cookie or bearer token) and phone tokens, resolved to a `Principal` with a scope.

Routes ask for one of the aliases below by name; each refuses a caller outside its roles with 401 (not
signed in) or 403 (signed in, not allowed). WebSockets close with 4401 or 4403 for the same reasons.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, WebSocket
from starlette.requests import HTTPConnection

from console.origin import cross_site
from hub.context import HubContext
from hub.users.model import Principal, Role

COOKIE = "gridhub_session"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WS_NOT_SIGNED_IN = 4401
WS_FORBIDDEN = 4403


def token_of(conn: HTTPConnection) -> tuple[str | None, bool]:
    """The caller's token and whether it came from the session cookie."""
    bearer = conn.headers.get("authorization", "")
    if bearer.lower().startswith("bearer "):
        return bearer[7:].strip(), False
    if conn.scope["type"] == "websocket" and conn.query_params.get("token"):
        return conn.query_params["token"], False  # phones cannot set headers on a WebSocket
    return conn.cookies.get(COOKIE), True


async def resolve(conn: HTTPConnection) -> Principal | None:
    """The principal behind the connection's token: a console session, else a patrol phone."""
    token, _ = token_of(conn)
    if not token:
        return None
    ctx: HubContext = conn.app.state.ctx
    principal = await ctx.users.principal(token)
    if principal is not None:
        return principal
    member = await ctx.dispatch.member_of(token)
    if member is None:
        return None
    return Principal(member.id, member.member.name, Role.patrol, team=member.team.id)


async def signed_in(request: Request) -> Principal:
    principal = await resolve(request)
    if principal is None:
        raise HTTPException(401, "sign in first", headers={"WWW-Authenticate": "Bearer"})
    request.state.principal = principal  # for the audit log
    # Only the cookie travels with a request another site's page makes (SameSite=Strict aside, for older
    # browsers); a bearer token is sent by the program holding it.
    if token_of(request)[1] and request.method in UNSAFE:
        refuse_cross_site(request)
    return principal


def refuse_cross_site(request: Request) -> None:
    """Refuse (403) a request another site's page made, noting which header told in the audit log."""
    if (why := cross_site(request)) is not None:
        before = getattr(request.state, "audit_detail", "")
        request.state.audit_detail = f"{before}; cross-site: {why}" if before else f"cross-site: {why}"
        raise HTTPException(403, "cross-site request refused")


def role_in(*roles: Role) -> object:
    async def check(principal: Annotated[Principal, Depends(signed_in)]) -> Principal:
        if principal.role not in roles:
            raise HTTPException(403, f"not for a {principal.role.value}")
        return principal
    return Depends(check)


Anyone = Annotated[Principal, Depends(signed_in)]
Watcher = Annotated[Principal, role_in(Role.admin, Role.officer, Role.cadre)]  # the console's readers
Staff = Annotated[Principal, role_in(Role.admin, Role.officer)]
Admin = Annotated[Principal, role_in(Role.admin)]
Patrol = Annotated[Principal, role_in(Role.patrol)]


def in_village(principal: Principal, village: str | None) -> None:
    """Refuse a cadre something of another village."""
    if not principal.sees_village(village):
        raise HTTPException(403, "outside your village")


async def ws_admit(websocket: WebSocket, *roles: Role) -> Principal | None:
    """Accept the socket; close it and return None unless its caller has one of *roles*."""
    principal = await resolve(websocket)
    await websocket.accept()
    if principal is None:
        await websocket.close(WS_NOT_SIGNED_IN, "sign in first")
        return None
    if principal.role not in roles:
        await websocket.close(WS_FORBIDDEN, f"not for a {principal.role.value}")
        return None
    if cross_site(websocket) is not None:  # a socket's handshake carries the cookie whichever page opens it
        await websocket.close(WS_FORBIDDEN, "cross-site socket refused")
        return None
    return principal


WATCHERS = (Role.admin, Role.officer, Role.cadre)
STAFF = (Role.admin, Role.officer)
