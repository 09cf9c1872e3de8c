"""Prometheus metrics of one hub, in a registry of its own (tests run several hubs)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


class RateWindow:
    """Events per second over the last *window* seconds (thread-safe)."""

    def __init__(self, window: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._window = window
        self._clock = clock
        self._marks: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()

    def add(self, count: int) -> None:
        now = self._clock()
        with self._lock:
            self._marks.append((now, count))
            self._trim(now)

    def rate(self) -> float:
        now = self._clock()
        with self._lock:
            self._trim(now)
            return sum(c for _, c in self._marks) / self._window

    def _trim(self, now: float) -> None:
        while self._marks and self._marks[0][0] < now - self._window:
            self._marks.popleft()


class HubMetrics:
    """Every metric the hub exposes at /metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.messages = Counter("gridhub_ingest_messages", "Messages received by the ingest edges", ["edge"],
                                registry=r)
        self.readings = Counter("gridhub_ingest_readings", "Readings accepted", registry=r)
        self.dead_letters = Counter("gridhub_dead_letters", "Payloads or fields rejected", ["reason"], registry=r)
        self.message_rate = RateWindow()
        self.reading_rate = RateWindow()
        Gauge("gridhub_ingest_messages_per_second", "Messages/s over the last 10 s",
              registry=r).set_function(self.message_rate.rate)
        Gauge("gridhub_ingest_readings_per_second", "Readings/s over the last 10 s",
              registry=r).set_function(self.reading_rate.rate)
        self.queue_depth = Gauge("gridhub_queue_depth", "Items waiting in a queue", ["queue"], registry=r)
        self.batch_seconds = Histogram(
            "gridhub_recorder_batch_seconds", "Time to commit one recorder batch", registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
        self.rows = Counter("gridhub_recorder_rows", "Rows committed by the recorder", ["table"], registry=r)
        self.mqtt_connected = Gauge("gridhub_mqtt_connected", "1 while connected to the broker", registry=r)
        self.mqtt_up = False
        self.ingest_pauses = Counter("gridhub_ingest_pauses", "Times ingest paused reading for the recorder",
                                     registry=r)
        self.mqtt_reconnects = Counter("gridhub_mqtt_connects", "Successful broker connections", registry=r)
        self.mqtt_out_refused = Counter("gridhub_mqtt_out_refused", "Outgoing MQTT messages refused: the client's "
                                        "queue was full", ["client"], registry=r)
        self.feed_dropped = Counter("gridhub_feed_relay_dropped", "Live-feed messages the core leader dropped on "
                                    "their way to the console processes: its relay queue was full or the write "
                                    "failed", ["feed"], registry=r)

    def set_mqtt_connected(self, up: bool) -> None:
        self.mqtt_up = up
        self.mqtt_connected.set(1 if up else 0)

    def watch_queue(self, name: str, depth: Callable[[], float]) -> None:
        self.queue_depth.labels(name).set_function(depth)

    def add_collector(self, collector: Collector) -> None:
        self.registry.register(collector)


class DeviceHealthCollector(Collector):
    """Device counts by kind and state, read from the health tracker when scraped."""

    def __init__(self, counts: Callable[[], Iterable[tuple[str, str, int]]]) -> None:
        self._counts = counts

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily("gridhub_devices", "Devices by kind and health state", labels=["kind", "state"])
        for kind, state, count in self._counts():
            family.add_metric([kind, state], count)
        yield family
