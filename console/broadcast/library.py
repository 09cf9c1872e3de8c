"""What the duty officer composes a broadcast from: named zones, recorded messages, and the speech to preview.

Recorded messages are WAV files uploaded as the request body (`Content-Type:
audio/wav`, the title in the query), kept in the files directory by the speaker
plugin; a job plays one with `"recording": "<key>"`. The preview is the speech
espeak-ng makes for a text, the same clip speakers without TTS of their own fetch.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from console.auth import Staff
from console.broadcast.routes import Broadcast
from console.schemas import at
from console.text import Input
from hub.broadcast.model import Recording
from hub.broadcast.ports import RecordingShelf
from hub.broadcast.service import BroadcastService

library_router = APIRouter(prefix="/api/broadcast", tags=["broadcast"])
UPLOAD_MAX = 20 * 1024 * 1024


class ZonePublic(BaseModel):
    name: str
    title: str
    speakers: list[str] = Field(description="the speakers the zone reaches")


class RecordingPublic(BaseModel):
    key: str = Field(description="give it as a job's `recording`")
    title: str
    duration_s: float
    size: int
    uploaded_by: str
    uploaded_at: datetime
    audio: str = Field(description="where the browser plays it")

    @classmethod
    def of(cls, r: Recording) -> RecordingPublic:
        return cls(key=r.key, title=r.title, duration_s=r.duration_s, size=r.size, uploaded_by=r.uploaded_by,
                   uploaded_at=at(r.uploaded_at), audio=f"/api/broadcast/audio/{r.key}.wav")


class PreviewAsk(Input):
    """Text to speak: control characters and unknown keys refused with the reason, as for a job."""

    text: str = Field(min_length=1, max_length=2000)


class Preview(BaseModel):
    audio: str = Field(description="the synthesised speech, WAV")
    duration_s: float


def _shelf(service: BroadcastService) -> RecordingShelf:
    if service.recordings is None:
        raise HTTPException(503, "recorded messages are not kept by this hub")
    return service.recordings


@library_router.get("/zones")
async def zones(principal: Staff, service: Broadcast) -> list[ZonePublic]:
    """The town file's named zones, with the speakers each reaches."""
    return [ZonePublic(name=name, title=zone.title or name, speakers=list(service.resolve_zone(name)))
            for name, zone in service.config.zones.items()]


@library_router.post("/preview")
async def preview(principal: Staff, service: Broadcast, ask: PreviewAsk) -> Preview:
    """The speech for a text, to listen to before sending it."""
    try:
        clip = await service.preview(ask.text)
    except RuntimeError as exc:  # espeak-ng missing or failing
        raise HTTPException(503, f"speech synthesis failed: {exc}") from None
    return Preview(audio=f"/api/broadcast/audio/{clip.key}{clip.suffix}", duration_s=round(clip.duration_s, 2))


@library_router.get("/recordings")
async def recordings(principal: Staff, service: Broadcast) -> list[RecordingPublic]:
    """Recorded messages, newest first."""
    return [RecordingPublic.of(r) for r in await _shelf(service).all()]


@library_router.post("/recordings", status_code=201)
async def upload(principal: Staff, service: Broadcast, request: Request,
                 title: Annotated[str, Query(min_length=1, max_length=100)]) -> RecordingPublic:
    """Keep a recorded message: the request body is a WAV file (PCM), at most 20 MB and 10 minutes."""
    shelf = _shelf(service)
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > UPLOAD_MAX:
            raise HTTPException(413, f"a recording is at most {UPLOAD_MAX // (1024 * 1024)} MB")
    try:
        return RecordingPublic.of(await shelf.add(title, bytes(data), principal.actor))
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


@library_router.delete("/recordings/{key}", status_code=204)
async def remove(principal: Staff, service: Broadcast, key: str) -> None:
    """Take a recording off the list (jobs already made with it still play it)."""
    if not await _shelf(service).remove(key):
        raise HTTPException(404, f"no recording {key!r}")
