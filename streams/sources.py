"""Where frames come from: RTSP (over TCP), HTTP MJPEG and files through OpenCV's FFmpeg, or a simulation.

A source is opened by the worker that reads it and closed by the same worker;
`read` returns None when the stream has ended or broken, and gives up within
the read timeout when frames stop, so a silent camera never holds its thread.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import cv2

from streams.frames import Image

# FFmpeg reads this when a capture opens; TCP because UDP loses packets (and
# so whole frames) on village links, and crosses fewer firewalls.
os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS", "rtsp_transport;tcp")


class SourceError(Exception):
    """A camera could not be opened."""


class Source(Protocol):
    def read(self) -> Image | None: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """How to reach one camera."""

    camera: str
    adapter: str  # rtsp, mjpeg, file (or sim in the demo)
    address: str
    timeout_s: float = 10.0
    decode_threads: int = 1  # per stream: many streams on few cores do better one thread each


Opener = Callable[[SourceSpec], Source]


class CaptureSource:
    """An OpenCV capture; files are paced at their own frame rate and loop, like a live camera."""

    def __init__(self, spec: SourceSpec) -> None:
        ms = int(spec.timeout_s * 1000)
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms,
                  cv2.CAP_PROP_N_THREADS, spec.decode_threads]
        self._capture = cv2.VideoCapture(spec.address, cv2.CAP_FFMPEG, params)
        if not self._capture.isOpened():
            self._capture.release()
            raise SourceError(f"{spec.camera}: cannot open {spec.adapter} source")
        self._file = spec.adapter == "file"
        fps = self._capture.get(cv2.CAP_PROP_FPS) if self._file else 0.0
        self._period = 1.0 / fps if fps and fps > 0 else 0.0
        self._next = time.monotonic()

    def read(self) -> Image | None:
        ok, frame = self._capture.read()
        if not ok and self._file:  # the end of the file: from the start again
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._capture.read()
        if not ok:
            return None
        if self._period:
            self._next = max(self._next + self._period, time.monotonic() - 1.0)
            time.sleep(max(0.0, self._next - time.monotonic()))
        result: Image = frame
        return result

    def close(self) -> None:
        self._capture.release()


class Pacer:
    """Sleeps a live-like source to its frame rate; a stop event cuts the sleep short."""

    def __init__(self, fps: float, stop: threading.Event | None = None) -> None:
        self.period = 1.0 / fps
        self._next = time.monotonic()
        self._stop = stop or threading.Event()

    def wait(self) -> None:
        self._next = max(self._next + self.period, time.monotonic() - 1.0)
        self._stop.wait(max(0.0, self._next - time.monotonic()))


def open_capture(spec: SourceSpec) -> Source:
    return CaptureSource(spec)
