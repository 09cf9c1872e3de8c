"""A camera's RTSP stream fed into a Janus mountpoint as RTP, by GStreamer, without decoding it.

`rtspsrc ! rtph264depay ! h264parse ! rtph264pay ! udpsink`: the camera's
H.264 is repacketised, never re-encoded, so a shared camera costs the hub a
few percent of a core whatever its resolution. SPS and PPS go with every
keyframe, so a browser that starts watching mid-stream can decode. The
process is restarted with backoff while the camera is shared.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from adapters.janus.orphans import forget, record

log = logging.getLogger(__name__)
BACKOFF_MIN_S = 1.0
BACKOFF_MAX_S = 30.0
STEADY_S = 30.0  # a run this long resets the backoff


def pipeline(url: str, port: int) -> list[str]:
    """gst-launch's arguments: GStreamer parses them as one description, so the URL is quoted."""
    location = '"' + url.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return ["-q", "rtspsrc", f"location={location}", "protocols=tcp", "latency=200", "!",
            "rtph264depay", "!", "h264parse", "config-interval=-1", "!",
            "rtph264pay", "pt=96", "config-interval=-1", "aggregate-mode=zero-latency", "!",
            "udpsink", "host=127.0.0.1", f"port={port}", "sync=false", "async=false"]


class CameraRelay:
    """One GStreamer process per shared camera, supervised. Loop only."""

    def __init__(self, binary: Path, camera: str, url: str, port: int, log_file: Path) -> None:
        self.binary = binary
        self.camera = camera
        self.url = url
        self.port = port
        self.log_file = log_file
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._supervise(), name=f"camera-relay-{self.camera}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _supervise(self) -> None:
        backoff = BACKOFF_MIN_S
        try:
            while True:
                started = asyncio.get_running_loop().time()
                code = await self._run_once()
                ran = asyncio.get_running_loop().time() - started
                backoff = BACKOFF_MIN_S if ran >= STEADY_S else min(backoff * 2, BACKOFF_MAX_S)
                log.warning("camera relay %s ended (%s) after %.0f s; again in %.0f s", self.camera, code, ran, backoff)
                await asyncio.sleep(backoff)
        finally:
            await self._kill()

    @property
    def pid_file(self) -> Path:
        """Beside its log, in the Janus folder, where the next hub looks for relays a killed one left."""
        return self.log_file.with_suffix(".pid")

    async def _run_once(self) -> int:
        self.starts += 1
        argv = [str(self.binary), *pipeline(self.url, self.port)]
        with self.log_file.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
        record(self.pid_file, self.process.pid, argv)
        code = await self.process.wait()
        forget(self.pid_file)
        return code

    async def _kill(self) -> None:
        process, self.process = self.process, None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 5)
        except TimeoutError:
            process.kill()
            await process.wait()
        forget(self.pid_file)
