"""What the video edge offers the rest of the hub (the console): live frames and event snapshots.

The console finds it as `ctx.cameras` once the cameras plugin has started; it never
imports the video package itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class LiveDefaults:
    """Tile size and rate a viewer gets when it does not ask."""

    width: int
    fps: float
    max_fps: float


@dataclass(frozen=True, slots=True)
class Jpeg:
    """One encoded frame of a camera; `seq` grows with every decoded frame."""

    camera: str
    seq: int
    data: bytes


class CameraFeeds(Protocol):
    """Frames and snapshots of the cameras being read. Methods with `async_` run on the loop."""

    live: LiveDefaults

    def cameras(self) -> list[str]:
        """Every camera it can show: read here, or opened for viewers while they watch (a county's leader)."""
        ...

    async def async_jpeg(self, camera: str, width: int) -> Jpeg | None:
        """The camera's newest frame at *width*, encoded now (None: no frame yet, or not a camera)."""
        ...

    async def async_snapshots(self, camera: str, limit: int) -> list[str]:
        """Names of the camera's stored event snapshots, newest first."""
        ...

    async def async_snapshot(self, camera: str, name: str) -> bytes | None: ...
