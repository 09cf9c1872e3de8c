"""A paho-mqtt client set up from MqttSettings, for the demo's threaded publishers (simulated stations)."""

from __future__ import annotations

import ssl

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from adapters.mqtt.ingest_client import OFFLINE
from hub.settings import MqttSettings


def make_client(settings: MqttSettings, client_id: str, will_topic: str | None = None) -> mqtt.Client:
    """A client with a stable id and a session the broker keeps while we are away."""
    v5 = settings.protocol == "5"
    client = mqtt.Client(
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
