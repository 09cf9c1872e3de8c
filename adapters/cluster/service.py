"""The cluster's services as the hub starts them: the ingest worker's shares, the leader's log, a console."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import httpx
import uvicorn

from adapters.cluster.proxy import LeaderDirectory, proxy_app
from hub.context import HubContext

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the hub decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ConsoleProxy:
    """A console process's HTTP server: every request to the core leader (adapters.cluster.proxy)."""

    name = "console"

    def __init__(self, ctx: HubContext) -> None:
        settings = ctx.settings
        if settings.state_url is None:
            raise ValueError("the console role needs GRIDHUB_STATE_URL on PostgreSQL, to find the leader")
        self._directory = LeaderDirectory(settings.state_url, ctx.town.town.id, settings.name())
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(30.0, read=None), follow_redirects=False)
        config = uvicorn.Config(proxy_app(self._directory, self._client), host=settings.http_host,
                                port=settings.http_port, log_level="warning", lifespan="off", ws="websockets-sansio",
                                proxy_headers=settings.forwarded_allow_ips() is not None,
                                forwarded_allow_ips=settings.forwarded_allow_ips(),
                                timeout_graceful_shutdown=3)
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None
        self.url = ""

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(), name="gridhub-console-proxy")
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("console: server stopped before it started")
            await asyncio.sleep(0.02)
        host, port = self._server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"http://{host}:{port}/"

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._client.aclose()
        await self._directory.close()
