"""What the broadcast service needs from the edges besides the bus: speech synthesis."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from hub.broadcast.model import AudioClip


class Synthesizer(Protocol):
    """Text to speech, cached; never blocks the event loop."""

    async def synthesize(self, text: str) -> AudioClip: ...

    def path(self, key: str) -> Path | None:
        """The file of a clip made earlier, if it is still there."""


def estimated_duration(text: str) -> float:
    """Seconds a speaker's own TTS takes for *text*: Mandarin runs at about 4 characters a second."""
    return max(1.0, len(text.strip()) / 4.0)
