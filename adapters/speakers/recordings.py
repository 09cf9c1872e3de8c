"""Recorded messages (录音广播) uploaded by the duty office, kept as WAV files in `<files_dir>/recordings/`.

Each recording is its audio, named by a hash of it, and a small JSON file beside it
(title, length, who uploaded it, when). WAV only, as for synthesised speech: every
speaker that plays URLs decodes it, and its length is read without a decoder.
Files are read and written in threads, never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import os
import time
import wave
from pathlib import Path

from hub.broadcast.model import Recording

SUFFIX = ".wav"
MAX_BYTES = 20 * 1024 * 1024  # about 10 minutes of 16 kHz mono: longer is not a loudspeaker message
MAX_S = 600.0


class FileRecordingShelf:
    """RecordingShelf (hub.broadcast.ports) on a directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, key: str) -> Path | None:
        found = self.directory / f"{key}{SUFFIX}"
        return found if key.isalnum() and found.is_file() else None

    async def add(self, title: str, data: bytes, actor: str) -> Recording:
        title = title.strip()
        if not title:
            raise ValueError("a recording needs a title")
        if len(data) > MAX_BYTES:
            raise ValueError(f"the recording is larger than {MAX_BYTES // (1024 * 1024)} MB")
        duration = wav_seconds(data)
        if duration > MAX_S:
            raise ValueError(f"the recording is longer than {MAX_S:g} s")
        key = hashlib.sha256(data).hexdigest()[:32]
        recording = Recording(key, title[:100], round(duration, 2), len(data), actor, time.time())
        await asyncio.to_thread(self._write, recording, data)
        return recording

    async def all(self) -> list[Recording]:
        found = await asyncio.to_thread(lambda: [self._read(p) for p in self.directory.glob("*.json")])
        return sorted((r for r in found if r is not None), key=lambda r: -r.uploaded_at)

    async def get(self, key: str) -> Recording | None:
        if not key.isalnum():
            return None
        return await asyncio.to_thread(self._read, self.directory / f"{key}.json")

    async def remove(self, key: str) -> bool:
        """Forget a recording; jobs made from it keep playing it, so only its listing goes."""
        if not key.isalnum():
            return False
        return await asyncio.to_thread(_unlink, self.directory / f"{key}.json")

    def _write(self, recording: Recording, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        audio = self.directory / f"{recording.key}{SUFFIX}"
        if not audio.is_file():
            partial = audio.with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(data)
            partial.replace(audio)  # whole files only: a speaker never fetches half a recording
        meta = {"title": recording.title, "duration_s": recording.duration_s, "size": recording.size,
                "uploaded_by": recording.uploaded_by, "uploaded_at": recording.uploaded_at}
        (self.directory / f"{recording.key}.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")

    def _read(self, meta: Path) -> Recording | None:
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            m = json.loads(meta.read_text("utf-8"))
            if (meta.parent / f"{meta.stem}{SUFFIX}").is_file():
                return Recording(meta.stem, str(m["title"]), float(m["duration_s"]), int(m["size"]),
                                 str(m["uploaded_by"]), float(m["uploaded_at"]))
        return None


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def wav_seconds(data: bytes) -> float:
    """The length of a WAV file's audio; ValueError if it is not one with sound in it."""
    try:
        with wave.open(io.BytesIO(data), "rb") as f:
            frames, rate = f.getnframes(), f.getframerate()
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"not a WAV file (PCM): {exc}") from None
    if frames == 0 or rate == 0:
        raise ValueError("the WAV file holds no sound")
    return frames / float(rate)
