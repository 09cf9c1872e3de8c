"""The ingest edge's MQTT client (gmqtt, on the event loop) set up from MqttSettings."""

from __future__ import annotations

import ssl
from typing import Any

from gmqtt import Client, Message
from gmqtt.mqtt.constants import MQTTv50, MQTTv311

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


def make_ingest_client(settings: MqttSettings, client_id: str) -> Client:
    """A client with a stable id, a session the broker keeps while we are away, and a last will."""
    session: dict[str, Any] = {"session_expiry_interval": settings.session_expiry_s} if settings.protocol == "5" else {}
    client = _BackoffClient(client_id, clean_session=False, optimistic_acknowledgement=True,
                    will_message=Message(STATUS_TOPIC, OFFLINE, qos=1, retain=True), **session)
    if settings.username is not None:
        client.set_auth_credentials(settings.username, settings.password)
    client.set_config({"reconnect_retries": -1, "reconnect_delay": 0.5})
    return client


def tls_context(settings: MqttSettings) -> ssl.SSLContext | bool:
    """The TLS context for mqtts://, with the town CA and a client certificate if given."""
    if not settings.tls:
        return False
    context = ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)
    if settings.cert_file is not None:
        context.load_cert_chain(str(settings.cert_file), str(settings.key_file) if settings.key_file else None)
    return context


def protocol_version(settings: MqttSettings) -> int:
    version: int = MQTTv50 if settings.protocol == "5" else MQTTv311
    return version
