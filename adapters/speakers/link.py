"""The hub's MQTT link to its loudspeakers (gmqtt, on the event loop).

Commands from the bus go out on each speaker's `cmd` topic; status and results
come back onto the bus. Every live status message counts as the speaker being
heard (handed to the hub's health tracker as a status report), a retained one
does not: it may be the state of a speaker long gone. A fault in a status
becomes a FAULT device event, its end FAULT_CLEARED, recorded like the others.
A command published while the broker is away is lost; its receipt then fails
by its acknowledgement timeout, which is what the duty officer must see.

The link speaks MQTT 3.1.1 whatever the hub's protocol, and its commands go
through an OutgoingQueue: a broadcast to a county is more commands at once than
a broker lets be unacknowledged (Mosquitto: 20), and gmqtt raises instead of waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from gmqtt import Client
from gmqtt.mqtt.constants import MQTTv311

from adapters.mqtt.ingest_client import MAX_BACKOFF_S
from adapters.mqtt.outgoing import Outgoing, OutgoingQueue
from adapters.mqtt.publisher import publishing_client
from adapters.speakers import wire
from adapters.speakers.config import SpeakerMqttConfig
from hub.broadcast.model import PlayCommand, SpeakerState, SpeakerStatus, StatusQuery, StopCommand, VolumeCommand
from hub.context import HubContext
from hub.models import DeviceEvent, DeviceEventKind, DeviceStatusReport, IngestBatch
from hub.tasks import TaskSet

log = logging.getLogger(__name__)
EDGE = "speaker-mqtt"
FLUSH_S = 0.2  # status reports are handed to health in small batches, not one recorder trip each
MAX_REPORTS = 10000  # reports waiting for the next flush; beyond that a heartbeat is dropped (the next one counts)


class SpeakerLink:
    """Publishes speaker commands and turns speakers' messages into hub events."""

    name = "speaker-link"

    def __init__(self, ctx: HubContext, config: SpeakerMqttConfig, audio_base: str) -> None:
        self._ctx = ctx
        self._config = config
        self._audio_base = audio_base
        self._broker = ctx.settings.broker()
        speakers = [d for d in ctx.town.devices if d.adapter == "speaker-mqtt" and d.address]
        self._address = {d.id: d.address or "" for d in speakers}
        self._device = {d.address: d.id for d in speakers}
        self._faults: dict[str, str] = {}
        self._reports: list[DeviceStatusReport] = []
        self.dropped_reports = 0
        base = ctx.settings.client_id(ctx.town.town.id)
        self._client, acks = publishing_client(self._broker, f"{base}-speakers")
        self._commands = OutgoingQueue(self._client, acks, "speakers", ctx.metrics)
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message
        self._tasks = TaskSet()
        self._unsubscribe: list[Callable[[], None]] = []
        self.connected = asyncio.Event()

    async def start(self) -> None:
        bus = self._ctx.bus
        self._unsubscribe = [bus.subscribe(PlayCommand, self._send), bus.subscribe(StopCommand, self._send),
                             bus.subscribe(VolumeCommand, self._send), bus.subscribe(StatusQuery, self._send)]
        for coro in (self._connect_until_up(), self._flush_forever()):
            self._tasks.spawn(coro)
        self._commands.start()

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        await self._tasks.cancel()
        await self._commands.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._client.disconnect(), 5)
        await self._flush()

    async def _connect_until_up(self) -> None:
        b, delay = self._broker, 1.0
        while True:
            try:
                await self._client.connect(b.host, b.port, ssl=b.ssl_context(), keepalive=b.keepalive_s,
                                           version=MQTTv311)
                return
            except Exception as exc:  # refused, unreachable, TLS: all worth another try
                log.warning("speakers: cannot connect to %s:%d (%s); again in %.0f s", b.host, b.port, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF_S)

    def _on_connect(self, client: Client, _flags: int, result: int, _properties: Any) -> None:
        if result != 0:
            log.error("speakers: broker refused the connection: %s", result)
            return
        prefix = self._config.topic_prefix
        client.subscribe(wire.topic(prefix, "+", "status"), qos=1)
        client.subscribe(wire.topic(prefix, "+", "result"), qos=1)
        self.connected.set()
        log.info("speakers: connected, %d speakers under %s/", len(self._address), prefix)

    def _send(self, command: PlayCommand | StopCommand | VolumeCommand | StatusQuery) -> None:
        address = self._address.get(command.speaker)
        if address is None:
            log.warning("speakers: no address for %s", command.speaker)
            return
        if not self._client.is_connected:  # a late command is worse than none: its receipt fails by its timeout
            log.warning("speakers: command to %s not sent: not connected", command.speaker)
            return
        payload = wire.encode(command, self._config.capability(command.speaker), self._audio_base, self._ctx.clock())
        if self._commands.offer(Outgoing(wire.topic(self._config.topic_prefix, address, "cmd"), payload)) is None:
            log.warning("speakers: command to %s not sent: too many waiting", command.speaker)

    def _on_message(self, _client: Client, topic: str, payload: bytes, _qos: int, properties: Any) -> int:
        parts = topic.rsplit("/", 2)
        device = self._device.get(parts[-2]) if len(parts) == 3 else None
        if device is None:
            return 0
        now = time.time()  # receipt time, like the ingest edge: device health runs on the wall clock
        if parts[-1] == "result":
            result = wire.decode_result(device, payload, now)
            if result is not None:
                self._ctx.bus.async_publish(result)
                self._heard(device, now)
        else:
            status = wire.decode_status(device, payload, now)
            if status is not None:
                self._on_status(status, retained=bool(properties.get("retain")))
        return 0

    def _on_status(self, status: SpeakerStatus, retained: bool) -> None:
        if status.state is SpeakerState.OFFLINE:
            self._report(DeviceStatusReport(status.speaker, False, status.ts, EDGE))
        elif not retained:
            self._heard(status.speaker, status.ts)
        self._fault_events(status)
        self._ctx.bus.async_publish(status)

    def _heard(self, device: str, now: float) -> None:
        self._report(DeviceStatusReport(device, True, now, EDGE))

    def _report(self, report: DeviceStatusReport) -> None:
        if len(self._reports) >= MAX_REPORTS:
            self.dropped_reports += 1
            return
        self._reports.append(report)

    def _fault_events(self, status: SpeakerStatus) -> None:
        was = self._faults.get(status.speaker)
        if status.state is SpeakerState.FAULT and was is None:
            self._faults[status.speaker] = status.fault
            self._device_event(DeviceEvent(status.speaker, DeviceEventKind.FAULT, status.ts, status.fault or "fault",
                                           {"fault": status.fault}))
        elif status.state in (SpeakerState.IDLE, SpeakerState.PLAYING) and was is not None:
            del self._faults[status.speaker]
            self._device_event(DeviceEvent(status.speaker, DeviceEventKind.FAULT_CLEARED, status.ts, "reported",
                                           {"fault": was}))

    def _device_event(self, event: DeviceEvent) -> None:
        log.info("device %s %s (%s)", event.device, event.kind.value, event.reason)
        self._ctx.recorder.add_event(event)
        self._ctx.bus.async_publish(event)

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_S)
            await self._flush()

    async def _flush(self) -> None:
        if self._reports:
            reports, self._reports = self._reports, []
            batch = IngestBatch((), status_reports=tuple(reports), messages=len(reports), received=time.time())
            await self._ctx.intake.async_submit(batch, EDGE)
