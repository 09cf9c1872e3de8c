"""MQTT ingest: subscribe with QoS 1 on a persistent session, decode, hand batches to the hub.

Threads: paho's network thread decodes every message into the current batch;
a flusher thread hands in a batch that has waited `ingest_flush_s`. Handing in
blocks while the recorder is full, so paho stops reading and the broker keeps
the rest for us. Messages are acknowledged (PUBACK) once decoded into the batch:
a clean stop commits every batch first; a hard crash can lose at most the
batches not yet committed (see README, "Delivery guarantees").
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from adapters.jsonmap import JsonAdapterConfig
from adapters.mqtt.client import ONLINE, STATUS_TOPIC, connect_async, make_client
from adapters.mqtt.router import BatchBuilder, MqttRouter
from hub.context import HubContext

log = logging.getLogger(__name__)
EDGE = "mqtt"


class MqttIngestService:
    """The hub's MQTT edge for device feeds."""

    name = "mqtt"

    def __init__(self, ctx: HubContext) -> None:
        self._ctx = ctx
        self._settings = ctx.settings.broker()
        config = ctx.sections.get("json", JsonAdapterConfig())
        self._router = MqttRouter(ctx.town, config, ctx.settings.max_payload_bytes)
        self.client_id = self._settings.client_id or f"gridhub-{ctx.town.town.id}"
        self._client = make_client(self._settings, self.client_id, will_topic=STATUS_TOPIC)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._batch = BatchBuilder()
        self._batch_started = 0.0
        self._lock = threading.Lock()  # guards the batch being built
        self._submit_lock = threading.Lock()  # keeps batches in order into the hub
        self._stopping = threading.Event()
        self._flusher = threading.Thread(target=self._flush_periodically, name="gridhub-mqtt-flush", daemon=True)
        self.connected = threading.Event()

    async def start(self) -> None:
        connect_async(self._client, self._settings)
        self._client.loop_start()
        self._flusher.start()
        log.info("mqtt: connecting to %s:%d as %s (MQTT %s)", self._settings.host, self._settings.port,
                 self.client_id, self._settings.protocol)

    async def stop(self) -> None:
        """Say goodbye on gridhub/status, stop reading, and hand in what is batched."""
        await asyncio.to_thread(self._stop_blocking)

    def _stop_blocking(self) -> None:
        self._stopping.set()
        if self._client.is_connected():
            self._client.publish(STATUS_TOPIC, b"offline", qos=1, retain=True).wait_for_publish(timeout=2)
        self._client.disconnect()
        self._client.loop_stop()
        self._flusher.join()
        self._flush(force=True)

    def _subscriptions(self) -> list[tuple[str, int]]:
        """Data topics, shared among hub processes when a group is set; status topics never shared:
        every process must see every last will, and retained ones reach no shared subscription."""
        group = self._settings.shared_group
        prefix = f"$share/{group}/" if group else ""
        data = [(prefix + topic, 1) for topic in self._router.data_subscriptions()]
        return data + [(topic, 1) for topic in self._router.status_subscriptions()]

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: ReasonCode,
                    _props: Any = None) -> None:
        if reason.is_failure:
            log.error("mqtt: broker refused the connection: %s", reason)
            return
        subscriptions = self._subscriptions()
        if subscriptions:  # a town may have no MQTT devices yet
            client.subscribe(subscriptions)
        client.publish(STATUS_TOPIC, ONLINE, qos=1, retain=True)
        self._ctx.metrics.set_mqtt_connected(True)
        self._ctx.metrics.mqtt_reconnects.inc()
        self.connected.set()
        log.info("mqtt: connected, %d subscriptions", len(subscriptions))

    def _on_disconnect(self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: ReasonCode,
                       _props: Any = None) -> None:
        self._ctx.metrics.set_mqtt_connected(False)
        self.connected.clear()
        if not self._stopping.is_set():
            log.warning("mqtt: disconnected (%s); reconnecting", reason)

    def _on_message(self, _client: mqtt.Client, _userdata: Any, msg: mqtt.MQTTMessage) -> None:
        now = time.time()
        with self._lock:
            if self._batch.messages == 0:
                self._batch_started = now
            self._router.handle(msg.topic, bytes(msg.payload), now, self._batch)
            full = self._batch.messages >= self._ctx.settings.ingest_batch
        if full:
            self._flush(force=True)

    def _flush_periodically(self) -> None:
        interval = self._ctx.settings.ingest_flush_s
        while not self._stopping.wait(interval / 2):
            self._flush(force=False)

    def _flush(self, force: bool) -> None:
        with self._submit_lock:
            with self._lock:
                due = time.time() - self._batch_started >= self._ctx.settings.ingest_flush_s
                if self._batch.messages == 0 or not (force or due):
                    return
                batch = self._batch.take(received=time.time())
            self._ctx.intake.submit(batch, EDGE)
