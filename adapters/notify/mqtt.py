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
from gmqtt import Client
from gmqtt.storage import PersistentStorage

from adapters.notify.body import notification_body
from adapters.notify.config import MqttNotifierConfig
from hub.alerts.notify import DeliveryError, Notification
from hub.settings import MqttSettings

log = logging.getLogger(__name__)


class _AckedStorage(PersistentStorage):  # type: ignore[misc]
    """gmqtt's store of unacknowledged QoS 1 publishes, which also says when each is acknowledged.

    gmqtt's publish() returns nothing: it stores the packet here under its packet
    id right after writing it, removes it on PUBACK, and clears the store when
    the broker has lost the session (those publishes will never be acknowledged).
    """

    def __init__(self) -> None:
        super().__init__()
        self._waiting: dict[int, asyncio.Future[bool]] = {}
        self.latest: tuple[int, asyncio.Future[bool]] | None = None

    def push_message(self, mid: int, raw_package: bytes) -> None:
        super().push_message(mid, raw_package)
        future = self._waiting[mid] = asyncio.get_running_loop().create_future()
        self.latest = mid, future

    def remove_message_by_mid(self, mid: int) -> None:
        super().remove_message_by_mid(mid)
        self._settle(self._waiting.pop(mid, None), True)

    def clear(self) -> None:
        super().clear()
        for future in self._waiting.values():
            self._settle(future, False)
        self._waiting.clear()

    def forget(self, mid: int) -> None:
        self._waiting.pop(mid, None)

    @staticmethod
    def _settle(future: asyncio.Future[bool] | None, acked: bool) -> None:
        if future is not None and not future.done():
            future.set_result(acked)


def topic_for(n: Notification, prefix: str) -> str:
    """`<prefix>/<alert id>/<action>`, or `<prefix>/cases/<case id>/<action>` for a case's escalation."""
    about = str(n.alert.id) if n.alert is not None else f"cases/{n.case.id if n.case else 0}"
    return f"{prefix}/{about}/{n.action.value}"


class MqttNotifier:
    """Publishes every notification it wants to the hub's broker and waits for the PUBACK."""

    def __init__(self, config: MqttNotifierConfig, broker: MqttSettings, client_id: str) -> None:
        self.name = config.name
        self.config = config
        self._broker = broker
        self._acks = _AckedStorage()
        self._client = Client(client_id, clean_session=True, persistent_storage=self._acks)
        if broker.username is not None:
            self._client.set_auth_credentials(broker.username, broker.password)
        self._client.set_config({"reconnect_retries": -1, "reconnect_delay": 2})
        self._connecting = asyncio.Lock()
        self._started = False

    def accepts(self, notification: Notification) -> bool:
        return self.config.wants(notification)

    def target(self, notification: Notification) -> str:
        return f"mqtt://{self._broker.host}:{self._broker.port}/{topic_for(notification, self.config.topic_prefix)}"

    async def send(self, notification: Notification) -> None:
        await self._ensure_connected()
        payload = orjson.dumps(notification_body(notification))
        # No await from here to reading `latest`: concurrent sends cannot take each other's packet id.
        self._acks.latest = None
        try:
            self._client.publish(topic_for(notification, self.config.topic_prefix), payload, qos=1)
        except Exception as exc:  # the connection went away under us
            raise DeliveryError(f"publish failed: {type(exc).__name__}: {exc}") from exc
        if self._acks.latest is None:
            raise DeliveryError("gmqtt did not store the publish")  # a gmqtt change; see _AckedStorage
        mid, acked = self._acks.latest
        try:
            ok = await asyncio.wait_for(asyncio.shield(acked), self.config.ack_timeout_s)
        except TimeoutError:
            self._acks.forget(mid)
            raise DeliveryError(f"no PUBACK within {self.config.ack_timeout_s:g} s") from None
        if not ok:
            raise DeliveryError("the connection dropped before the broker acknowledged")

    async def _ensure_connected(self) -> None:
        """Connect the first time; afterwards gmqtt reconnects by itself and we only check."""
        async with self._connecting:
            if self._started:
                if not self._client.is_connected:
                    raise DeliveryError(f"not connected to {self._broker.host}:{self._broker.port}")
                return
            await self._connect()
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
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._client.disconnect(), 5)
        self._acks.clear()
