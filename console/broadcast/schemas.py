"""What the broadcast API and its feed return: jobs with their summaries, receipts, and the feed's messages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from console.schemas import at, utc
from console.text import Input
from hub.broadcast.config import JobCreate, JobEdit, Target
from hub.broadcast.model import Job, Receipt, Summary


class JobAsk(Input, JobCreate):
    """A new broadcast job as the API takes it, its text free of control characters."""


class JobEditAsk(Input, JobEdit):
    """The changes made to a proposed job before confirming it, free of control characters."""


class TargetAsk(Input, Target):
    """Speakers to resolve, named without control characters."""


class SummaryPublic(BaseModel):
    targeted: int
    queued: int
    sending: int
    playing: int
    played: int
    failed: int
    cancelled: int
    offline: int
    interrupted: int

    @classmethod
    def of(cls, s: Summary) -> SummaryPublic:
        return cls(**{name: getattr(s, name) for name in cls.model_fields})


class ReceiptPublic(BaseModel):
    job_id: int
    run: int
    speaker: str
    state: str
    updated_at: datetime
    reason: str
    interruptions: int

    @classmethod
    def of(cls, r: Receipt) -> ReceiptPublic:
        return cls(job_id=r.job_id, run=r.run, speaker=r.speaker, state=r.state.value,
                   updated_at=at(r.updated_at), reason=r.reason, interruptions=r.interruptions)


class JobPublic(BaseModel):
    id: int
    state: str
    priority: str
    text: str
    target: Target
    speakers: list[str]
    repeat: int
    volume: int | None
    audio_url: str | None
    audio: str | None  # path of the synthesised speech, or of the recorded message, on this console
    recorded: bool  # it plays a recorded message (audio), not the text
    duration_s: float
    daily_at: str | None
    next_run_at: datetime | None
    expires_at: datetime | None
    run: int
    origin: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    note: str
    summary: SummaryPublic

    @classmethod
    def of(cls, j: Job, summary: Summary) -> JobPublic:
        audio = f"/api/broadcast/audio/{j.audio.key}{j.audio.suffix}" if j.audio else None
        return cls(id=j.id, state=j.state.value, priority=j.priority.value, text=j.text, target=j.target,
                   speakers=list(j.speakers), repeat=j.repeat, volume=j.volume, audio_url=j.audio_url, audio=audio,
                   recorded=bool(j.audio and j.audio.recorded),
                   duration_s=j.duration_s, daily_at=j.daily_at, next_run_at=utc(j.next_run_at),
                   expires_at=utc(j.expires_at), run=j.run, origin=j.origin, created_by=j.created_by,
                   created_at=at(j.created_at),
                   updated_at=at(j.updated_at), note=j.note, summary=SummaryPublic.of(summary))


class JobDetail(JobPublic):
    receipts: list[ReceiptPublic]


class Resolved(BaseModel):
    speakers: list[str]


class BroadcastSnapshot(BaseModel):
    """The first message: the unfinished jobs with their summaries."""

    type: Literal["snapshot"] = "snapshot"
    jobs: list[JobPublic]


class JobUpdate(BaseModel):
    """A job as it now is, with the receipts that changed."""

    type: Literal["job"] = "job"
    job: JobPublic
    receipts: list[ReceiptPublic]
