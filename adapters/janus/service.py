"""The janus plugin's service: the call store, the SFU on Janus and the hub's call service (offered as `ctx.calls`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from adapters.call_store import SqlCallStore
from adapters.janus.config import JanusSection
from adapters.janus.orphans import end_orphans
from adapters.janus.process import JanusProcess
from adapters.janus.sfu import JanusSfu
from adapters.sql import state_url
from hub.calls.service import CallService
from hub.context import HubContext, Provided


class JanusService:
    """Makes video calls possible; Janus itself starts with the first call (see adapters/janus/sfu.py)."""

    name = "janus"

    def __init__(self, calls: CallService, sfu: JanusSfu, folder: Path) -> None:
        self.calls = calls
        self.sfu = sfu
        self.folder = folder

    def provided(self) -> Provided:
        return Provided(calls=self.calls)

    async def start(self) -> None:
        if self.sfu.process is not None:
            # At once, not at the first call: meanwhile they would hold ports and keep pulling cameras.
            await asyncio.to_thread(end_orphans, self.folder)
        await self.calls.start()

    async def stop(self) -> None:
        # The console stopped first: the participants' sockets are closed and counted as drops, so their pages
        # join again when the hub is back.
        await self.sfu.stop()
        self.calls.store.close()


def janus_service(ctx: HubContext, section: JanusSection) -> JanusService:
    """The hub's call service on this plugin's edges: the SQL call store and the SFU on Janus."""
    settings = ctx.settings
    folder = settings.data_dir / "janus"
    if section.url is not None and section.admin_key is None:
        raise ValueError("adapters.janus.admin_key: an external Janus needs the admin_key its plugins have")
    sfu = JanusSfu(section, folder, JanusProcess(section, folder) if section.url is None else None)
    calls = CallService(ctx.town, section.calls, SqlCallStore(state_url(settings)), ctx.bus, ctx.clock, sfu,
                        ctx.alerts, share_cameras=settings.demo is None)
    return JanusService(calls, sfu, folder)
