"""One-time sign-in links for grid workers' phones, as patrol members have: the centre makes one, the phone opens
`/gridwork/#code=…` (or scans its QR code) and is signed in without a password."""

from __future__ import annotations

import io
from datetime import datetime

import segno
from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from console.auth import COOKIE, Staff
from console.deps import Ctx
from console.schemas import at
from console.users.schemas import Me, SignedIn
from hub.users.service import SESSION_IDLE_S, SignInRefused, UserError

links_router = APIRouter(tags=["users"])


class GridLink(BaseModel):
    username: str
    url: str = Field(description="open on the grid worker's phone; valid once")
    qr_svg: str = Field(description="the same link as a QR code (SVG)")
    expires_at: datetime


class LinkCode(BaseModel):
    code: str = Field(min_length=8, max_length=64)


@links_router.post("/api/users/{username}/login-link")
async def login_link(ctx: Ctx, principal: Staff, request: Request, username: str) -> GridLink:
    """A one-time sign-in link (and QR code) for a grid worker's phone."""
    try:
        code, expires = ctx.users.login_code(username)
    except UserError as exc:
        raise HTTPException(422, str(exc)) from None
    url = f"{str(request.base_url).rstrip('/')}/gridwork/#code={code}"
    svg = io.BytesIO()
    segno.make(url, error="m").save(svg, kind="svg", scale=4)
    return GridLink(username=username, url=url, qr_svg=svg.getvalue().decode(), expires_at=at(expires))


@links_router.post("/api/auth/link")
async def sign_in_by_link(ctx: Ctx, request: Request, response: Response, body: LinkCode) -> SignedIn:
    """Exchange a one-time link's code for a session, as a password sign-in gives (the cookie, and the token)."""
    try:
        token, principal = await ctx.users.sign_in_by_code(body.code)
    except SignInRefused as exc:
        raise HTTPException(401, str(exc)) from None
    request.state.principal = principal
    response.set_cookie(COOKIE, token, max_age=SESSION_IDLE_S, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return SignedIn(token=token, user=Me.of(principal))
