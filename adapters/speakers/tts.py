"""Mandarin speech with espeak-ng (Debian package `espeak-ng`), cached on disk by a hash of voice and text.

espeak-ng runs as a subprocess awaited on the event loop, so synthesis never
blocks it; concurrent requests for the same text wait for one run. Output is
WAV (16-bit mono PCM), which every speaker that plays URLs decodes.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import wave
from pathlib import Path

from hub.broadcast.model import AudioClip

SUFFIX = ".wav"
MEDIA_TYPE = "audio/wav"
TIMEOUT_S = 60.0


class SynthesisError(RuntimeError):
    """espeak-ng is missing or failed."""


class EspeakSynthesizer:
    """Synthesizer (hub.broadcast.ports) on espeak-ng."""

    def __init__(self, cache_dir: Path, voice: str = "cmn", speed_wpm: int = 150) -> None:
        self.cache_dir = cache_dir
        self.voice = voice
        self.speed_wpm = speed_wpm
        self._locks: dict[str, asyncio.Lock] = {}

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self.voice}\n{self.speed_wpm}\n{text}".encode()).hexdigest()[:32]

    def path(self, key: str) -> Path | None:
        found = self.cache_dir / f"{key}{SUFFIX}"
        return found if key.isalnum() and found.is_file() else None

    async def synthesize(self, text: str) -> AudioClip:
        key = self.key(text)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            target = self.cache_dir / f"{key}{SUFFIX}"
            if not target.is_file():
                await self._run(text, target)
            duration = await asyncio.to_thread(wav_duration, target)
        self._locks.pop(key, None)
        return AudioClip(key, duration, MEDIA_TYPE, SUFFIX)

    async def _run(self, text: str, target: Path) -> None:
        binary = shutil.which("espeak-ng")
        if binary is None:
            raise SynthesisError("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.part")
        process = await asyncio.create_subprocess_exec(
            binary, "-v", self.voice, "-s", str(self.speed_wpm), "-w", str(partial), "--", text,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        try:
            _, err = await asyncio.wait_for(process.communicate(), TIMEOUT_S)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise SynthesisError(f"espeak-ng took longer than {TIMEOUT_S:g} s") from None
        if process.returncode != 0 or not partial.is_file():
            partial.unlink(missing_ok=True)
            raise SynthesisError(f"espeak-ng failed ({process.returncode}): {err.decode(errors='replace')[:200]}")
        partial.replace(target)  # whole files only: a speaker never fetches half a clip


def wav_duration(path: Path) -> float:
    with wave.open(str(path), "rb") as f:
        return f.getnframes() / float(f.getframerate())
