"""The cameras service: a worker per camera this process owns, a watchdog for their health, events to the bus and MQTT.

A process owns the cameras whose health it judges (`ctx.health.watching`): every camera in the one-process hub,
the cameras of the device shares an ingest worker leases, none on a core process, which serves the snapshots
from the shared files folder, publishes the events it follows from the ingest log and opens a camera for its
live viewers only (streams.viewers). A camera given up stops at once: its events and snapshots are no longer
delivered, and its thread is told to stop (it ends after the frame it is reading).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

from hub.cameras import Jpeg, LiveDefaults
from hub.context import HubContext, Provided
from hub.models import DeviceEvent, DeviceStatusReport
from hub.settings import Role
from hub.tasks import TaskSet
from streams.analysis import CameraAnalysis
from streams.config import CAMERA_ADAPTERS, CamerasSection
from streams.frames import one_thread_per_camera
from streams.live import LiveEncoder
from streams.mqtt import CameraPublisher
from streams.snapshots import SnapshotStore
from streams.sources import Source, SourceSpec, open_capture
from streams.viewers import LiveViewers
from streams.worker import Backoff, CameraWorker, Observation

log = logging.getLogger(__name__)
WATCH_S = 0.5
MAX_IN_FLIGHT = 1000  # observations handed to the loop and not yet delivered
PURGE_EVERY_S = 3600.0
SourceOpener = Callable[[SourceSpec], Source]


class CameraService:
    """Reads every camera of the town and turns what it sees into device events."""

    name = "cameras"

    def __init__(self, ctx: HubContext, section: CamerasSection, opener: SourceOpener = open_capture) -> None:
        self._ctx, self._section, self._opener = ctx, section, opener
        self.specs = {d.id: SourceSpec(d.id, d.adapter, d.address or "", section.open_timeout_s)
                      for d in ctx.town.devices if d.adapter in CAMERA_ADAPTERS}
        self.live = LiveDefaults(section.live.width, section.live.fps, section.live.max_fps)
        self.snapshots = SnapshotStore(ctx.settings.files() / "snapshots", section.snapshots)
        self.workers: dict[str, CameraWorker] = {}
        self._encoder = LiveEncoder(section.live.quality)
        self._backoff = Backoff(section.backoff_min_s, section.backoff_max_s)
        self.viewers = LiveViewers(lambda camera: self._opener_for(self.specs[camera]), self._backoff, ctx.clock)
        self._publisher: CameraPublisher | None = None
        self._tasks = TaskSet()
        self._unsubscribe: Callable[[], None] | None = None
        self._unwatch: Callable[[], None] | None = None
        self._offline: set[str] = set()
        self._since: dict[str, float] = {}  # when each worker started: it may take open_timeout_s to connect
        self._in_flight = 0
        self._lock = threading.Lock()
        self.dropped = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self._section.mqtt and self._ctx.settings.role is not Role.INGEST:  # the leader publishes what it follows
            self._publisher = CameraPublisher()
            self._unsubscribe = self._ctx.bus.subscribe(DeviceEvent, self._on_event)
        one_thread_per_camera()
        self._own()
        self._unwatch = self._ctx.health.async_on_watching(self._own)  # a share given up stops its cameras at once
        self._tasks.spawn(self._watchdog())
        if self._ctx.settings.role is not Role.CORE:
            self._tasks.spawn(self._purge())
        log.info("cameras: reading %d of %d cameras, analysing at %g fps", len(self.workers), len(self.specs),
                 self._section.detect_fps)

    def provided(self) -> Provided:
        return Provided(cameras=self)

    async def stop(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
        await self._tasks.cancel()
        for worker in self.workers.values():
            worker.stopping.set()
        await asyncio.to_thread(self._join)
        await asyncio.to_thread(self.viewers.stop_all)
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._encoder.close()

    def _join(self) -> None:
        deadline = time.monotonic() + 2.0  # together: cameras stuck connecting must not add up their waits
        for worker in self.workers.values():
            worker.stop(timeout=max(0.0, deadline - time.monotonic()))

    def _owns(self, camera: str) -> bool:
        return camera in self._ctx.health.watching

    def _own(self) -> None:
        """Start a worker for each camera this process has taken on, stop those of the cameras it gave up."""
        gone = [self.workers.pop(c) for c in list(self.workers) if not self._owns(c)]
        for worker in gone:
            self._offline.discard(worker.camera)
            log.info("cameras: %s given up", worker.camera)
        for camera, spec in self.specs.items():
            if camera in self.workers or not self._owns(camera):
                continue
            worker = CameraWorker(camera, self._opener_for(spec), CameraAnalysis(self._section, camera),
                                  self._section.detect_fps_of(camera), self._backoff, self._observe, self._ctx.clock)
            self.workers[camera], self._since[camera] = worker, time.monotonic()
            worker.start()
            log.info("cameras: %s taken on", camera)
        self._let_go(gone + self.viewers.idle(keep=self.workers.__contains__))

    def _let_go(self, workers: list[CameraWorker]) -> None:
        for worker in workers:  # each in a thread of its own: one stuck in FFmpeg must not hold the others
            worker.stopping.set()
            self._tasks.spawn(asyncio.to_thread(worker.stop, 2.0))

    def _opener_for(self, spec: SourceSpec) -> Callable[[], Source]:
        return lambda: self._opener(spec)

    # Worker threads → loop.

    def _observe(self, obs: Observation) -> None:
        """In a worker thread: keep the snapshot, then hand the event to the loop."""
        if not self._owns(obs.camera):  # given up a moment ago: the new owner reports it now
            return
        detail = obs.finding.detail
        label = f"{obs.finding.kind.value}-{detail.get('zone') or detail.get('what') or ''}".rstrip("-")
        name = self.snapshots.save(obs.camera, obs.ts, label, obs.frame) if obs.frame is not None else None
        with self._lock:
            if self._in_flight >= MAX_IN_FLIGHT:  # the loop is stalled; a flood of stale events helps nobody
                self.dropped += 1
                log.warning("cameras: loop behind, %s %s dropped", obs.camera, obs.finding.kind.value)
                return
            self._in_flight += 1
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._deliver, obs, name)

    def _deliver(self, obs: Observation, snapshot: str | None) -> None:
        with self._lock:
            self._in_flight -= 1
        if not self._owns(obs.camera):
            return
        detail = dict(obs.finding.detail) | ({"snapshot": snapshot} if snapshot else {})
        self._ctx.async_device_event(DeviceEvent(obs.camera, obs.finding.kind, obs.ts, "", detail))

    def _on_event(self, event: DeviceEvent) -> None:
        if self._publisher is not None and event.device in self.specs:
            self._publisher.publish(self._ctx.outbound, event)

    async def _watchdog(self) -> None:
        """Online while frames come; offline when none came for `stall_s` (the worker reconnects by itself)."""
        while True:
            await asyncio.sleep(WATCH_S)
            self._own()
            # Health keeps the wall clock, as ingest does (the demo's town clock may run hours behind).
            now, ts = time.monotonic(), time.time()
            for camera, worker in self.workers.items():
                # Before the first frame, connecting may take its whole timeout.
                last = worker.last_frame or self._since[camera] + self._section.open_timeout_s
                if worker.last_frame and now - last < self._section.stall_s:
                    self._offline.discard(camera)
                    self._ctx.health.async_seen(camera, ts)
                elif camera not in self._offline and now - last >= self._section.stall_s:
                    self._offline.add(camera)
                    self._ctx.health.async_status(DeviceStatusReport(camera, False, ts, "stream", "no_frames"))

    async def _purge(self) -> None:
        while True:
            # Ingest workers share the folder: each purges the cameras it reads.
            mine = set(self.workers) if self._ctx.settings.role is Role.INGEST else None
            removed = await asyncio.to_thread(self.snapshots.purge, mine)
            if removed:
                log.info("cameras: %d old snapshots removed", removed)
            await asyncio.sleep(PURGE_EVERY_S)

    # CameraFeeds, for the console.

    def cameras(self) -> list[str]:
        return list(self.specs)

    async def async_jpeg(self, camera: str, width: int) -> Jpeg | None:
        worker = self.workers.get(camera)
        if worker is None and camera in self.specs:  # read by another process: opened here while watched
            worker = self.viewers.reader(camera)
        frame = worker.latest if worker is not None else None
        if worker is None or frame is None:
            return None
        return await self._encoder.async_encode(camera, worker.seq, frame, width)

    async def async_snapshots(self, camera: str, limit: int) -> list[str]:
        return await asyncio.to_thread(self.snapshots.names, camera, limit)

    async def async_snapshot(self, camera: str, name: str) -> bytes | None:
        return await asyncio.to_thread(self.snapshots.read, camera, name)
