"""Serve the console with uvicorn inside the hub's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import uvicorn

from console.app import create_app
from console.tls import server_files
from hub.context import HubContext

log = logging.getLogger(__name__)
# Requests under way get this long to finish when the hub stops; a live MJPEG never finishes by itself, and
# without a limit one browser watching a camera would keep the hub from stopping at all.
GRACE_S = 3  # seconds


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its own signal handling: the hub decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ConsoleService:
    """The HTTP and WebSocket server of the console."""

    name = "console"

    def __init__(self, ctx: HubContext) -> None:
        settings = ctx.settings
        tls = server_files(settings.https, settings.data_dir, ctx.town.town.name, settings.http_host) \
            if settings.https is not None else None
        config = uvicorn.Config(create_app(ctx), host=settings.http_host, port=settings.http_port,
                                log_level="warning", lifespan="off", ws="websockets-sansio",
                                proxy_headers=settings.forwarded_allow_ips() is not None,
                                forwarded_allow_ips=settings.forwarded_allow_ips(),
                                ssl_certfile=tls.cert if tls else None, ssl_keyfile=tls.key if tls else None,
                                timeout_graceful_shutdown=GRACE_S)
        self._server = _EmbeddedServer(config)
        self._task: asyncio.Task[None] | None = None
        self._scheme = "https" if tls else "http"
        if tls is not None:
            log.warning("console over HTTPS; certificate %s, CA fingerprint (SHA-256) %s", tls.cert, tls.fingerprint)
        self.url = ""

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(), name="gridhub-console")
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises why it could not start
                raise RuntimeError("console: server stopped before it started")
            await asyncio.sleep(0.02)
        host, port = self._server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"{self._scheme}://{host}:{port}/"
        log.info("console on %s", self.url)

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
