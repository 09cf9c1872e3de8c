"""Which decoder handles an MQTT message, and the batch it adds its results to.

Runs on the event loop for every message, so lookups are dicts and a small
cache of topic → route, and nothing here waits or does I/O.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import orjson
from paho.mqtt.client import topic_matches_sub

from adapters.jsonmap import CompiledProfile, JsonAdapterConfig, compile_profiles, lookup, parse_path
from hub.models import DeadLetter, DeviceStatusReport, IngestBatch, Reading, RejectReason
from hub.shards import ROUTES_KEY, device_key
from hub.town import Town

log = logging.getLogger(__name__)
_CACHE_LIMIT = 10000


@dataclass(slots=True)
class BatchBuilder:
    """Accumulates one batch in the network thread."""

    readings: list[Reading] = field(default_factory=list)
    letters: list[DeadLetter] = field(default_factory=list)
    reports: list[DeviceStatusReport] = field(default_factory=list)
    messages: int = 0

    def take(self, received: float, committed: Callable[[], None] | None = None) -> IngestBatch:
        batch = IngestBatch(tuple(self.readings), tuple(self.letters), tuple(self.reports), self.messages, received,
                            committed)
        self.readings, self.letters, self.reports, self.messages = [], [], [], 0
        return batch


@dataclass(frozen=True, slots=True)
class Route:
    """A topic's decoder: a fixed device, or a way to find the device per message."""

    profile: CompiledProfile
    device: str | None = None
    topic_level: int | None = None
    device_path: tuple[str | int, ...] | None = None


class PayloadDecoder(Protocol):
    """A decoder for topics whose payloads are not JSON (e.g. HJ 212 frames bridged by gateways)."""

    share_key: str  # the share its topics go with: the stations' own (hub.shards)

    def __call__(self, topic: str, payload: bytes, received: float, out: BatchBuilder) -> None: ...


@dataclass(frozen=True, slots=True)
class StatusTopic:
    device: str
    online: bytes
    offline: bytes


class MqttRouter:
    """Decodes MQTT messages of the town's JSON devices into a BatchBuilder."""

    def __init__(self, town: Town, config: JsonAdapterConfig, max_payload: int,
                 decoders: Sequence[tuple[str, PayloadDecoder]] = ()) -> None:
        profiles = compile_profiles(config)
        self._max_payload = max_payload
        json_devices = [d for d in town.devices if d.adapter == "json"]
        self._exact = {d.topic: Route(profiles[d.profile], device=d.id)
                       for d in json_devices if d.topic and d.profile}
        self._patterns: list[tuple[str, Route | PayloadDecoder]] = [*decoders]
        self._patterns += [(r.topic, Route(profiles[r.profile], topic_level=r.device.topic_level,
                                           device_path=parse_path(r.device.path) if r.device.path else None))
                           for r in config.routes]
        self._status = {d.availability.topic: StatusTopic(d.id, d.availability.online.encode(),
                                                         d.availability.offline.encode())
                        for d in town.devices if d.availability is not None}
        self._keys = {d.id: device_key(d) for d in town.devices}
        self._ids = {d.id: d.id for d in json_devices} | {d.address: d.id for d in json_devices if d.address}
        self._cache: dict[str, Route | PayloadDecoder | None] = {}

    def keyed_subscriptions(self) -> list[tuple[str, str]]:
        """Every topic filter with the key of the share it belongs to (see hub.shards): a device's own topics
        by its id, JSON route patterns together, HJ 212 and SL 651 gateway topics with their protocol's stations."""
        keyed = [(topic, route.device or ROUTES_KEY) for topic, route in self._exact.items()]
        keyed += [(pattern, ROUTES_KEY if isinstance(r, Route) else r.share_key) for pattern, r in self._patterns]
        return keyed + [(topic, self._keys[status.device]) for topic, status in self._status.items()]

    def data_subscriptions(self) -> list[str]:
        """Topic filters of device data: exact device topics and route patterns."""
        return [*self._exact, *(pattern for pattern, _ in self._patterns)]

    def status_subscriptions(self) -> list[str]:
        """Topics on which devices say they are on- or offline (their last wills)."""
        return list(self._status)

    def handle(self, topic: str, payload: bytes, received: float, out: BatchBuilder) -> None:
        """Decode one message into *out*; never raises for bad input."""
        out.messages += 1
        source = f"mqtt:{topic}"
        if len(payload) > self._max_payload:
            out.letters.append(DeadLetter(source, payload[:256], RejectReason.OVERSIZE,
                                          f"{len(payload)} bytes > {self._max_payload}", received))
            return
        status = self._status.get(topic)
        if status is not None:
            self._status_report(status, payload, received, source, out)
            return
        route = self._route(topic)
        if route is None:
            out.letters.append(DeadLetter(source, payload, RejectReason.NO_ROUTE, "no device or route", received))
            return
        try:
            if isinstance(route, Route):
                self._decode(route, topic, payload, received, source, out)
            else:
                route(topic, payload, received, out)
        except Exception as exc:  # a decoder bug must cost one message, not the ingest
            log.exception("decoding %s failed", source)
            out.letters.append(DeadLetter(source, payload, RejectReason.DECODE_ERROR, repr(exc), received,
                                          route.device if isinstance(route, Route) else None))

    def _decode(self, route: Route, topic: str, payload: bytes, received: float, source: str,
                out: BatchBuilder) -> None:
        try:
            obj = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            out.letters.append(DeadLetter(source, payload, RejectReason.NOT_JSON, str(exc), received, route.device))
            return
        if not isinstance(obj, dict):
            out.letters.append(DeadLetter(source, payload, RejectReason.NOT_OBJECT,
                                          f"expected an object, got {type(obj).__name__}", received, route.device))
            return
        device = route.device or self._device_of(route, topic, obj)
        if device is None:
            out.letters.append(DeadLetter(source, payload, RejectReason.UNKNOWN_DEVICE,
                                          f"no device {self._claimed(route, topic, obj)!r}", received))
            return
        readings, letters = route.profile.decode(obj, device, received, source, payload)
        if not readings and not letters:
            letters.append(DeadLetter(source, payload, RejectReason.MISSING_FIELD, "no known field", received, device))
        out.readings += readings
        out.letters += letters

    def _status_report(self, status: StatusTopic, payload: bytes, received: float, source: str,
                       out: BatchBuilder) -> None:
        text = payload.strip()
        if text in (status.online, status.offline):
            out.reports.append(DeviceStatusReport(status.device, text == status.online, received, source))
        else:
            out.letters.append(DeadLetter(source, payload, RejectReason.WRONG_TYPE,
                                          "status payload is neither online nor offline", received, status.device))

    def _route(self, topic: str) -> Route | PayloadDecoder | None:
        route: Route | PayloadDecoder | None = self._exact.get(topic)
        if route is not None:
            return route
        if topic in self._cache:
            return self._cache[topic]
        route = next((r for pattern, r in self._patterns if topic_matches_sub(pattern, topic)), None)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[topic] = route
        return route

    def _claimed(self, route: Route, topic: str, obj: dict[str, object]) -> object:
        if route.topic_level is not None:
            levels = topic.split("/")
            return levels[route.topic_level] if route.topic_level < len(levels) else None
        return lookup(obj, route.device_path or ())

    def _device_of(self, route: Route, topic: str, obj: dict[str, object]) -> str | None:
        claimed = self._claimed(route, topic, obj)
        if isinstance(claimed, int) and not isinstance(claimed, bool):
            claimed = str(claimed)  # some gateways send numeric serials as JSON numbers
        return self._ids.get(claimed) if isinstance(claimed, str) else None
