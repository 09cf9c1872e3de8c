"""Sign-in and sign-out, the accounts admins manage, and the audit log admins read."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response

from console.auth import COOKIE, Admin, Anyone, refuse_cross_site, token_of
from console.bounds import Seq
from console.deps import Ctx
from console.users.schemas import AuditPublic, Credentials, Me, SignedIn, UserCreate, UserEdit, UserPublic
from hub.users.model import AuditQuery, Role, User
from hub.users.service import SESSION_IDLE_S, SignInRefused, UserError

users_router = APIRouter(tags=["users"])


def address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@users_router.post("/api/auth/login")
async def login(ctx: Ctx, request: Request, response: Response, body: Credentials) -> SignedIn:
    """Sign in with a password; five failures in five minutes lock the account for a while (429)."""
    request.state.audit_detail = f"username={body.username}"
    # Another site's page must not sign a browser in (to an account of its choosing) any more than act for it.
    refuse_cross_site(request)
    try:
        token, principal = await ctx.users.sign_in(body.username, body.password, address(request))
    except SignInRefused as exc:
        if exc.note:
            request.state.audit_detail += f"; {exc.note}"
        status = 401 if exc.retry_after is None else 429
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        raise HTTPException(status, str(exc), headers=headers) from None
    request.state.principal = principal
    response.set_cookie(COOKIE, token, max_age=SESSION_IDLE_S, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return SignedIn(token=token, user=Me.of(principal))


@users_router.post("/api/auth/logout", status_code=204)
async def logout(ctx: Ctx, request: Request, response: Response, principal: Anyone) -> None:
    """End this session."""
    token, _ = token_of(request)
    if token:
        await ctx.users.sign_out(token)
    response.delete_cookie(COOKIE)


@users_router.get("/api/auth/me")
async def me(principal: Anyone) -> Me:
    """Who is signed in, with their role and scope."""
    return Me.of(principal)


@users_router.get("/api/users")
async def list_users(ctx: Ctx, principal: Admin) -> list[UserPublic]:
    """Every console account."""
    return [UserPublic.of(u) for u in sorted((await ctx.users.reload()).values(), key=lambda u: u.username)]


@users_router.post("/api/users", status_code=201)
async def create_user(ctx: Ctx, principal: Admin, body: UserCreate) -> UserPublic:
    """Add an account: an admin, a duty officer, or a village cadre with their village."""
    return UserPublic.of(await _refused(ctx.users.create(body.username, body.password, body.name, body.role,
                                                         body.village, grids=body.grids)))


@users_router.patch("/api/users/{username}")
async def edit_user(ctx: Ctx, principal: Admin, username: str, body: UserEdit) -> UserPublic:
    """Rename, change role or village, disable, or set a new password (the last four sign the account out)."""
    if username == principal.username and (body.disabled or (body.role and body.role is not Role.admin)):
        raise HTTPException(409, "an admin cannot disable or demote their own account")
    return UserPublic.of(await _refused(ctx.users.update(username, **body.model_dump(exclude_unset=True))))


@users_router.get("/api/audit")
async def audit(ctx: Ctx, principal: Admin, username: str | None = None, since: float | None = None,
                before_seq: Seq | None = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditPublic]:
    """The audit log, newest first: every change made through the API and every sign-in, allowed or not."""
    entries = await ctx.users.audit(AuditQuery(username=username, since=since, before_seq=before_seq, limit=limit))
    return [AuditPublic.of(e) for e in entries]


async def _refused(change: Awaitable[User]) -> User:
    try:
        return await change
    except (UserError, ValueError) as exc:
        raise HTTPException(422, str(exc)) from None
