"""What the console shows of calls: Public models of a call, its participants and its log; bodies of the centre's
actions; the messages of a participant's call socket."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from console.schemas import at, utc
from console.text import Input
from hub.calls.config import CallCreate
from hub.calls.model import Call, CallEntry, Participant
from hub.calls.ports import IceServer
from hub.privacy import mask_text


class ParticipantPublic(BaseModel):
    username: str
    name: str
    side: str = Field(description="centre or village")
    village: str | None
    presence: str = Field(description="in, left, dropped (may rejoin) or removed")
    first_joined_at: datetime
    joined_at: datetime = Field(description="the latest join")
    left_at: datetime | None
    joins: int
    seconds_in: float = Field(description="time in the call so far, over every join")
    audio_muted: bool
    video_muted: bool

    @classmethod
    def of(cls, p: Participant, now: float) -> ParticipantPublic:
        return cls(username=p.username, name=p.name, side=p.side.value, village=p.village, presence=p.presence.value,
                   first_joined_at=at(p.first_joined_at), joined_at=at(p.joined_at), left_at=utc(p.left_at),
                   joins=p.joins, seconds_in=round(p.seconds_in(now), 1), audio_muted=p.audio_muted,
                   video_muted=p.video_muted)


class CallPublic(BaseModel):
    id: int
    title: str
    state: str = Field(description="open or ended")
    opened_by: str
    opened_at: datetime
    villages: list[str] = Field(description="invited: any cadre of these may join")
    alert_id: int | None
    camera: str | None = Field(description="the camera shared into the call")
    ended_at: datetime | None
    ended_by: str | None
    participants: list[ParticipantPublic]
    url: str = Field(description="the call page")

    @classmethod
    def of(cls, c: Call, now: float, whole: bool = False) -> CallPublic:
        """*whole* for the centre; the villages invited read numbers in the title masked."""
        return cls(id=c.id, title=c.title if whole else mask_text(c.title), state=c.state.value,
                   opened_by=c.opened_by, opened_at=at(c.opened_at),
                   villages=list(c.villages), alert_id=c.alert_id, camera=c.camera, ended_at=utc(c.ended_at),
                   ended_by=c.ended_by, participants=[ParticipantPublic.of(p, now) for p in c.participants],
                   url=f"/call/#{c.id}")


class CallEntryPublic(BaseModel):
    seq: int
    action: str
    actor: str
    time: datetime
    username: str | None
    note: str

    @classmethod
    def of(cls, e: CallEntry, whole: bool = False) -> CallEntryPublic:
        return cls(seq=e.seq, action=e.action.value, actor=e.actor, time=at(e.ts), username=e.username,
                   note=e.note if whole else mask_text(e.note))


class CallDetail(CallPublic):
    log: list[CallEntryPublic]


class CallAsk(Input, CallCreate):
    """A call the duty officer opens, as the API takes it: its title free of control characters."""


class Invite(Input):
    villages: list[str] = Field(min_length=1, max_length=64)


class CameraChoice(Input):
    camera: str | None = Field(description="the camera to share; null stops sharing")


class Removal(Input):
    username: str = Field(min_length=1, max_length=80)


class IceServerPublic(BaseModel):
    urls: list[str]
    username: str | None
    credential: str | None

    @classmethod
    def of(cls, s: IceServer) -> IceServerPublic:
        return cls(urls=list(s.urls), username=s.username, credential=s.credential)


class CallReady(BaseModel):
    """A call socket's first message: who joined, the call as it is, and how to reach the video server."""

    type: Literal["ready"] = "ready"
    me: str
    call: CallPublic
    ice_servers: list[IceServerPublic]
    relay_only: bool = Field(description="use the TURN relay only (the network blocks direct media)")


class CallUpdate(BaseModel):
    """The call as it now is, sent to its participants on every change."""

    type: Literal["call"] = "call"
    call: CallPublic


class SignalRefused(BaseModel):
    """A message from the page the hub could not read; the call goes on."""

    type: Literal["error"] = "error"
    reason: str
