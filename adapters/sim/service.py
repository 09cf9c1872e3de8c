"""The demo's simulated stations: one MQTT client per station, with its own last will."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from adapters.hj212.config import Hj212Config
from adapters.mqtt.client import connect_async, make_client
from adapters.sim.hj212 import Hj212Simulators
from adapters.sim.sl651 import Sl651Simulators
from adapters.sim.stations import SimStation, rain_rate, vendor_of
from adapters.sl651.config import Sl651Config
from hub.context import HubContext
from hub.settings import DemoSettings

log = logging.getLogger(__name__)


class SimulatorService:
    """Publishes the sample town's station reports at the demo's pace."""

    name = "simulators"

    def __init__(self, ctx: HubContext) -> None:
        assert ctx.settings.demo is not None
        self._demo: DemoSettings = ctx.settings.demo
        self._broker = ctx.settings.broker()
        self._stations = [SimStation.create(d, vendor, seed=i) for i, d in enumerate(ctx.town.devices)
                          if (vendor := vendor_of(d)) is not None]
        self._clients = [self._client(s) for s in self._stations]
        self._clock = ctx.clock
        self._hj212 = Hj212Simulators(ctx.town.devices, ctx.sections.get("hj212", Hj212Config()), self._demo,
                                      ctx.clock)
        self.sl651 = Sl651Simulators(ctx.town.devices, ctx.sections.get("sl651", Sl651Config()), self._demo,
                                      ctx.clock, ZoneInfo(ctx.town.town.timezone))
        self._task: asyncio.Task[None] | None = None

    def _client(self, station: SimStation) -> mqtt.Client:
        availability = station.device.availability
        client = make_client(self._broker, f"sim-{station.device.id}",
                             will_topic=availability.topic if availability else None)

        def on_connect(c: mqtt.Client, _u: Any, _f: Any, reason: ReasonCode, _p: Any = None) -> None:
            if availability is not None and not reason.is_failure:
                c.publish(availability.topic, availability.online, qos=1, retain=True)

        client.on_connect = on_connect
        return client

    async def start(self) -> None:
        for client in self._clients:
            connect_async(client, self._broker)
            client.loop_start()
        self._task = asyncio.create_task(self._run(), name="gridhub-simulators")
        self._hj212.start()
        self.sl651.start()
        log.info("demo: %d simulated stations over MQTT, %d over HJ 212, %d over SL 651, scenario %s, ×%g speed",
                 len(self._stations), len(self._hj212), len(self.sl651), self._demo.scenario.value, self._demo.speed)

    async def stop(self) -> None:
        await self._hj212.stop()
        await self.sl651.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await asyncio.to_thread(self._disconnect)

    def _disconnect(self) -> None:
        for station, client in zip(self._stations, self._clients, strict=True):
            availability = station.device.availability
            if availability is not None and client.is_connected():
                client.publish(availability.topic, availability.offline, qos=1, retain=True).wait_for_publish(1)
            client.disconnect()
            client.loop_stop()

    async def _run(self) -> None:
        await asyncio.sleep(1.0)  # let the clients connect
        begin = last = self._clock()
        while True:
            # The town's clock (fast while the demo replays its lead, then real) says how much rain fell.
            now = self._clock()
            step_h, hours, last = (now - last) / 3600, (now - begin) / 3600, now
            stamp = datetime.fromtimestamp(now, UTC)
            for station, client in zip(self._stations, self._clients, strict=True):
                station.advance(step_h, rain_rate(self._demo.scenario, hours, station.rng))
                client.publish(station.topic(), orjson.dumps(station.payload(stamp)), qos=1)
            await asyncio.sleep(self._demo.interval_s / self._demo.speed)
