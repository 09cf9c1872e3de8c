"""One camera's worker thread: open, decode every frame, analyse some, reconnect with backoff.

Threads rather than processes (see README, "Cameras"): OpenCV releases the GIL
while FFmpeg decodes and while it filters, so threads use both cores, share
the newest frame with the live view without copying, and cost far less memory
than a process per camera. Each thread owns its capture, so a camera that
hangs or drops holds only itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from hub.clock import Clock
from streams.analysis import CameraAnalysis
from streams.findings import Finding
from streams.frames import Image
from streams.sources import Source

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Observation:
    """A finding with the frame that showed it (for the snapshot), handed out of the worker thread."""

    camera: str
    finding: Finding
    ts: float  # town clock
    frame: Image | None


@dataclass(frozen=True, slots=True)
class Backoff:
    min_s: float
    max_s: float


class CameraWorker:
    """Reads one camera in its own thread; the newest frame and when it came are public for the watchdog.

    Without an analysis it only keeps the newest frame, for live viewers (streams.viewers)."""

    def __init__(self, camera: str, opener: Callable[[], Source], analysis: CameraAnalysis | None, detect_fps: float,
                 backoff: Backoff, report: Callable[[Observation], None], clock: Clock) -> None:
        self.camera = camera
        self._open, self._analysis, self._report, self._clock = opener, analysis, report, clock
        self._period = 1.0 / detect_fps
        self._backoff = backoff
        self.stopping = threading.Event()
        self.latest: Image | None = None
        self.seq = 0  # frames decoded since start
        self.last_frame = 0.0  # time.monotonic() of the newest frame; 0: none yet
        self.connects = 0
        self._thread = threading.Thread(target=self._run, name=f"camera-{camera}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float) -> None:
        self.stopping.set()
        self._thread.join(timeout)
        if self._thread.is_alive():  # stuck in FFmpeg until its read timeout; a daemon, it will not hold exit
            log.warning("camera %s: worker still reading after %.0f s", self.camera, timeout)

    def _run(self) -> None:
        delay = self._backoff.min_s
        while not self.stopping.is_set():
            try:
                source = self._open()
            except Exception as exc:
                log.info("camera %s: cannot open (%s); again in %.0f s", self.camera, exc, delay)
            else:
                self.connects += 1
                try:
                    if self._pump(source):
                        delay = self._backoff.min_s
                except Exception:
                    log.exception("camera %s: reading failed", self.camera)
                finally:
                    source.close()
                if self._analysis is not None:
                    self._emit(self._analysis.interrupted(), None)
            self.stopping.wait(delay)
            delay = min(delay * 2, self._backoff.max_s)

    def _pump(self, source: Source) -> bool:
        """Read until the stream ends or we stop; True if any frame came."""
        got = False
        next_analysis = 0.0
        while not self.stopping.is_set():
            frame = source.read()
            if frame is None:
                log.info("camera %s: stream ended", self.camera)
                return got
            got = True
            now = time.monotonic()
            self.latest, self.seq, self.last_frame = frame, self.seq + 1, now
            if self._analysis is not None and now >= next_analysis:
                next_analysis = max(next_analysis + self._period, now - self._period)
                # Durations (off delays, how long a picture stays frozen) run in real seconds even when
                # the demo's town clock runs fast; the events themselves carry the town's time.
                self._emit(self._analysis.analyse(frame, now), frame)
        return got

    def _emit(self, findings: list[Finding], frame: Image | None) -> None:
        for finding in findings:
            self._report(Observation(self.camera, finding, self._clock(), frame))
