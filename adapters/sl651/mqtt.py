"""SL 651 frames as MQTT payloads (gateways that bridge stations to a broker), for the MQTT ingest router.

Each message must hold whole frames, in either encoding; a multi-packet message may span messages (one
session serves all the section's topics, as the stations' packets reach it in order). No confirmation is
published: the broker's PUBACK already tells the gateway the message arrived, and no command is sent (the
topics are one way). Alarm-bit changes become device events, as over TCP.
"""

from __future__ import annotations

from collections.abc import Callable

from adapters.mqtt.router import BatchBuilder
from adapters.sl651.config import Sl651Config
from adapters.sl651.session import Session, StationBook
from adapters.stations import Collected
from hub.models import DeviceEvent
from hub.shards import SL651_KEY
from hub.town import Town


class Sl651PayloadDecoder:
    """Decodes the payloads of the section's `mqtt_topics`; one session for all of them."""

    share_key = SL651_KEY

    def __init__(self, town: Town, config: Sl651Config, events: Callable[[DeviceEvent], None]) -> None:
        self.topics = list(config.mqtt_topics)
        self._session = Session(StationBook(town, config), "mqtt:")
        self._events = events

    def __call__(self, topic: str, payload: bytes, received: float, out: BatchBuilder) -> None:
        decoded = Collected()
        self._session.source = f"mqtt:{topic}"
        self._session.feed(payload, received, decoded)
        self._session.flush(received, decoded)
        out.readings += decoded.readings
        out.letters += decoded.letters
        out.reports += decoded.reports
        for event in decoded.events:
            self._events(event)
