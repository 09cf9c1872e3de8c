"""What the broadcast service needs from the edges besides the bus: speech synthesis and recordings."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from hub.broadcast.model import AudioClip, Recording


class Synthesizer(Protocol):
    """Text to speech, cached; never blocks the event loop."""

    async def synthesize(self, text: str) -> AudioClip: ...

    def path(self, key: str) -> Path | None:
        """The file of a clip made earlier, if it is still there."""


class RecordingShelf(Protocol):
    """Recorded messages the duty office uploaded, kept in the files directory; never blocks the event loop."""

    async def add(self, title: str, data: bytes, actor: str) -> Recording:
        """Keep a recording; ValueError (in English, for the API) if it is not a playable WAV."""

    async def all(self) -> list[Recording]: ...

    async def get(self, key: str) -> Recording | None: ...

    async def remove(self, key: str) -> bool: ...

    def path(self, key: str) -> Path | None:
        """The file of a recording, if it is there."""


def estimated_duration(text: str) -> float:
    """Seconds a speaker's own TTS takes for *text*: Mandarin runs at about 4 characters a second."""
    return max(1.0, len(text.strip()) / 4.0)
