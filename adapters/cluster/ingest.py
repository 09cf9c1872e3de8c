"""An ingest worker: the device shares it leases, each with its own broker session, derived series and health."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from adapters.cluster.leases import ShardLeases
from adapters.cluster.stations import StationPorts
from adapters.jsonmap import JsonAdapterConfig
from adapters.mqtt.router import MqttRouter
from adapters.mqtt.service import IngestShare, MqttIngestService
from hub.context import HubContext
from hub.derived import derived_history
from hub.registry import Service
from hub.shards import devices_of, shard_of
from hub.tasks import TaskSet

log = logging.getLogger(__name__)


class IngestWorker:
    """Leases device shares and runs, for each share it holds, the edges of that share's devices."""

    name = "ingest-shares"

    def __init__(self, ctx: HubContext) -> None:
        settings = ctx.settings
        if settings.state_url is None:
            raise ValueError("the ingest role needs GRIDHUB_STATE_URL on PostgreSQL")
        self._ctx = ctx
        self._stations = StationPorts(ctx, settings.state_url)
        self._router = MqttRouter(ctx.town, ctx.sections.get("json", JsonAdapterConfig()), settings.max_payload_bytes,
                                  self._stations.decoders())
        self._topics: defaultdict[int, list[str]] = defaultdict(list)
        for topic, key in self._router.keyed_subscriptions():
            self._topics[shard_of(key, settings.shards)].append(topic)
        self._client_base = f"gridhub-{ctx.town.town.id}-share"
        self._edges: dict[int, list[Service]] = {}
        self._leases = ShardLeases(settings.state_url, ctx.town.town.id, settings.name(), settings.shards,
                                   self._gain, self._lose)
        self._tasks = TaskSet()

    async def start(self) -> None:
        await self._stations.start()
        self._tasks.spawn(self._leases.run(), name="gridhub-shard-leases")

    async def stop(self) -> None:
        await self._tasks.cancel()
        await self._leases.release_all()
        await self._stations.stop()

    async def _gain(self, shard: int) -> None:
        ctx = self._ctx
        devices = devices_of(ctx.town.devices, shard, ctx.settings.shards)
        ids = [d.id for d in devices]
        history = await asyncio.to_thread(derived_history, ctx.store, devices, ctx.clock(),
                                          ctx.settings.rise_window_s)
        ctx.intake.prime(history, ids)
        ctx.health.async_watch(ids)
        edges: list[Service] = []
        if self._topics.get(shard):
            share = IngestShare(f"{self._client_base}-{shard}", tuple(self._topics[shard]), self._router)
            edges.append(MqttIngestService(ctx, share=share))
        edges += self._stations.edges(shard)
        for edge in edges:
            await edge.start()
        self._edges[shard] = edges
        log.info("ingest: took share %d (%d devices, %d topics)", shard, len(ids), len(self._topics.get(shard, ())))

    async def _lose(self, shard: int) -> None:
        for edge in reversed(self._edges.pop(shard, [])):
            try:
                await edge.stop()
            except Exception:
                log.exception("ingest: stopping %s of share %d failed", edge.name, shard)
        self._stations.lost(shard)
        self._ctx.health.async_unwatch(d.id for d in devices_of(self._ctx.town.devices, shard,
                                                                self._ctx.settings.shards))
        log.info("ingest: gave up share %d", shard)
