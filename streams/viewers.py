"""Live pictures of cameras this process does not read itself: opened while someone watches, closed after.

On a county's core leader the cameras are read and analysed by the ingest workers that lease them, while the
leader's console serves the live tiles. The leader opens a camera for its viewers only, without analysis, events
or health (its owner keeps those), and closes it once nobody has asked for a frame for IDLE_S. An IP camera
serves several streams at once, as it does for a recorder (NVR) and the hub in a village.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from hub.clock import Clock
from streams.sources import Source
from streams.worker import Backoff, CameraWorker

log = logging.getLogger(__name__)
IDLE_S = 30.0


class LiveViewers:
    """Viewer-only readers by camera; loop only (the readers themselves are threads)."""

    def __init__(self, opener: Callable[[str], Callable[[], Source]], backoff: Backoff, clock: Clock) -> None:
        self._opener, self._backoff, self._clock = opener, backoff, clock
        self.readers: dict[str, CameraWorker] = {}
        self._asked: dict[str, float] = {}

    def reader(self, camera: str) -> CameraWorker:
        """The camera's viewer reader, opened now if it was not (its first frames take a moment)."""
        self._asked[camera] = time.monotonic()
        reader = self.readers.get(camera)
        if reader is None:
            reader = self.readers[camera] = CameraWorker(camera, self._opener(camera), None, 1.0, self._backoff,
                                                         lambda _obs: None, self._clock)
            reader.start()
            log.info("cameras: %s opened for live viewers", camera)
        return reader

    def idle(self, keep: Callable[[str], bool] = lambda _c: False) -> list[CameraWorker]:
        """Take out the readers nobody asked a frame of for IDLE_S, or that *keep* says are read anyway."""
        now = time.monotonic()
        gone = [c for c in self.readers if now - self._asked.get(c, 0.0) > IDLE_S or keep(c)]
        for camera in gone:
            log.info("cameras: %s closed for live viewers", camera)
        return [self.readers.pop(c) for c in gone]

    def stop_all(self) -> None:
        """In a thread: stop every reader."""
        for reader in self.readers.values():
            reader.stopping.set()
        deadline = time.monotonic() + 2.0
        for reader in list(self.readers.values()):
            reader.stop(timeout=max(0.0, deadline - time.monotonic()))
        self.readers.clear()

