"""An ingest worker's station ports: HJ 212 and SL 651 stations dial in to the holder of their protocol's share.

Each protocol's stations form one share (hub.shards), so one worker at a time listens on its port; when that
worker dies the share, and with it the port, moves to another, and the stations dial again. The worker keeps
one set of station links and one command log for its life (shares come and go) and sends the commands the
leader asks for through them (adapters.cluster.commands).
"""

from __future__ import annotations

from adapters.cluster.commands import CommandRelay
from adapters.command_store import SqlCommandStore
from adapters.hj212.config import Hj212Config
from adapters.hj212.mqtt import Hj212PayloadDecoder
from adapters.hj212.server import hj212_server
from adapters.mqtt.router import PayloadDecoder
from adapters.sl651.config import Sl651Config
from adapters.sl651.mqtt import Sl651PayloadDecoder
from adapters.sl651.server import sl651_server
from adapters.station_links import StationLinks
from hub.context import HubContext
from hub.registry import Service
from hub.shards import HJ212_KEY, SL651_KEY, shard_of

KEYS = {"hj212": HJ212_KEY, "sl651": SL651_KEY}


class StationPorts:
    """The station servers of the shares a worker holds, and the relay of the leader's commands to them."""

    def __init__(self, ctx: HubContext, url: str) -> None:
        self._ctx = ctx
        self.hj212: Hj212Config = ctx.sections.get("hj212", Hj212Config())
        self.sl651: Sl651Config = ctx.sections.get("sl651", Sl651Config())
        protocols = {d.id: d.adapter for d in ctx.town.devices if d.adapter in KEYS}
        self._protocols = set(protocols.values())
        self.links = StationLinks(SqlCommandStore(url), ctx.clock, protocols)
        self.links.users += 1  # held for the worker's life: its servers come and go with their shares
        self.relay = CommandRelay(url, ctx.town.town.id, ctx.settings.name(), self.links, protocols)

    async def start(self) -> None:
        self._ctx.metrics.add_collector(self.links.collector)
        await self.relay.start()

    async def stop(self) -> None:
        await self.relay.stop()
        await self.links.close()

    def decoders(self) -> list[tuple[str, PayloadDecoder]]:
        """The gateway topics of both protocols with their decoders (each goes with its protocol's share)."""
        hj212 = Hj212PayloadDecoder(self._ctx.town, self.hj212)
        sl651 = Sl651PayloadDecoder(self._ctx.town, self.sl651, self._ctx.async_device_event)
        return [*((topic, hj212) for topic in hj212.topics), *((topic, sl651) for topic in sl651.topics)]

    def edges(self, shard: int) -> list[Service]:
        """The station servers *shard* brings (none for most shares); their commands are served from now on."""
        edges: list[Service] = []
        if "hj212" in self._owned(shard) and self.hj212.listen is not None:
            edges.append(hj212_server(self._ctx, self.hj212, self.hj212.listen, self.links))
            self.relay.serving.add("hj212")
        if "sl651" in self._owned(shard):
            edges.append(sl651_server(self._ctx, self.sl651, self.links))
            self.relay.serving.add("sl651")
        return edges

    def lost(self, shard: int) -> None:
        """*shard*'s servers stopped: the leader's commands to their stations are another worker's."""
        self.relay.serving -= self._owned(shard)

    def _owned(self, shard: int) -> set[str]:
        """The protocols whose stations (there are some) belong to *shard*."""
        return {p for p in self._protocols if shard_of(KEYS[p], self._ctx.settings.shards) == shard}
