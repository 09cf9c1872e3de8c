"""Synthetic camera clips encoded to H.264 and a real GStreamer RTSP server serving them, for the tests."""

from __future__ import annotations

import contextlib
import dataclasses
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from hub.townfile import LoadedTown
from streams.frames import Image
from tests.support import free_port, listening, sample_town

TOOL = Path(__file__).with_name("gst_tool.py")
PYTHON = "/usr/bin/python3"  # Debian's, where python3-gi and the GStreamer bindings live
FPS = 10


def encode(path: Path, frames: list[Image], gop: int = FPS) -> None:
    """Encode *frames* (BGR, one size) to H.264 in *path*, a keyframe every *gop* frames."""
    h, w = frames[0].shape[:2]
    raw = b"".join(np.ascontiguousarray(f).tobytes() for f in frames)
    done = subprocess.run([PYTHON, str(TOOL), "encode", str(path), str(w), str(h), str(FPS), str(gop)],
                          input=raw, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")


def encode_all(folder: Path, clips: dict[str, Callable[[float], Image]], seconds: float) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(4) as pool:
        jobs = [pool.submit(encode, folder / f"{name}.mkv", [render(i / FPS) for i in range(int(seconds * FPS))])
                for name, render in clips.items()]
        for job in jobs:
            job.result()


class RtspServer:
    """GStreamer's RTSP server in its own process on a free port; stoppable and restartable."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, name: str) -> str:
        return f"rtsp://127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        self.process = subprocess.Popen([PYTHON, str(TOOL), "serve", str(self.port), str(self.folder)],
                                        stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not listening(self.port):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the RTSP server did not start")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


@contextlib.contextmanager
def serving(folder: Path, clips: dict[str, Callable[[float], Image]], seconds: float) -> Iterator[RtspServer]:
    """*clips* encoded into *folder* and served, each at its name, until the block ends."""
    encode_all(folder, clips, seconds)
    server = RtspServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.kill()


def town_watched_by(server: RtspServer) -> LoadedTown:
    """The sample town with each camera *server* serves at the server's address (the others as they are)."""
    loaded = sample_town()
    served = {p.stem for p in server.folder.glob("*.mkv")}
    devices = [d.model_copy(update={"address": server.url(d.id)}) if d.id in served else d for d in loaded.town.devices]
    return dataclasses.replace(loaded, town=loaded.town.model_copy(update={"devices": devices}))
