"""The county's console: sign-in, county accounts and the county screen around the county hub's view.

The view (adapters/county/view.py: its API and pages of the towns) is included whole behind the county roles; a
browser not signed in is sent to sign in, a caller with a token of no county role is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from console.audit import AuditMiddleware
from console.auth import signed_in
from console.county_screen import STATIC, AckFigures, county_screen_router
from console.county_users import county_users_router
from console.screen.routes import LIBRARIES
from hub.county.config import County
from hub.county.intake import CountyIntake
from hub.county.reader import CountyReader
from hub.users.model import COUNTY_ROLES, Principal
from hub.users.service import UserService


class _NoPhones:
    """A county has no patrol phones: no token is a phone's."""

    async def member_of(self, token: str) -> None:
        return None


@dataclass
class CountyState:
    """What console.auth and console.audit read of the hub they serve: its accounts (and phones: none)."""

    users: UserService
    county: County
    reader: CountyReader
    intake: CountyIntake | None = None
    acks: AckFigures = field(default_factory=AckFigures)
    dispatch: _NoPhones = field(default_factory=_NoPhones)


async def county_staff(request: Request) -> Principal:
    """A county account: a browser not signed in is sent to sign in first, an API caller answered 401."""
    try:
        principal = await signed_in(request)
    except HTTPException as exc:
        if exc.status_code == 401 and not request.url.path.startswith("/api/"):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise HTTPException(303, "sign in first", headers={"Location": f"/county/screen/?next={quote(target)}"}
                                ) from None
        raise
    if principal.role not in COUNTY_ROLES:
        raise HTTPException(403, f"not for a {principal.role.value}")
    return principal


CountyStaff = Annotated[Principal, Depends(county_staff)]


def county_console(county: County, view: FastAPI, reader: CountyReader, users: UserService,
                   intake: CountyIntake | None = None, public: Sequence[APIRouter] = ()) -> FastAPI:
    """The county hub's HTTP app: the view's routes for county accounts only, plus sign-in, accounts and screen;
    *public* routes (Open311's, whose callers hold API keys, not accounts) are served as they are."""
    app = FastAPI(title=f"gridhub county {county.county.id}", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = CountyState(users, county, reader, intake)
    app.add_middleware(AuditMiddleware)
    app.get("/", include_in_schema=False)(lambda: RedirectResponse("/county/screen/"))
    app.include_router(county_users_router)
    app.include_router(county_screen_router)
    # The view has API routes only (no docs or schema route, which no dependency would guard).
    app.include_router(view.router, dependencies=[Depends(county_staff)])
    for router in public:
        app.include_router(router)
    app.mount("/county/screen", StaticFiles(directory=STATIC, html=True), name="county-screen")
    app.mount("/vendor/leaflet", StaticFiles(directory=LIBRARIES["leaflet"], check_dir=False), name="vendor-leaflet")
    return app
