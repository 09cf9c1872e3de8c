"""The hub's own messages to other systems (`gridhub/…`, e.g. camera events), for edges without an MQTT client.

One gmqtt client of its own on the event loop, every message through one
OutgoingQueue. Offered to the rest of the hub as `ctx.outbound`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from gmqtt import Client

from adapters.mqtt.ingest_client import MAX_BACKOFF_S
from adapters.mqtt.outgoing import AckedStorage, Outgoing, OutgoingQueue
from hub.context import HubContext, Provided
from hub.settings import MqttSettings
from hub.tasks import TaskSet

log = logging.getLogger(__name__)
DRAIN_S = 5.0  # at stop, how long what is queued may take to be acknowledged


def publishing_client(broker: MqttSettings, client_id: str) -> tuple[Client, AckedStorage]:
    """A client that reconnects by itself, and the store that tells when each of its publishes is acknowledged."""
    acks = AckedStorage()
    client = Client(client_id, clean_session=True, persistent_storage=acks)
    if broker.username is not None:
        client.set_auth_credentials(broker.username, broker.password)
    client.set_config({"reconnect_retries": -1, "reconnect_delay": 2})
    return client, acks


async def connect_until_up(client: Client, broker: MqttSettings, what: str) -> None:
    """The first connection, with backoff (the broker may still be starting); gmqtt reconnects after it."""
    b, delay = broker, 1.0
    while True:
        try:
            await client.connect(b.host, b.port, ssl=b.ssl_context(), keepalive=b.keepalive_s,
                                 version=b.protocol_level)
            log.info("%s: publishing to %s:%d", what, b.host, b.port)
            return
        except Exception as exc:  # refused, unreachable, TLS failure: all worth another try
            log.info("%s: broker %s:%d not reachable (%s); again in %.0f s", what, b.host, b.port, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_S)


class HubPublisher:
    """Publishes what edges offer through `ctx.outbound`, QoS 1."""

    name = "mqtt-out"

    def __init__(self, ctx: HubContext) -> None:
        self._ctx = ctx
        self._broker = ctx.settings.broker()
        client_id = f"{ctx.settings.client_id(ctx.town.town.id)}-out"
        self._client, acks = publishing_client(self._broker, client_id)
        self.queue = OutgoingQueue(self._client, acks, "hub", ctx.metrics)
        self._tasks = TaskSet()

    async def start(self) -> None:
        # No waiting for the broker: what is offered meanwhile waits in the queue.
        self._tasks.spawn(connect_until_up(self._client, self._broker, "mqtt out"))
        self.queue.start()

    def offer(self, topic: str, payload: bytes, retain: bool = False) -> bool:
        return self.queue.offer(Outgoing(topic, payload, 1, retain)) is not None

    def provided(self) -> Provided:
        return Provided(outbound=self)

    async def stop(self) -> None:
        await self.queue.stop(DRAIN_S if self._client.is_connected else 0.0)
        await self._tasks.cancel()
        with contextlib.suppress(Exception):  # also ends a reconnect in progress
            await asyncio.wait_for(self._client.disconnect(), 5)
