"""An ASGI app served by uvicorn inside the hub's event loop, on the console's address: the console itself, or a
console process's pass-through to the leader (adapters.cluster), over HTTPS when the hub is set to."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from typing import Literal

import uvicorn
from starlette.types import ASGIApp

from hub.context import HubContext
from hub.tls import server_files

log = logging.getLogger(__name__)
# Requests under way get this long to finish when the hub stops; a live MJPEG never finishes by itself, and
# without a limit one browser watching a camera would keep the hub from stopping at all.
GRACE_S = 3  # seconds


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its own signal handling: the hub decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class EmbeddedServer:
    """An ASGI app on the console's address, started and stopped by the hub."""

    def __init__(self, ctx: HubContext, app: ASGIApp, name: str, lifespan: Literal["on", "off"] = "off") -> None:
        settings = ctx.settings
        tls = server_files(settings.https, settings.data_dir, ctx.town.town.name, settings.http_host) \
            if settings.https is not None else None
        config = uvicorn.Config(app, host=settings.http_host, port=settings.http_port,
                                log_level="warning", lifespan=lifespan, ws="websockets-sansio",
                                proxy_headers=settings.forwarded_allow_ips() is not None,
                                forwarded_allow_ips=settings.forwarded_allow_ips(),
                                ssl_certfile=tls.cert if tls else None, ssl_keyfile=tls.key if tls else None,
                                timeout_graceful_shutdown=GRACE_S)
        self._server = _EmbeddedServer(config)
        self._task: asyncio.Task[None] | None = None
        self._scheme = "https" if tls else "http"
        self._name = name
        if tls is not None:
            log.warning("%s over HTTPS; certificate %s, CA fingerprint (SHA-256) %s", name, tls.cert, tls.fingerprint)
        self.url = ""

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(), name=f"gridhub-{self._name}")
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises why it could not start
                raise RuntimeError(f"{self._name}: server stopped before it started")
            await asyncio.sleep(0.02)
        host, port = self._server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"{self._scheme}://{host}:{port}/"
        log.info("%s on %s", self._name, self.url)

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
