"""A console process's way to the core leader: every request it does not answer itself, passed through."""

from __future__ import annotations

import httpx
from starlette.types import Receive, Scope, Send

from adapters.cluster.proxy import LeaderDirectory, proxy_app
from hub.settings import HubSettings


class LeaderLink:
    """LeaderProxy: HTTP requests and sockets to the leader's console, found in PostgreSQL (adapters.cluster.proxy)."""

    def __init__(self, settings: HubSettings, town_id: str) -> None:
        if settings.state_url is None:
            raise ValueError("the console role needs GRIDHUB_STATE_URL on PostgreSQL, to find the leader")
        self._directory = LeaderDirectory(settings.state_url, town_id, settings.name())
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(30.0, read=None), follow_redirects=False)
        self._app = proxy_app(self._directory, self._client)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)

    async def close(self) -> None:
        await self._client.aclose()
        await self._directory.close()
