"""The ingest edge's MQTT client (gmqtt, on the event loop) set up from MqttSettings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gmqtt import Client, Message

from adapters.mqtt.outgoing import AckedStorage
from hub.settings import MqttSettings

STATUS_TOPIC = "gridhub/status"
ONLINE = b"online"
OFFLINE = b"offline"


MAX_BACKOFF_S = 30.0


class _BackoffClient(Client):  # type: ignore[misc]
    """gmqtt retries at a fixed delay; this doubles it per failed attempt, up to 30 s.

    The delay goes back to 1 s on every successful connection (see the ingest service).
    """

    async def reconnect(self, delay: bool = False) -> None:
        if delay:
            current: float = self.reconnect_delay  # type: ignore[has-type]  # untyped gmqtt property
            self.reconnect_delay = min(current * 2, MAX_BACKOFF_S)
        await super().reconnect(delay)


def make_ingest_client(settings: MqttSettings, client_id: str, acks: AckedStorage,
                       announce: bool = True) -> Client:
    """A client with a stable id, a session the broker keeps while we are away, and (if it *announce*s the hub's
    availability) a last will. QoS 1 messages are not acknowledged on arrival: see `take_qos1`.
    Its own publishes are kept in *acks* (see OutgoingQueue)."""
    session: dict[str, Any] = {"session_expiry_interval": settings.session_expiry_s} if settings.protocol == "5" else {}
    will = {"will_message": Message(STATUS_TOPIC, OFFLINE, qos=1, retain=True)} if announce else {}
    client = _BackoffClient(client_id, clean_session=False, optimistic_acknowledgement=False,
                            persistent_storage=acks, **will, **session)
    if settings.username is not None:
        client.set_auth_credentials(settings.username, settings.password)
    client.set_config({"reconnect_retries": -1, "reconnect_delay": 0.5})
    return client


def take_qos1(client: Client, take: Callable[[str, bytes, int], None]) -> Callable[[int], None]:
    """Hand every QoS 1 message to *take(topic, payload, packet_id)*; returns the function that acknowledges a
    packet id, for the caller to call once the message is safe.

    gmqtt acknowledges a message when an async handler's task ends: one task per message, each waiting for
    its batch's commit. Here a batch's packet ids are acknowledged together once it is committed, with no
    task at all. This takes the place of a private method of gmqtt's packet handler (pinned 0.8.0).
    """
    handler = client._package_handler

    def qos1(mid: int, payload: bytes, topic: str, _properties: object) -> None:
        take(topic, payload, mid)

    handler._handle_qos_1_publish_packet = qos1
    acknowledge: Callable[[int], None] = handler._send_puback
    return acknowledge
