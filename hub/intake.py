"""Where ingest edges hand in what they decoded: derived series added, then to the recorder and the bus."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import Iterable

from hub.bus import Bus
from hub.derived import Deriver
from hub.metrics import HubMetrics
from hub.models import IngestBatch, Reading
from hub.recorder import Recorder


class Intake:
    """Entry of ingested batches into the hub, from the event loop.

    The derived series (rain over 1/3/6/24 h, rate of rise) are computed here, by the process that owns the
    device, and committed in the same transaction as the readings they come from: an edge that acknowledges
    its messages after the commit never leaves a reading stored without what it adds to the rain totals.
    """

    def __init__(self, recorder: Recorder, bus: Bus, metrics: HubMetrics, deriver: Deriver | None = None) -> None:
        self._recorder = recorder
        self._bus = bus
        self._metrics = metrics
        self.deriver = deriver or Deriver()

    def prime(self, history: list[Reading], devices: Iterable[str] = ()) -> None:
        """Rebuild the derived series of *devices* (this process takes them on) from what the store holds."""
        self.deriver.forget(devices)
        self.deriver.feed(history)

    async def async_submit(self, batch: IngestBatch, edge: str) -> None:
        """Hand in *batch* from the event loop; waits (without blocking the loop) while full."""
        self._count(batch, edge)
        readings = self.deriver.interleave(batch.readings)
        if readings is not batch.readings:
            batch = dataclasses.replace(batch, readings=readings)
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
