"""The county hub: the towns' link (HTTPS, client certificates required) and the county's view (HTTP), which
the county's accounts guard (console/county_app.py, found through the plugin registry).

The link takes batches from towns and answers what it holds; the view serves the county's API and page. Two
listeners, because browsers on the county's desks carry no town certificate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request

from adapters.county.county_store import SqlCountyStore
from adapters.county.identity import Peers, Refusals
from adapters.county.intake_store import SqlIntakeStore
from adapters.county.view import view_app
from adapters.user_store import SqlUserStore
from hub.county.config import County
from hub.county.linkage import upstream_water
from hub.county.messages import LinkAck, LinkBatch
from hub.county.tls import server_files
from hub.registry import CountyRoutesFactory, Registry
from hub.users.model import COUNTY_ROLES
from hub.users.service import UserService

log = logging.getLogger(__name__)


def link_app(county: County, store: SqlCountyStore, intake: SqlIntakeStore, peers: Peers,
             refusals: Refusals) -> FastAPI:
    """The towns' side: POST a batch, get back what the county holds."""
    app = FastAPI(title="gridhub county link", docs_url=None, redoc_url=None, openapi_url=None)
    towns = county.town_map()
    lock = asyncio.Lock()  # one batch stored at a time: a town's retry never races its first try

    @app.post("/api/county/link/batch")
    async def batch(request: Request, body: LinkBatch) -> LinkAck:
        client = request.client
        cert = (peers.name_of(client.host, client.port) if client else None) or ""
        if cert not in towns:
            raise refusals.add(cert, body.town, f"the certificate names no town of {county.county.name}")
        if body.town != cert:
            raise refusals.add(cert, body.town, f"this certificate speaks for {cert}, not {body.town}")
        async with lock:
            split = await asyncio.to_thread(store.receive, cert, body, time.time(),
                                            lambda alert: upstream_water(county, cert, alert))
        if split.gaps:
            log.warning("county link: %s skipped sequences %d times (its outbox was lost?)", cert, split.gaps)
        news, down = await asyncio.to_thread(lambda: (store.pending(cert, body.directives_after),
                                                      intake.down(cert, body.down_after)))
        return LinkAck(acked=split.last, stored=len(split.fresh), repeats=split.repeats, directives=news, down=down)

    return app


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the process decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Listener:
    """One uvicorn server in this event loop."""

    def __init__(self, config: uvicorn.Config, scheme: str) -> None:
        self._server = _Server(config)
        self._scheme = scheme
        self._task: asyncio.Task[None] | None = None
        self.url = ""

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("server stopped before it started")
            await asyncio.sleep(0.02)
        host, port = self._server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"{self._scheme}://{host}:{port}/"

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class CountyHub:
    """The county process's service: its store, the link and the view."""

    name = "county"

    def __init__(self, county: County, state_url: str, data_dir: Path, http_host: str, http_port: int,
                 routes: Sequence[CountyRoutesFactory] = ()) -> None:
        self.county = county
        self.store = SqlCountyStore(state_url)
        self.intake = SqlIntakeStore(state_url, county.county.timezone)
        self.refusals = Refusals()
        peers = Peers()
        tls = server_files(data_dir, county)
        log.warning("county link over HTTPS; county CA %s, fingerprint (SHA-256) %s", tls.ca, tls.fingerprint)
        self.link = Listener(uvicorn.Config(
            link_app(county, self.store, self.intake, peers, self.refusals), host=county.link.host,
            port=county.link.port,
            log_level="warning", lifespan="off", http=peers.protocol(), ssl_certfile=tls.cert, ssl_keyfile=tls.key,
            ssl_ca_certs=str(tls.ca), ssl_cert_reqs=ssl.CERT_REQUIRED, timeout_graceful_shutdown=3), "https")
        # The view behind the county's accounts (console/county_app.py): county_admin and county_officer only;
        # the plugins' public routes (Open311 with its API keys) beside it.
        self.users = UserService(SqlUserStore(state_url), set(), roles=COUNTY_ROLES)
        public = [make(county, self.intake) for make in routes]
        app = Registry.discover().county_console()(county, view_app(county, self.store, self.intake, self.refusals),
                                                   self.store, self.users, self.intake, public)
        self.view = Listener(uvicorn.Config(app, host=http_host,
                                            port=http_port, log_level="warning", lifespan="off",
                                            timeout_graceful_shutdown=3), "http")
        self.url = ""

    async def start(self) -> None:
        await self.users.start()
        await self.link.start()
        try:
            await self.view.start()
        except BaseException:
            await self.link.stop()
            raise
        self.url = self.view.url
        log.info("county %s: link %s, view %s", self.county.county.id, self.link.url, self.view.url)

    async def stop(self) -> None:
        await self.view.stop()
        await self.link.stop()
        self.intake.close()
        self.store.close()
        self.users.store.close()
