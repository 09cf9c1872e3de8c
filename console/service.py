"""Serve the console with uvicorn inside the hub's event loop."""

from __future__ import annotations

from console.app import create_app
from console.cluster.publisher import FeedPublisher
from hub.context import HubContext
from hub.settings import Role
from hub.webserver import EmbeddedServer


class ConsoleService:
    """The HTTP and WebSocket server of the console; on a core leader, also its live feeds to console processes."""

    name = "console"

    def __init__(self, ctx: HubContext) -> None:
        self.app = create_app(ctx)
        self._server = EmbeddedServer(ctx, self.app, "console", lifespan="on")
        self._publisher = (FeedPublisher(ctx, ctx.registry.feed_relay()(ctx.settings, ctx.town.town.id))
                           if ctx.settings.role is Role.CORE else None)

    @property
    def url(self) -> str:
        return self._server.url

    async def start(self) -> None:
        if self._publisher is not None:
            await self._publisher.start()
        await self._server.start()

    async def stop(self) -> None:
        await self._server.stop()
        if self._publisher is not None:
            await self._publisher.stop()
