"""Loudspeakers one by one: their last reports, and volume, stop and status commands."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from console.auth import Staff, Watcher
from console.broadcast.routes import Broadcast
from console.deps import Ctx
from console.schemas import at
from console.scope import sees_device
from hub.broadcast.service import BroadcastService

speakers_router = APIRouter(prefix="/api/speakers", tags=["broadcast"])


class SpeakerPublic(BaseModel):
    id: str
    online: bool
    state: str | None = Field(description="idle, playing, fault, offline: the speaker's last report")
    volume: int | None
    fault: str
    reported_at: datetime | None


class Control(BaseModel):
    model_config = ConfigDict(extra="forbid")

    volume: int | None = Field(default=None, ge=0, le=100, description="clamped to the speaker's range")
    stop: bool = Field(default=False, description="stop what it plays")


class Sent(BaseModel):
    command: str = Field(description="the command id; the speaker's result and status follow on its topics")


@speakers_router.get("")
async def speakers(principal: Watcher, ctx: Ctx, service: Broadcast) -> list[SpeakerPublic]:
    """Every loudspeaker (a cadre: of their village) with its last reported state and volume."""
    out = []
    for speaker in sorted(s for s in service.speakers if sees_device(ctx, principal, s)):
        status = service.statuses.get(speaker)
        out.append(SpeakerPublic(id=speaker, online=service.online(speaker),
                                 state=status.state.value if status else None,
                                 volume=status.volume if status else None, fault=status.fault if status else "",
                                 reported_at=at(status.ts) if status else None))
    return out


def _control(service: BroadcastService, speaker: str, body: Control) -> Sent:
    try:
        return Sent(command=service.control(speaker, volume=body.volume, stop=body.stop))
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None


@speakers_router.post("/{speaker}/command", status_code=202)
async def command(principal: Staff, service: Broadcast, speaker: str, body: Control) -> Sent:
    """Set the volume (`volume`), stop it (`stop`), or with neither ask it for its status."""
    return _control(service, speaker, body)
