"""Broadcast routes: jobs (create, confirm, cancel, list, read with receipts) and speech audio."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import FileResponse

from console.auth import Staff
from console.bounds import Id
from console.broadcast.schemas import JobAsk, JobDetail, JobEditAsk, JobPublic, ReceiptPublic, Resolved, TargetAsk
from console.deps import Ctx
from hub.broadcast.model import Job, JobState, Receipt, Summary
from hub.broadcast.service import BroadcastService, UnknownRecording
from hub.broadcast.targets import UnknownTarget

broadcast_router = APIRouter()


def _service(ctx: Ctx) -> BroadcastService:
    if ctx.broadcast is None:
        raise HTTPException(503, "broadcasting is not running (no speaker-mqtt plugin)")
    return ctx.broadcast


Broadcast = Annotated[BroadcastService, Depends(_service)]


def _detail(job: Job, summary: Summary, receipts: list[Receipt]) -> JobDetail:
    return JobDetail(**JobPublic.of(job, summary).model_dump(),
                     receipts=[ReceiptPublic.of(r) for r in sorted(receipts, key=lambda r: r.speaker)])


@broadcast_router.post("/api/broadcast/jobs", status_code=201)
async def create_job(principal: Staff, service: Broadcast, spec: JobAsk) -> JobDetail:
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
async def confirm_job(principal: Staff, service: Broadcast, job_id: Id, edit: JobEditAsk | None = None) -> JobDetail:
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
async def resolve_target(principal: Staff, service: Broadcast, target: TargetAsk) -> Resolved:
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
