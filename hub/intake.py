"""Where ingest edges hand in what they decoded: first to the recorder, then to the bus."""

from __future__ import annotations

import asyncio
from collections import Counter

from hub.bus import Bus
from hub.metrics import HubMetrics
from hub.models import IngestBatch
from hub.recorder import Recorder


class Intake:
    """Entry of ingested batches into the hub, from the event loop."""

    def __init__(self, recorder: Recorder, bus: Bus, metrics: HubMetrics) -> None:
        self._recorder = recorder
        self._bus = bus
        self._metrics = metrics

    async def async_submit(self, batch: IngestBatch, edge: str) -> None:
        """Hand in *batch* from the event loop; waits (without blocking the loop) while full."""
        self._count(batch, edge)
        if not self._recorder.try_submit(batch):
            await asyncio.to_thread(self._recorder.submit, batch)
        self._bus.async_publish(batch)

    def _count(self, batch: IngestBatch, edge: str) -> None:
        m = self._metrics
        m.messages.labels(edge).inc(batch.messages)
        m.message_rate.add(batch.messages)
        m.readings.inc(len(batch.readings))
        m.reading_rate.add(len(batch.readings))
        for reason, n in Counter(d.reason.value for d in batch.dead_letters).items():
            m.dead_letters.labels(reason).inc(n)
