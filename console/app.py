"""The console's FastAPI application: a list of routers, the pages, the live feeds and a lifespan that ends them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from console.alerts.feed import AlertFeed, alert_feed_router
from console.alerts.routes import alerts_router
from console.api_docs import docs_router
from console.audit import AuditMiddleware
from console.broadcast.feed import BroadcastFeed, broadcast_feed_router
from console.broadcast.library import library_router
from console.broadcast.routes import broadcast_router
from console.broadcast.speakers import speakers_router
from console.calls.feed import CallFeed, call_feed_router
from console.calls.routes import calls_router
from console.calls.socket import call_socket_router
from console.calls.town_ca import town_ca_router
from console.cameras import cameras_router
from console.cases.actions import case_actions_router
from console.cases.appointments import appointments_router
from console.cases.feed import CaseFeed, case_feed_router
from console.cases.figures import figures_router
from console.cases.records import records_router
from console.cases.routes import cases_router
from console.cluster.openings import openings_router
from console.county import county_router
from console.county_work import county_work_router
from console.devices import devices_router
from console.dispatch.feed import DispatchFeed, dispatch_feed_router
from console.dispatch.phone import phone_router
from console.dispatch.routes import dispatch_router
from console.fanout import FanOut
from console.gridwork import gridwork_router, notices_router
from console.open311 import open311_router
from console.register import register_router
from console.screen.feed import LiveFeed, live_router
from console.screen.routes import screen_router
from console.station_commands import station_commands_router
from console.users.links import links_router
from console.users.routes import users_router
from hub.context import HubContext

STATIC = Path(__file__).parent / "static"

ROUTERS: tuple[APIRouter, ...] = (
    users_router,
    links_router,
    docs_router,
    live_router,
    alerts_router,
    alert_feed_router,
    dispatch_router,
    phone_router,
    dispatch_feed_router,
    cameras_router,
    broadcast_router,
    broadcast_feed_router,
    library_router,
    speakers_router,
    screen_router,
    cases_router,
    case_actions_router,
    records_router,
    appointments_router,
    figures_router,
    case_feed_router,
    open311_router,
    register_router,
    notices_router,
    gridwork_router,
    station_commands_router,
    calls_router,
    call_feed_router,
    openings_router,
    call_socket_router,
    town_ca_router,
    devices_router,
    county_router,  # last: the town's work with its county comes after its own in the API's documentation
    county_work_router,
)

# URL → folder of console/static served as a page (index.html at the folder's root).
PAGES = {"/m": "phone", "/desk": "desk", "/cases": "cases", "/register": "register", "/call": "call",
         "/gridwork": "gridwork", "/notices": "notices",
         "/campaigns": "campaigns", "/county-work": "countywork"}


class Feed(Protocol):
    fanout: FanOut[Any]


# app.state name → the live feed the routes find there; each listens to the hub's bus from creation.
FEEDS: dict[str, Callable[[HubContext], Feed]] = {
    "live": LiveFeed,
    "alert_feed": AlertFeed,
    "dispatch_feed": DispatchFeed,
    "broadcast_feed": BroadcastFeed,
    "case_feed": CaseFeed,
    "call_feed": CallFeed,
}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The feeds are made with the app, so its routes work from the start; when it stops they leave the bus."""
    yield
    for name in FEEDS:
        feed: Feed = getattr(app.state, name)
        feed.fanout.close()


def create_app(ctx: HubContext) -> FastAPI:
    app = FastAPI(title="gridhub", version="0.1.0", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.ctx = ctx
    app.add_middleware(AuditMiddleware)
    for name, feed in FEEDS.items():
        setattr(app.state, name, feed(ctx))
    for router in ROUTERS:
        app.include_router(router)
    for url, folder in PAGES.items():
        app.mount(url, StaticFiles(directory=STATIC / folder, html=True), name=folder)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.get("/", include_in_schema=False)(lambda: FileResponse(STATIC / "index.html"))
    return app
