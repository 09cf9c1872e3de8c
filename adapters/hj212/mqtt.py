"""HJ 212 frames as MQTT payloads (gateways that bridge stations to a broker), for the MQTT ingest router.

Each message must hold whole frames; a payload that is one frame without its
closing CRLF (some gateways strip it) is taken as well. No 9014 replies are
published: the broker's PUBACK already tells the gateway the message arrived.
"""

from __future__ import annotations

from adapters.hj212.config import Hj212Config
from adapters.hj212.decode import Sink
from adapters.hj212.frame import HEADER, TRAILER
from adapters.hj212.session import Session, StationBook
from hub.shards import HJ212_KEY
from hub.town import Town


class Hj212PayloadDecoder:
    """Decodes the payloads of the section's `mqtt_topics`; one session for all of them."""

    share_key = HJ212_KEY

    def __init__(self, town: Town, config: Hj212Config) -> None:
        self.topics = list(config.mqtt_topics)
        self._session = Session(StationBook(town, config), "mqtt:")

    def __call__(self, topic: str, payload: bytes, received: float, out: Sink) -> None:
        if payload.startswith(HEADER) and not payload.endswith(TRAILER):
            payload += TRAILER
        self._session.source = f"mqtt:{topic}"
        self._session.feed(payload, received, out)
        self._session.flush(received, out)
