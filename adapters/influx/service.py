"""The InfluxDB sink service: readings from the bus → disk spool → database, in order, in one thread.

The bus handler only puts the batch's readings on a queue (it runs on the
loop and must not wait); the thread appends them to the spool, then sends the
oldest spooled lines, so while the database is down or slow everything waits
on disk, and a restart picks up where the cursor stands.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable

from prometheus_client import Counter, Gauge

from adapters.influx.lines import tag_sets, to_lines
from adapters.influx.spool import Spool
from adapters.influx.writer import LineWriter, WriteFailed, make_writer
from hub.context import HubContext
from hub.models import IngestBatch, Reading
from hub.settings import InfluxSettings

log = logging.getLogger(__name__)
_STOP = None
MAX_BACKOFF_S = 30.0


class InfluxSink:
    """Writes every ingested reading to InfluxDB, losing none while it is away."""

    name = "influx"

    def __init__(self, ctx: HubContext, settings: InfluxSettings,
                 writer: Callable[[InfluxSettings], LineWriter] = make_writer) -> None:
        self._ctx = ctx
        self._settings = settings
        self._tags = tag_sets(ctx.town)
        self._spool = Spool(settings.spool_dir or ctx.settings.data_dir / "influx-spool", settings.spool_max_bytes)
        self._writer = writer(settings)
        self._queue: queue.SimpleQueue[tuple[Reading, ...] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="gridhub-influx", daemon=True)
        self._unsubscribe: Callable[[], None] | None = None
        self._delay = 0.0
        self._retry_at = 0.0
        r = ctx.metrics.registry
        Gauge("gridhub_influx_backlog_bytes", "Line protocol spooled, not yet written to InfluxDB",
              registry=r).set_function(self._spool.backlog)
        self._written = Counter("gridhub_influx_written_bytes", "Line protocol written to InfluxDB", registry=r)
        self._dropped = Counter("gridhub_influx_dropped_readings", "Readings not sent to InfluxDB",
                                ["why"], registry=r)
        self._up = Gauge("gridhub_influx_up", "1 while the last write to InfluxDB succeeded", registry=r)

    @property
    def url(self) -> str:
        return f"{self._settings.url} ({self._settings.api} write API)"

    async def start(self) -> None:
        self._unsubscribe = self._ctx.bus.subscribe(IngestBatch, self._on_batch)
        self._thread.start()
        log.info("influx: writing to %s; %d bytes spooled from before", self.url, self._spool.backlog())

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._queue.put(_STOP)
        await asyncio.to_thread(self._thread.join, 60)
        await asyncio.to_thread(self._writer.close)

    def _on_batch(self, batch: IngestBatch) -> None:
        if batch.readings:
            self._queue.put(batch.readings)

    def _run(self) -> None:
        while True:
            stopping = self._spool_queued(self._wait_s())
            if stopping:
                log.info("influx: stopped with %d bytes spooled", self._spool.backlog())
                return
            if self._spool.backlog() and time.monotonic() >= self._retry_at:
                self._send_one()

    def _wait_s(self) -> float:
        if not self._spool.backlog():
            return 1.0
        return max(0.0, self._retry_at - time.monotonic())

    def _spool_queued(self, wait_s: float) -> bool:
        """Move what the bus queued onto disk (waiting up to *wait_s* for the first); True on stop."""
        batches: list[tuple[Reading, ...]] = []
        stopping = False
        try:
            item = self._queue.get(timeout=wait_s) if wait_s > 0 else self._queue.get_nowait()
            while True:
                if item is _STOP:
                    stopping = True
                else:
                    batches.append(item)
                item = self._queue.get_nowait()
        except queue.Empty:
            pass
        if batches:
            self._append([r for b in batches for r in b])
        return stopping

    def _append(self, readings: list[Reading]) -> None:
        try:
            if self._spool.append(to_lines(readings, self._tags)):
                return
            why = "spool_full"
        except OSError:
            log.exception("influx: cannot write the spool")
            why = "spool_error"
        self._dropped.labels(why).inc(len(readings))
        log.error("influx: %s; %d readings not sent (they are in the store)", why, len(readings))

    def _send_one(self) -> None:
        body = self._spool.peek(self._settings.batch_bytes)
        try:
            self._writer.write(body)
        except WriteFailed as exc:
            if exc.permanent:
                log.error("influx: the database refused %d lines for good: %s", body.count(b"\n"), exc)
                self._dropped.labels("refused").inc(body.count(b"\n"))
                self._spool.ack(len(body))
                return
            self._up.set(0)
            self._delay = min(max(self._delay * 2, 0.5), MAX_BACKOFF_S)
            self._retry_at = time.monotonic() + self._delay
            log.warning("influx: write failed (%s); %d bytes wait on disk, retry in %.1f s",
                        exc, self._spool.backlog(), self._delay)
            return
        self._spool.ack(len(body))
        self._written.inc(len(body))
        self._up.set(1)
        self._delay = 0.0
