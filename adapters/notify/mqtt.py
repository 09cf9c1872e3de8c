"""Notifications as JSON on the hub's broker: `<prefix>/<alert id>/<action>` (`<prefix>/cases/<id>/<action>` for a
case), QoS 1, not retained.

One gmqtt client per notifier, on the event loop, connected on the first
notification and reconnecting by itself after that. A notification counts as
delivered when the broker acknowledges it (PUBACK). Delivery is at least once:
a publish whose PUBACK is late is reported as failed, the hub sends it again,
and the broker may see both; `alert_id`, `action`, `level` and `time` identify
a notification.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import orjson

from adapters.mqtt.outgoing import Outgoing, OutgoingQueue
from adapters.mqtt.publisher import publishing_client
from adapters.notify.body import notification_body
from adapters.notify.config import MqttNotifierConfig
from hub.alerts.notify import DeliveryError, Notification
from hub.metrics import HubMetrics
from hub.settings import MqttSettings

log = logging.getLogger(__name__)


def topic_for(n: Notification, prefix: str) -> str:
    """`<prefix>/<alert id>/<action>`, or `<prefix>/cases/<case id>/<action>` for a case's escalation."""
    about = str(n.alert.id) if n.alert is not None else f"cases/{n.case.id if n.case else 0}"
    return f"{prefix}/{about}/{n.action.value}"


class MqttNotifier:
    """Publishes every notification it wants to the hub's broker and waits for the PUBACK."""

    def __init__(self, config: MqttNotifierConfig, broker: MqttSettings, client_id: str,
                 metrics: HubMetrics | None = None) -> None:
        self.name = config.name
        self.config = config
        self._broker = broker
        self._client, acks = publishing_client(broker, client_id)
        self._queue = OutgoingQueue(self._client, acks, f"notify-{config.name}", metrics)
        self._connecting = asyncio.Lock()
        self._started = False

    def accepts(self, notification: Notification) -> bool:
        return self.config.wants(notification)

    def target(self, notification: Notification) -> str:
        return f"mqtt://{self._broker.host}:{self._broker.port}/{topic_for(notification, self.config.topic_prefix)}"

    async def send(self, notification: Notification) -> None:
        await self._ensure_connected()
        payload = orjson.dumps(notification_body(notification))
        acked = self._queue.offer(Outgoing(topic_for(notification, self.config.topic_prefix), payload))
        if acked is None:
            raise DeliveryError("too many notifications waiting for the broker")
        try:  # on timeout the message is withdrawn unless it went out already
            await asyncio.wait_for(acked, self.config.ack_timeout_s)
        except TimeoutError:
            raise DeliveryError(f"no PUBACK within {self.config.ack_timeout_s:g} s") from None

    async def _ensure_connected(self) -> None:
        """Connect the first time; afterwards gmqtt reconnects by itself and we only check."""
        async with self._connecting:
            if self._started:
                if not self._client.is_connected:
                    raise DeliveryError(f"not connected to {self._broker.host}:{self._broker.port}")
                return
            await self._connect()
            self._queue.start()
            self._started = True

    async def _connect(self) -> None:
        b = self._broker
        try:
            await asyncio.wait_for(self._client.connect(b.host, b.port, ssl=b.ssl_context(), keepalive=b.keepalive_s,
                                                        version=b.protocol_level), self.config.ack_timeout_s)
        except Exception as exc:  # refused, unreachable, TLS failure, CONNACK refusal: all worth another try
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._client.disconnect(), 1)
            raise DeliveryError(f"cannot connect to {b.host}:{b.port}: {type(exc).__name__}: {exc}") from exc
        log.info("notify %s: connected to %s:%d", self.name, b.host, b.port)

    async def aclose(self) -> None:
        if self._started:
            await self._queue.stop()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._client.disconnect(), 5)
