"""MQTT ingest: subscribe with QoS 1 on a persistent session, decode, hand batches to the hub.

The client (gmqtt) runs on the event loop: each message is decoded into the
current batch as it arrives; full or stale batches go to the recorder from a
flusher task. When the recorder's queue is full the flusher waits and, past a
few batches, the socket is paused, so the broker keeps the rest of our session.
A message is acknowledged (PUBACK) only once the batch it went into is committed,
so a crash loses nothing: the broker delivers what was not acknowledged again, and
the store keys readings so that a second delivery changes nothing (see README,
"Delivery guarantees").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gmqtt import Client

from adapters.jsonmap import JsonAdapterConfig
from adapters.mqtt.ingest_client import (
    MAX_BACKOFF_S,
    OFFLINE,
    ONLINE,
    STATUS_TOPIC,
    make_ingest_client,
    take_qos1,
)
from adapters.mqtt.outgoing import AckedStorage, Outgoing, OutgoingQueue
from adapters.mqtt.router import BatchBuilder, MqttRouter, PayloadDecoder
from hub.context import HubContext
from hub.models import IngestBatch
from hub.tasks import TaskSet

log = logging.getLogger(__name__)
EDGE = "mqtt"
MAX_READY_BATCHES = 4  # decoded batches waiting for the recorder before the socket is paused
COMMIT_WAIT_S = 10.0  # at stop, how long batches handed in may take to commit before we disconnect
STATUS_WAIT_S = 2.0  # at stop, how long "offline" on gridhub/status may take to be written


@dataclass(frozen=True)
class IngestShare:
    """One leased share of the devices: its own broker session (client id) and the topics it subscribes to."""

    client_id: str
    topics: tuple[str, ...]
    router: MqttRouter


def _resolver(done: asyncio.Future[None]) -> Callable[[], None]:
    """A callback for the recorder's thread that completes *done* on its loop."""
    loop = done.get_loop()

    def settle() -> None:
        if not done.done():
            done.set_result(None)

    def resolve() -> None:
        loop.call_soon_threadsafe(settle)

    return resolve


