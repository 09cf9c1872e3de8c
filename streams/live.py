"""Live tiles: a camera's newest frame resized and encoded on request, so nothing is encoded unwatched.

Viewers of the same camera at the same width share one encoding per decoded
frame. Encoding runs on a small pool of its own, so a wall of tiles cannot
take the threads that the rest of the hub's blocking work uses.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import cv2

from hub.cameras import Jpeg
from streams.frames import Image

ENCODERS = 2


class LiveEncoder:
    """Encodes frames for viewers; loop only (the encoding itself runs in its pool)."""

    def __init__(self, quality: int) -> None:
        self._quality = quality
        self._pool = ThreadPoolExecutor(ENCODERS, thread_name_prefix="camera-jpeg")
        self._cache: dict[tuple[str, int], asyncio.Future[Jpeg | None]] = {}
        self._seqs: dict[tuple[str, int], int] = {}

    async def async_encode(self, camera: str, seq: int, frame: Image, width: int) -> Jpeg | None:
        key = (camera, width)
        future = self._cache.get(key)
        if future is None or self._seqs.get(key) != seq:
            loop = asyncio.get_running_loop()
            future = asyncio.ensure_future(loop.run_in_executor(self._pool, self._encode, camera, seq, frame, width))
            self._cache[key], self._seqs[key] = future, seq
        return await asyncio.shield(future)

    def _encode(self, camera: str, seq: int, frame: Image, width: int) -> Jpeg | None:
        h, w = frame.shape[:2]
        if w > width:
            frame = cv2.resize(frame, (width, max(1, h * width // w)), interpolation=cv2.INTER_AREA)
        ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, self._quality])
        return Jpeg(camera, seq, data.tobytes()) if ok else None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
