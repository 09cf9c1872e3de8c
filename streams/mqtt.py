"""Camera events on the hub's broker: `gridhub/cameras/<id>/<event>` as JSON, QoS 1.

One gmqtt client on the event loop; gmqtt reconnects by itself once connected.
Events published while the broker is away are counted and logged, not queued:
they are in the hub's store and on its bus already, and a late "motion" is
worse than none for a system that reacts to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

import orjson
from gmqtt import Client

from hub.models import DeviceEvent
from hub.settings import MqttSettings

log = logging.getLogger(__name__)
PREFIX = "gridhub/cameras"


def event_payload(event: DeviceEvent) -> bytes:
    """The documented JSON body of one camera event."""
    body: dict[str, object] = {"camera": event.device, "event": event.kind.value, "reason": event.reason,
                               "time": datetime.fromtimestamp(event.ts, UTC).isoformat(timespec="milliseconds")}
    return orjson.dumps(body | event.detail)



class CameraPublisher:
    """Publishes camera events; loop only."""

    def __init__(self, broker: MqttSettings, client_id: str) -> None:
        self._broker = broker
        self._client = Client(client_id, clean_session=True)
        if broker.username is not None:
            self._client.set_auth_credentials(broker.username, broker.password)
        self._client.set_config({"reconnect_retries": -1, "reconnect_delay": 2})
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0
        self._warned = False

    async def start(self, wait_s: float = 5.0) -> None:
        """Connect, waiting a little so that the first events go out; keep trying in the background."""
        self._task = asyncio.create_task(self._connect(), name="camera-mqtt-connect")
        await asyncio.wait({self._task}, timeout=wait_s)

    async def _connect(self) -> None:
        b, delay = self._broker, 1.0
        while True:
            try:
                await self._client.connect(b.host, b.port, ssl=b.ssl_context(), keepalive=b.keepalive_s,
                                           version=b.protocol_level)
                log.info("cameras: publishing events to %s:%d", b.host, b.port)
                return
            except Exception as exc:  # refused or unreachable: the broker may still be starting
                log.info("cameras: broker %s:%d not reachable (%s)", b.host, b.port, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    def publish(self, event: DeviceEvent) -> None:
        if not self._client.is_connected:
            self.dropped += 1
            if not self._warned:  # once per outage: the count is in the next message
                log.warning("cameras: broker away, camera events not published (%d so far)", self.dropped)
            self._warned = True
            return
        if self._warned:
            log.info("cameras: broker back; %d camera events were not published", self.dropped)
        self._warned = False
        self._client.publish(f"{PREFIX}/{event.device}/{event.kind.value}", event_payload(event), qos=1)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client.is_connected:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._client.disconnect(), 5)
