"""Serve the console with uvicorn inside the hub's event loop."""

from __future__ import annotations

from console.app import create_app
from hub.context import HubContext
from hub.webserver import EmbeddedServer


class ConsoleService:
    """The HTTP and WebSocket server of the console."""

    name = "console"

    def __init__(self, ctx: HubContext) -> None:
        self.app = create_app(ctx)
        self._server = EmbeddedServer(ctx, self.app, "console", lifespan="on")

    @property
    def url(self) -> str:
        return self._server.url

    async def start(self) -> None:
        await self._server.start()

    async def stop(self) -> None:
        await self._server.stop()