class MqttIngestService:
    """The hub's MQTT edge for device feeds."""

    name = "mqtt"

    def __init__(self, ctx: HubContext, decoders: Sequence[tuple[str, PayloadDecoder]] = (),
                 share: IngestShare | None = None) -> None:
        self._ctx = ctx
        self._settings = ctx.settings.broker()
        config = ctx.sections.get("json", JsonAdapterConfig())
        self._router = share.router if share else MqttRouter(ctx.town, config, ctx.settings.max_payload_bytes,
                                                               decoders)
        self._share = share
        self.client_id = share.client_id if share else ctx.settings.client_id(ctx.town.town.id)
        acks = AckedStorage()
        self._client = make_ingest_client(self._settings, self.client_id, acks, announce=share is None)
        self._status = OutgoingQueue(self._client, acks, "status", ctx.metrics)
        # Batches whose messages wait for their commit to be acknowledged; each leaves once committed.
        ctx.metrics.watch_queue("mqtt-awaiting-commit", lambda: float(len(self._uncommitted)))
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message  # QoS 0: nothing to acknowledge
        self._puback = take_qos1(self._client, self._on_qos1)
        self._batch = BatchBuilder()
        self._batch_started = 0.0
        self._started = asyncio.Event()  # a batch has begun: the flusher hands it in once the loop is free
        self._batch_mids: list[int] = []  # the current batch's QoS 1 packet ids, acknowledged once it is committed
        self._uncommitted: set[asyncio.Future[None]] = set()
        self._ready: deque[IngestBatch] = deque()
        self._paused = False
        self._tasks = TaskSet()
        self._stopping = False  # our own DISCONNECT is on its way: the connection's end is no fault
        self.connected = threading.Event()

    async def start(self) -> None:
        for coro in (self._connect_until_up(), self._flush_forever()):
            self._tasks.spawn(coro)
        self._status.start()

    async def stop(self) -> None:
        """Hand in what is batched, acknowledge it once committed, say goodbye on gridhub/status, disconnect."""
        await self._tasks.cancel()
        self._pause(True)
        self._take(time.time())
        await self._submit_ready()
        if self._uncommitted:
            await asyncio.wait(self._uncommitted, timeout=COMMIT_WAIT_S)
        await asyncio.sleep(0)  # let the acknowledgements go out
        if self._client.is_connected and self._share is None:
            self._status.offer(Outgoing(STATUS_TOPIC, OFFLINE, 1, True))
            # Written, not acknowledged: the socket is paused. The broker reads it before our DISCONNECT.
            await self._status.written(STATUS_WAIT_S)
        await self._status.stop()
        self._stopping = True
        with contextlib.suppress(Exception):  # also ends a reconnect in progress
            await asyncio.wait_for(self._client.disconnect(), 5)
        await asyncio.sleep(0.2)  # let the broker see the DISCONNECT before anything else stops

    async def _connect_until_up(self) -> None:
        """First connection, with backoff; after it the client reconnects by itself."""
        s, delay = self._settings, 1.0
        log.info("mqtt: connecting to %s:%d as %s (MQTT %s)", s.host, s.port, self.client_id, s.protocol)
        while True:
            try:
                await self._client.connect(s.host, s.port, ssl=s.ssl_context(), keepalive=s.keepalive_s,
                                           version=s.protocol_level)
                return
            except Exception as exc:  # refused, unreachable, TLS failure: all worth another try
                log.warning("mqtt: cannot connect to %s:%d (%s); again in %.0f s", s.host, s.port, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF_S)

    def _subscriptions(self) -> list[str]:
        """Every device topic, or those of this process's share of the devices."""
        if self._share is not None:
            return list(self._share.topics)
        return self._router.data_subscriptions() + self._router.status_subscriptions()

    def _on_connect(self, client: Client, session_present: int, result: int, _properties: Any) -> None:
        if result != 0:
            log.error("mqtt: broker refused the connection: %s", result)
            return
        client.reconnect_delay = 0.5  # doubled before each retry: 1, 2, 4 … 30 s
        if not client.subscriptions:
            for topic in self._subscriptions():
                client.subscribe(topic, qos=1)
        elif not session_present:  # the broker forgot us (no persistence): subscribe again
            for subscription in client.subscriptions:
                client.resubscribe(subscription)
        if self._share is None:
            self._status.offer(Outgoing(STATUS_TOPIC, ONLINE, 1, True))
        self._ctx.metrics.set_mqtt_connected(True)
        self._ctx.metrics.mqtt_reconnects.inc()
        self.connected.set()
        log.info("mqtt: connected, %d subscriptions", len(client.subscriptions))

    def _on_disconnect(self, _client: Client, _packet: Any, exc: BaseException | None = None) -> None:
        self._ctx.metrics.set_mqtt_connected(False)
        self.connected.clear()
        if self._stopping:
            log.info("mqtt: disconnected: the hub is stopping")
        else:
            log.warning("mqtt: disconnected (%s); reconnecting", exc or "by the broker")

    def _on_message(self, _client: Client, topic: str, payload: bytes, _qos: int, _properties: Any) -> int:
        self._decode(topic, payload, None)
        return 0

    def _on_qos1(self, topic: str, payload: bytes, mid: int) -> None:
        self._decode(topic, payload, mid)

    def _decode(self, topic: str, payload: bytes, mid: int | None) -> None:
        """Decode into the current batch, whose commit acknowledges *mid* (a QoS 1 packet id)."""
        now = time.time()
        if self._batch.messages == 0:
            self._batch_started = now
            self._started.set()
        if mid is not None:
            self._batch_mids.append(mid)
        self._router.handle(topic, payload, now, self._batch)
        if self._batch.messages >= self._ctx.settings.ingest_batch:
            self._take(now)

    def _take(self, now: float) -> None:
        if self._batch.messages:
            self._ready.append(self._batch.take(received=now, committed=self._on_commit(self._batch_mids)))
            self._batch_mids = []
        if len(self._ready) > MAX_READY_BATCHES:
            self._pause(True)

    def _on_commit(self, mids: list[int]) -> Callable[[], None] | None:
        """What the recorder calls once a batch is committed: acknowledge its QoS 1 messages, all at once."""
        if not mids:
            return None
        done = asyncio.get_running_loop().create_future()
        self._uncommitted.add(done)
        done.add_done_callback(self._uncommitted.discard)
        done.add_done_callback(lambda _: self._acknowledge(mids))
        return _resolver(done)

    def _acknowledge(self, mids: list[int]) -> None:
        if not self._client.is_connected:  # the broker delivers them again; the store keeps one of each
            return
        for mid in mids:
            self._puback(mid)

    async def _flush_forever(self) -> None:
        """Hand in the batch as soon as the loop has read what the socket held: a message arriving alone goes
        on at once; under load a batch is whatever arrived meanwhile (up to `ingest_batch`). A positive
        `ingest_flush_s` lets a batch gather that long first."""
        gather = self._ctx.settings.ingest_flush_s
        while True:
            await self._started.wait()
            self._started.clear()
            if (wait := self._batch_started + gather - time.time()) > 0:
                await asyncio.sleep(wait)
            self._take(time.time())
            await self._submit_ready()
            self._pause(False)

    async def _submit_ready(self) -> None:
        while self._ready:
            await self._ctx.intake.async_submit(self._ready.popleft(), EDGE)

    def _pause(self, paused: bool) -> None:
        """Stop or resume reading the broker's socket (back-pressure from the recorder)."""
        if paused == self._paused:
            return
        # gmqtt exposes no pause; its connection keeps the asyncio transport (pinned version).
        transport = getattr(getattr(self._client, "_connection", None), "_transport", None)
        if transport is not None:
            (transport.pause_reading if paused else transport.resume_reading)()
            self._paused = paused
            if paused:
                self._ctx.metrics.ingest_pauses.inc()
