"""A paho-mqtt client set up from MqttSettings: protocol, persistent session, TLS, last will."""

from __future__ import annotations

import ssl
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hub.settings import MqttSettings

STATUS_TOPIC = "gridhub/status"
ONLINE = b"online"
OFFLINE = b"offline"


class _ReadAheadSocket:
    """A socket that paho reads from 64 KiB at a time.

    paho reads each packet's header byte by byte, so a small message costs it
    three or four recv() calls. This wrapper serves those reads from one buffer,
    and tells paho through `pending()` (its hook for TLS sockets) that buffered
    bytes are waiting, so it does not sleep in select() with work in hand.
    """

    _CHUNK = 65536

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._buf = b""
        self._pos = 0

    def recv(self, size: int) -> bytes:
        if self._pos >= len(self._buf):
            data: bytes = self._sock.recv(self._CHUNK)
            if not data:
                return b""
            self._buf, self._pos = data, 0
        chunk = self._buf[self._pos:self._pos + size]
        self._pos += len(chunk)
        return chunk

    def pending(self) -> int:
        inner = self._sock.pending() if hasattr(self._sock, "pending") else 0
        return len(self._buf) - self._pos + int(inner)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _Client(mqtt.Client):
    """paho's client with read-ahead on its socket (see _ReadAheadSocket)."""

    def _create_socket(self) -> Any:
        return _ReadAheadSocket(super()._create_socket())


def make_client(settings: MqttSettings, client_id: str, will_topic: str | None = None) -> mqtt.Client:
    """A client with a stable id and a session the broker keeps while we are away."""
    v5 = settings.protocol == "5"
    client = _Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
        clean_session=None if v5 else False,
    )
    if settings.username is not None:
        client.username_pw_set(settings.username, settings.password)
    if settings.tls:
        client.tls_set(
            ca_certs=str(settings.ca_file) if settings.ca_file else None,
            certfile=str(settings.cert_file) if settings.cert_file else None,
            keyfile=str(settings.key_file) if settings.key_file else None,
            cert_reqs=ssl.CERT_REQUIRED,
        )
    if will_topic is not None:
        client.will_set(will_topic, OFFLINE, qos=1, retain=True)
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    # An exception in one of our callbacks is logged by paho instead of ending its network thread.
    client.suppress_exceptions = True
    return client


def connect_async(client: mqtt.Client, settings: MqttSettings) -> None:
    """Start connecting; the network loop finishes it and reconnects after drops."""
    if settings.protocol == "5":
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = settings.session_expiry_s
        client.connect_async(settings.host, settings.port, settings.keepalive_s,
                             clean_start=False, properties=props)
    else:
        client.connect_async(settings.host, settings.port, settings.keepalive_s)
