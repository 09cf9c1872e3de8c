"""The ingest edge's MQTT client (gmqtt, on the event loop) set up from MqttSettings."""

from __future__ import annotations

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
    availability) a last will. Messages are acknowledged when the message handler returns, not on arrival.
    Its own publishes are kept in *acks* (see OutgoingQueue)."""
    session: dict[str, Any] = {"session_expiry_interval": settings.session_expiry_s} if settings.protocol == "5" else {}
    will = {"will_message": Message(STATUS_TOPIC, OFFLINE, qos=1, retain=True)} if announce else {}
    client = _BackoffClient(client_id, clean_session=False, optimistic_acknowledgement=False,
                            persistent_storage=acks, **will, **session)
    if settings.username is not None:
        client.set_auth_credentials(settings.username, settings.password)
    client.set_config({"reconnect_retries": -1, "reconnect_delay": 0.5})
    return client


