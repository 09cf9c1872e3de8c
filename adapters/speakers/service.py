"""The speaker plugin's service: the hub's broadcast service on its edges (store, speech, recordings), and the
MQTT link."""

from __future__ import annotations

import logging

from adapters.broadcast_store import SqlBroadcastStore
from adapters.speakers.config import SpeakerMqttConfig
from adapters.speakers.link import SpeakerLink
from adapters.speakers.recordings import FileRecordingShelf
from adapters.speakers.sim import SpeakerFleet
from adapters.speakers.tts import EspeakSynthesizer
from adapters.sql import state_url
from hub.broadcast.service import BroadcastService
from hub.context import HubContext, Provided
from hub.health import DeviceState

log = logging.getLogger(__name__)


class SpeakerService:
    """Runs broadcasting: the hub's broadcast service (offered as `ctx.broadcast`) and its MQTT link."""

    name = "speaker-mqtt"

    def __init__(self, ctx: HubContext, config: SpeakerMqttConfig, broadcast: BroadcastService) -> None:
        settings = ctx.settings
        self.broadcast = broadcast
        audio_base = (config.audio_base_url or settings.console_url
                      or f"http://{settings.http_host}:{settings.http_port}")
        self.link = SpeakerLink(ctx, config, audio_base)

    def provided(self) -> Provided:
        return Provided(broadcast=self.broadcast)

    async def start(self) -> None:
        await self.link.start()
        await self.broadcast.start()

    async def stop(self) -> None:
        await self.broadcast.stop()
        await self.link.stop()
        self.broadcast.store.close()


def broadcast_service(ctx: HubContext, config: SpeakerMqttConfig) -> BroadcastService:
    """The hub's broadcast service on this plugin's edges: the SQL store, espeak-ng and the recordings folder."""
    settings = ctx.settings

    def healthy(speaker: str) -> bool:
        health = ctx.health.get(speaker)
        return health is None or health.state is not DeviceState.OFFLINE

    return BroadcastService(ctx.town, config, SqlBroadcastStore(state_url(settings)),
                            EspeakSynthesizer(settings.files() / "tts", config.tts_voice, config.tts_speed_wpm),
                            ctx.bus, ctx.clock, healthy, settings.state_give_up_s,
                            FileRecordingShelf(settings.files() / "recordings"))


class SpeakerSimService:
    """The demo's simulated speakers: every speaker-mqtt device of the town, one client each."""

    name = "speaker-sim"

    def __init__(self, ctx: HubContext, config: SpeakerMqttConfig) -> None:
        addresses = [d.address for d in ctx.town.devices if d.adapter == "speaker-mqtt" and d.address]
        self.fleet = SpeakerFleet(ctx.settings.broker(), addresses, config.topic_prefix, per_client=1,
                                  heartbeat_s=60.0)

    async def start(self) -> None:
        await self.fleet.start()
        log.info("demo: %d simulated loudspeakers", len(self.fleet.speakers))

    async def stop(self) -> None:
        await self.fleet.stop()
