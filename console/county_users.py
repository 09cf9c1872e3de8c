"""A county hub's accounts: sign-in as in a town, and the county admin's accounts and audit log.

The sign-in, sign-out and who-am-I routes are the town console's own; the accounts routes are the county
admin's, and the accounts they make have county roles only (the hub's UserService refuses others).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from console.auth import resolve, role_in
from console.bounds import Seq
from console.deps import Ctx
from console.users.routes import audit, login, logout, me
from console.users.schemas import AuditPublic, Me, UserCreate, UserEdit, UserPublic
from hub.users.model import Principal, Role, User
from hub.users.service import UserError

county_users_router = APIRouter(tags=["county accounts"])
county_users_router.add_api_route("/api/auth/login", login, methods=["POST"])
county_users_router.add_api_route("/api/auth/logout", logout, methods=["POST"], status_code=204)
county_users_router.add_api_route("/api/auth/me", me, methods=["GET"])
CountyAdmin = Annotated[Principal, role_in(Role.county_admin)]


@county_users_router.get("/api/county/session")
async def session(request: Request) -> Me | None:
    """Who is signed in, or null: the screen asks it before its sign-in form, so it never answers 401."""
    principal = await resolve(request)
    return Me.of(principal) if principal is not None else None


@county_users_router.get("/api/users")
async def list_users(ctx: Ctx, principal: CountyAdmin) -> list[UserPublic]:
    """Every county account."""
    return [UserPublic.of(u) for u in sorted((await ctx.users.reload()).values(), key=lambda u: u.username)]


@county_users_router.post("/api/users", status_code=201)
async def create_user(ctx: Ctx, principal: CountyAdmin, body: UserCreate) -> UserPublic:
    """Add a county account: a county admin or a county duty officer (county_officer)."""
    return UserPublic.of(await _refused(ctx.users.create(body.username, body.password, body.name, body.role,
                                                         body.village, grids=body.grids)))


@county_users_router.patch("/api/users/{username}")
async def edit_user(ctx: Ctx, principal: CountyAdmin, username: str, body: UserEdit) -> UserPublic:
    """Rename, change role, disable, or set a new password (the last three sign the account out)."""
    if username == principal.username and (body.disabled or (body.role and body.role is not Role.county_admin)):
        raise HTTPException(409, "an admin cannot disable or demote their own account")
    return UserPublic.of(await _refused(ctx.users.update(username, **body.model_dump(exclude_unset=True))))


@county_users_router.get("/api/audit")
async def county_audit(ctx: Ctx, principal: CountyAdmin, username: str | None = None, since: float | None = None,
                       before_seq: Seq | None = None,
                       limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditPublic]:
    """The county hub's audit log, newest first: every change and every sign-in, allowed or not."""
    return await audit(ctx, principal, username, since, before_seq, limit)


async def _refused(change: Awaitable[User]) -> User:
    try:
        return await change
    except (UserError, ValueError) as exc:
        raise HTTPException(422, str(exc)) from None


