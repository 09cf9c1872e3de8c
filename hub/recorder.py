"""The recorder: commits readings, dead letters and device events in batches, off the loop.

Readings may not be dropped, so the queue is bounded: when it is full, `submit`
blocks (`try_submit` says no) and the ingest edge stops reading its socket, so
the broker holds the rest (QoS 1, persistent session). Device events come from the loop, which must not
block; they are rare, so they wait in an unbounded list instead.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable

from hub.metrics import HubMetrics
from hub.models import DeadLetter, DeviceEvent, IngestBatch, Reading
from hub.settings import RecorderSettings
from hub.store import Store

log = logging.getLogger(__name__)
CommitListener = Callable[[list[Reading], float], None]
_PURGE_EVERY_S = 3600.0
_STOP = object()


class Recorder:
    """One writer thread that owns the store's write side."""

    def __init__(self, store: Store, settings: RecorderSettings, metrics: HubMetrics) -> None:
        self.store = store
        self._settings = settings
        self._metrics = metrics
        self._queue: queue.Queue[object] = queue.Queue(maxsize=settings.queue_batches)
        self._events: list[DeviceEvent] = []
        self._events_lock = threading.Lock()
        self._listeners: list[CommitListener] = []
        self._thread = threading.Thread(target=self._run, name="gridhub-recorder", daemon=True)
        self._last_purge = 0.0
        self._stopping = threading.Event()
        self.committed = 0
        metrics.watch_queue("recorder", self._queue.qsize)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Commit everything queued, then stop the writer thread (waiting at most *timeout*)."""
        self._stopping.set()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(_STOP)  # else the writer sees the flag within a second
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.error("recorder: could not commit %d queued batches before stopping", self._queue.qsize())

    def on_commit(self, listener: CommitListener) -> Callable[[], None]:
        """Call *listener(readings, commit_time)* in the writer thread after each commit."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def submit(self, batch: IngestBatch) -> None:
        """Queue *batch* for commit; blocks while the queue is full (back-pressure)."""
        self._queue.put(batch)

    def try_submit(self, batch: IngestBatch) -> bool:
        """Queue *batch* if there is room now; False when the queue is full."""
        try:
            self._queue.put_nowait(batch)
        except queue.Full:
            return False
        return True

    def add_event(self, event: DeviceEvent) -> None:
        with self._events_lock:
            self._events.append(event)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            try:
                first = self._queue.get(timeout=1.0)
            except queue.Empty:
                first = _STOP if self._stopping.is_set() else None
            batches, stopping = self._drain(first)
            self._commit(batches)
            try:
                self._maybe_purge()
            except Exception:  # retention can wait for the next hour; ingest cannot
                log.exception("recorder: retention purge failed")

    def _drain(self, first: object) -> tuple[list[IngestBatch], bool]:
        """*first* and whatever else is already queued, up to one commit's worth."""
        batches: list[IngestBatch] = []
        rows = 0
        item = first
        while True:
            if item is _STOP:
                return batches + self._drain_rest(), True
            if isinstance(item, IngestBatch):
                batches.append(item)
                rows += len(item.readings)
            if rows >= self._settings.batch_rows:
                return batches, False
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batches, False

    def _drain_rest(self) -> list[IngestBatch]:
        rest: list[IngestBatch] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return rest
            if isinstance(item, IngestBatch):
                rest.append(item)

    def _commit(self, batches: list[IngestBatch]) -> None:
        with self._events_lock:
            events, self._events = self._events, []
        readings = [r for b in batches for r in b.readings]
        letters: list[DeadLetter] = [d for b in batches for d in b.dead_letters]
        if not (readings or letters or events):
            return
        started = time.perf_counter()
        if not self._write_retrying(readings, letters, events):
            return  # given up at stop: nothing is acknowledged, so the broker delivers it again
        self._metrics.batch_seconds.observe(time.perf_counter() - started)
        self._metrics.rows.labels("readings").inc(len(readings))
        self._metrics.rows.labels("dead_letters").inc(len(letters))
        self._metrics.rows.labels("device_events").inc(len(events))
        self.committed += len(readings)
        committed_at = time.time()
        for batch in batches:
            if batch.committed is not None:
                batch.committed()
        for listener in tuple(self._listeners):
            try:
                listener(readings, committed_at)
            except Exception:
                log.exception("recorder: commit listener %r failed", listener)

    def _write_retrying(self, readings: list[Reading], letters: list[DeadLetter], events: list[DeviceEvent]) -> bool:
        """Write, retrying with backoff: a full disk or a locked database must not lose readings.

        While this waits the queue fills and ingest is held back, which is the point.
        """
        delay = 0.1
        while True:
            try:
                self.store.write(readings, letters, events)
                return True
            except Exception:
                if self._stopping.is_set() and delay >= 1.0:
                    log.exception("recorder: stopping; %d readings could not be committed", len(readings))
                    return False
                log.exception("recorder: commit of %d readings failed; retrying in %.1f s", len(readings), delay)
                time.sleep(delay)
                delay = min(delay * 2, 10.0)

    def _maybe_purge(self) -> None:
        now = time.time()
        if now - self._last_purge < _PURGE_EVERY_S:
            return
        self._last_purge = now
        removed = self.store.purge(now - self._settings.retention_days * 86400)
        if removed:
            log.info("recorder: retention removed %d rows", removed)
