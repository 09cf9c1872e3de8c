"""Broadcast routes: jobs (create, confirm, cancel, list, read with receipts), speech audio, live feed.

The live feed `/ws/broadcast` first sends a snapshot of the unfinished jobs with
their summaries, then one `job` message per job and step with the receipts
that changed. A browser that falls behind loses the oldest messages (told in a
`dropped` message) and re-reads the job from REST: receipts are state, not events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, WebSocket
from fastapi.responses import FileResponse
from pydantic import BaseModel

from console.auth import STAFF, Staff, ws_admit
from console.bounds import Id
from console.deps import Ctx
from console.fanout import FanOut, Policy
from console.schemas import at, utc
from console.wsfeed import send_model, serve
from hub.broadcast.config import JobCreate, JobEdit, Target
from hub.broadcast.model import BroadcastUpdate, Job, JobState, Receipt, Summary
from hub.broadcast.service import BroadcastService, UnknownRecording
from hub.broadcast.targets import UnknownTarget
from hub.context import HubContext

QUEUE_LIMIT = 1000
broadcast_router = APIRouter()


def _service(ctx: Ctx) -> BroadcastService:
    if ctx.broadcast is None:
        raise HTTPException(503, "broadcasting is not running (no speaker-mqtt plugin)")
    return ctx.broadcast


Broadcast = Annotated[BroadcastService, Depends(_service)]


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


def _detail(job: Job, summary: Summary, receipts: list[Receipt]) -> JobDetail:
    return JobDetail(**JobPublic.of(job, summary).model_dump(),
                     receipts=[ReceiptPublic.of(r) for r in sorted(receipts, key=lambda r: r.speaker)])


@broadcast_router.post("/api/broadcast/jobs", status_code=201)
async def create_job(principal: Staff, service: Broadcast, spec: JobCreate) -> JobDetail:
    """Start (or schedule) a broadcast."""
    try:
        job = await service.create(spec, principal.actor)
    except (UnknownTarget, UnknownRecording) as exc:
        raise HTTPException(422, str(exc.args[0])) from None
    return await read_job(principal, service, job.id)


@broadcast_router.get("/api/broadcast/jobs")
async def list_jobs(principal: Staff, service: Broadcast, state: Annotated[list[JobState] | None, Query()] = None,
                    limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[JobPublic]:
    """Jobs, newest first; `state` may repeat (e.g. proposed)."""
    return [JobPublic.of(j, s) for j, s in await service.find(tuple(state or ()), limit)]


@broadcast_router.get("/api/broadcast/jobs/{job_id}")
async def read_job(principal: Staff, service: Broadcast, job_id: Id) -> JobDetail:
    """One job with its summary and the receipts of its latest run."""
    found = await service.get(job_id)
    if found is None:
        raise HTTPException(404, f"no job {job_id}")
    return _detail(*found)


@broadcast_router.post("/api/broadcast/jobs/{job_id}/confirm")
async def confirm_job(principal: Staff, service: Broadcast, job_id: Id, edit: JobEdit | None = None) -> JobDetail:
    """Start a proposed job, with changes (text, target, priority, repeat, volume) if given."""
    try:
        await service.confirm(job_id, edit, principal.actor)
    except KeyError as exc:
        raise HTTPException(409, str(exc.args[0])) from None
    except UnknownTarget as exc:
        raise HTTPException(422, str(exc)) from None
    return await read_job(principal, service, job_id)


@broadcast_router.post("/api/broadcast/jobs/{job_id}/cancel")
async def cancel_job(principal: Staff, service: Broadcast, job_id: Id) -> JobDetail:
    """Cancel a job: queued speakers never play it, playing ones are stopped."""
    try:
        await service.cancel(job_id, principal.actor)
    except KeyError as exc:
        raise HTTPException(409, str(exc.args[0])) from None
    return await read_job(principal, service, job_id)


@broadcast_router.post("/api/broadcast/resolve")
async def resolve_target(principal: Staff, service: Broadcast, target: Target) -> Resolved:
    """The speakers a target reaches, without broadcasting."""
    try:
        return Resolved(speakers=list(service.resolve(target)))
    except UnknownTarget as exc:
        raise HTTPException(422, str(exc)) from None


@broadcast_router.get("/api/broadcast/audio/{name}", include_in_schema=False)
async def audio(service: Broadcast, name: str) -> FileResponse:
    """Synthesised speech and recorded messages, fetched by speakers (no sign-in: devices fetch it)."""
    key = name.partition(".")[0]
    path = service.synth.path(key) or (service.recordings.path(key) if service.recordings else None)
    if path is None or path.name != name:
        raise HTTPException(404, "no such audio")
    return FileResponse(path, media_type="audio/wav")


class BroadcastSnapshot(BaseModel):
    """The first message: the unfinished jobs with their summaries."""

    type: Literal["snapshot"] = "snapshot"
    jobs: list[JobPublic]


class JobUpdate(BaseModel):
    """A job as it now is, with the receipts that changed."""

    type: Literal["job"] = "job"
    job: JobPublic
    receipts: list[ReceiptPublic]


class BroadcastFeed:
    """Fans broadcast updates out to every connected browser. Loop only."""

    def __init__(self, ctx: HubContext) -> None:
        # Receipts are state the browser can re-read from REST: one that falls behind loses the oldest updates.
        self.fanout: FanOut[JobUpdate] = FanOut("broadcast feed", QUEUE_LIMIT, Policy.drop_oldest)
        self.fanout.keep(ctx.bus.subscribe(BroadcastUpdate, self._on_update))

    def _on_update(self, update: BroadcastUpdate) -> None:
        if self.fanout:
            self.fanout.publish(JobUpdate(job=JobPublic.of(update.job, update.summary),
                                          receipts=[ReceiptPublic.of(r) for r in update.receipts]))


@broadcast_router.websocket("/ws/broadcast")
async def broadcast_feed(websocket: WebSocket) -> None:
    """A snapshot of unfinished jobs, then every job update with its changed receipts."""
    ctx: HubContext = websocket.app.state.ctx
    feed: BroadcastFeed = websocket.app.state.broadcast_feed
    if await ws_admit(websocket, *STAFF) is None:
        return

    async def opening() -> list[BroadcastSnapshot]:
        service = ctx.broadcast
        live = [] if service is None else [
            JobPublic.of(j, service.summary(j)) for j in service.engine.jobs.values() if not j.state.is_final]
        return [BroadcastSnapshot(jobs=live)]

    async def send(update: JobUpdate) -> None:
        await send_model(websocket, update)

    await serve(websocket, feed.fanout.subscribe(), opening, send)
