"""A console process as the hub starts it: every request passed through to the core leader."""

from __future__ import annotations

import httpx

from adapters.cluster.proxy import LeaderDirectory, proxy_app
from hub.context import HubContext
from hub.webserver import EmbeddedServer


class ConsoleProxy:
    """A console process's HTTP server: every request to the core leader (adapters.cluster.proxy)."""

    name = "console"

    def __init__(self, ctx: HubContext) -> None:
        settings = ctx.settings
        if settings.state_url is None:
            raise ValueError("the console role needs GRIDHUB_STATE_URL on PostgreSQL, to find the leader")
        self._directory = LeaderDirectory(settings.state_url, ctx.town.town.id, settings.name())
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(30.0, read=None), follow_redirects=False)
        self._server = EmbeddedServer(ctx, proxy_app(self._directory, self._client), "console")

    @property
    def url(self) -> str:
        return self._server.url

    async def start(self) -> None:
        await self._server.start()

    async def stop(self) -> None:
        await self._server.stop()
        await self._client.aclose()
        await self._directory.close()
