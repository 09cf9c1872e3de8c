"""Event snapshots: one JPEG per camera event under <data dir>/snapshots/<camera>/, kept for a while.

Names are `<epoch ms>-<event>.jpg`, so a directory listing sorts by time and
an event's detail can name its picture.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import cv2

from streams.config import SnapshotConfig
from streams.frames import Image

log = logging.getLogger(__name__)
NAME = re.compile(r"^\d{13}-[a-z0-9_-]+\.jpg$")


class SnapshotStore:
    """Writes and serves snapshots; call from threads, never the event loop (disk and JPEG encoding)."""

    def __init__(self, root: Path, config: SnapshotConfig) -> None:
        self.root = root
        self.config = config

    def save(self, camera: str, ts: float, label: str, frame: Image) -> str | None:
        ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, self.config.quality])
        if not ok:
            return None
        name = f"{int(ts * 1000):013d}-{re.sub(r'[^a-z0-9_-]', '_', label.lower())}.jpg"
        folder = self.root / camera
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(jpeg.tobytes())
        except OSError as exc:
            log.warning("camera %s: snapshot not kept: %s", camera, exc)
            return None
        return name

    def names(self, camera: str, limit: int) -> list[str]:
        folder = self.root / camera
        if not folder.is_dir():
            return []
        return sorted((p.name for p in folder.iterdir() if NAME.match(p.name)), reverse=True)[:limit]

    def read(self, camera: str, name: str) -> bytes | None:
        if not NAME.match(name):
            return None
        path = self.root / camera / name
        return path.read_bytes() if path.is_file() else None

    def purge(self, cameras: set[str] | None = None, now: float | None = None) -> int:
        """Delete snapshots past their retention, and beyond the number kept per camera (of *cameras*: those
        this process reads, since several processes share the folder; None: all)."""
        cutoff_ms = ((now or time.time()) - self.config.retention_days * 86400) * 1000
        removed = 0
        for folder in self.root.iterdir() if self.root.is_dir() else ():
            if cameras is not None and folder.name not in cameras:
                continue
            names = sorted((p.name for p in folder.iterdir() if NAME.match(p.name)), reverse=True)
            for i, name in enumerate(names):
                if i >= self.config.max_per_camera or int(name[:13]) < cutoff_ms:
                    (folder / name).unlink(missing_ok=True)
                    removed += 1
        return removed
