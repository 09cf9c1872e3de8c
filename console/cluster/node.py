"""A console process (`gridhub run --role console`): serves what it can from shared state, passes the rest on.

It serves the pages and their assets, the series reads (from the shared series store) and the alert, readings,
dispatch, case, broadcast and call sockets (from the leader's feeds through the relay), checking each caller's
session in the shared sessions table with the leader's own routes and rules. Actions, and every read that needs
the leader's memory, go to the leader (hub.cluster.LeaderProxy), and so do the sockets of one call and of the
patrol phones (the leader counts the phones online).
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI
from fastapi.responses import FileResponse
from starlette.routing import BaseRoute, Match, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from console.alerts.feed import alert_feed_router
from console.alerts.routes import alerts_router
from console.app import PAGES, STATIC, Feed
from console.broadcast.feed import BroadcastFeed, broadcast_feed_router
from console.broadcast.schemas import BroadcastSnapshot
from console.calls.feed import CallFeed, CallHello, call_feed_router
from console.cases.feed import CaseFeed, CaseSnapshot, case_feed_router
from console.cluster.feeds import RelayedAlertFeed, RelayedLive, RelayListener
from console.cluster.openings import OPENED, LeaderOpenings
from console.cluster.reads import STORE_READS, store_reads_router
from console.devices import devices_router
from console.dispatch.feed import CentreHello, DispatchFeed, dispatch_feed_router
from console.screen.feed import live_router
from console.screen.routes import screen_router
from hub.cluster import LeaderProxy
from hub.context import HubContext
from hub.webserver import EmbeddedServer

# Reads answered here from shared state: the series and device events (the shared series store), and who is
# signed in (the shared sessions table), which every page asks first; the alerts list and the teams
# (console.cluster.reads) from the state store.
LOCAL_READS = frozenset({"/api/readings", "/api/device-events", "/api/screen/session"})
# The relayed feeds' sockets served here (/ws/phone is not: the leader counts the phones online).
LOCAL_SOCKETS = frozenset({"/ws/dispatch", "/ws/cases", "/ws/broadcast", "/ws/calls"})


def _local_routes() -> list[BaseRoute]:
    routes = [*alert_feed_router.routes, *live_router.routes, *store_reads_router.routes]
    routes += [r for r in alerts_router.routes if getattr(r, "path", None) in STORE_READS]
    for router in (dispatch_feed_router, case_feed_router, broadcast_feed_router, call_feed_router):
        routes += [r for r in router.routes if getattr(r, "path", None) in LOCAL_SOCKETS]
    for router in (devices_router, screen_router):
        routes += [r for r in router.routes if getattr(r, "path", None) in LOCAL_READS
                   or (isinstance(r, Mount) and r.path.startswith("/vendor/"))]
    return routes


def relayed_feeds(ctx: HubContext, openings: LeaderOpenings) -> dict[str, Feed]:
    """The leader's own feed classes, hearing this process's bus, with their openings asked of the leader; by the
    feed's name on the relay."""
    return {"dispatch": DispatchFeed(ctx, openings.of("dispatch", CentreHello)),
            "cases": CaseFeed(ctx, openings.of("cases", CaseSnapshot)),
            "broadcast": BroadcastFeed(ctx, openings.of("broadcast", BroadcastSnapshot)),
            "calls": CallFeed(ctx, openings.of("calls", CallHello))}


def local_app(ctx: HubContext, alerts: RelayedAlertFeed, live: RelayedLive, feeds: Mapping[str, Feed]) -> FastAPI:
    """What a console process answers itself."""
    app = FastAPI(title="gridhub console process", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = ctx
    app.state.alert_feed = alerts
    app.state.live = live
    for name, feed in feeds.items():
        setattr(app.state, OPENED[name].state, feed)
    app.router.routes.extend(_local_routes())
    for url, folder in PAGES.items():
        app.mount(url, StaticFiles(directory=STATIC / folder, html=True), name=folder)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.get("/", include_in_schema=False)(lambda: FileResponse(STATIC / "index.html"))
    return app


def split(local: FastAPI, leader: ASGIApp) -> ASGIApp:
    """*local* for what one of its routes answers in full, *leader* for the rest (a POST to a local read path
    too, which the leader refuses as it always has)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ours = scope["type"] not in ("http", "websocket") or any(
            route.matches(scope)[0] is Match.FULL for route in local.router.routes)
        await (local if ours else leader)(scope, receive, send)

    return app


class ConsoleNode:
    """The console process's server, its feeds' listener and its way to the leader."""

    name = "console"

    def __init__(self, ctx: HubContext) -> None:
        town = ctx.town.town.id
        self._proxy: LeaderProxy = ctx.registry.leader_proxy()(ctx.settings, town)
        self._openings = LeaderOpenings(self._proxy)
        self.alerts, self.live = RelayedAlertFeed(ctx), RelayedLive()
        self.feeds = relayed_feeds(ctx, self._openings)
        self.listener = RelayListener(ctx.registry.feed_relay()(ctx.settings, town), self.alerts, self.live, ctx.bus,
                                      {name: feed.fanout for name, feed in self.feeds.items()})
        self.app = local_app(ctx, self.alerts, self.live, self.feeds)
        self._server = EmbeddedServer(ctx, split(self.app, self._proxy), "console")

    @property
    def url(self) -> str:
        return self._server.url

    async def start(self) -> None:
        await self.listener.start()
        await self._server.start()

    async def stop(self) -> None:
        await self._server.stop()
        await self.listener.stop()
        for feed in self.feeds.values():
            feed.fanout.close()
        await self._openings.close()
        await self._proxy.close()
