"""The broadcast service: jobs in, commands out on the bus, receipts stored and announced.

The engine decides; this wraps it in time (a runner task that steps it on every
report and every tick), persistence (a writer task that saves what changed, off
the loop) and the bus. Pending writes are kept per job and per receipt, so
however fast receipts change, the backlog is bounded by the live receipts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable

from hub.alerts.ids import Ids
from hub.alerts.model import AlertEvent
from hub.alerts.store import StaleWrite
from hub.alerts.writer import GIVE_UP_S
from hub.broadcast.config import BroadcastConfig, JobCreate, JobEdit, Target
from hub.broadcast.engine import Changes, Engine, Key
from hub.broadcast.model import (
    AudioClip,
    BroadcastUpdate,
    Job,
    JobState,
    Priority,
    Receipt,
    SpeakerResult,
    SpeakerState,
    SpeakerStatus,
    StatusQuery,
    StopCommand,
    Summary,
    VolumeCommand,
)
from hub.broadcast.ports import RecordingShelf, Synthesizer, estimated_duration
from hub.broadcast.proposals import ProposedJob, proposals_for
from hub.broadcast.schedule import next_daily
from hub.broadcast.store import BroadcastStore
from hub.broadcast.targets import UnknownTarget, resolve
from hub.bus import Bus
from hub.models import DeviceEvent, DeviceEventKind
from hub.tasks import TaskSet
from hub.town import DeviceKind, Town

log = logging.getLogger(__name__)
RECORDING_MAX_S = 300.0  # a recording's length is not known: wait this long for its end
Online = Callable[[str], bool]


class UnknownRecording(LookupError):
    """A job names a recorded message the hub does not keep."""


class BroadcastService:
    """Creates, confirms and cancels jobs; steps the engine; stores and announces what changed."""

    def __init__(self, town: Town, config: BroadcastConfig, store: BroadcastStore, synth: Synthesizer,
                 bus: Bus, clock: Callable[[], float], healthy: Online, give_up_s: float = GIVE_UP_S,
                 recordings: RecordingShelf | None = None) -> None:
        self.town = town
        self.config = config
        self.store = store
        self.synth = synth
        self.recordings = recordings
        self._bus = bus
        self._clock = clock
        self._healthy = healthy
        self._speakers = {d.id for d in town.devices if d.kind is DeviceKind.SPEAKER}
        self._silent: set[str] = set()  # speakers whose own last word was 'offline'
        self.statuses: dict[str, SpeakerStatus] = {}  # each speaker's last report
        self.engine = Engine(config, town.town.timezone, self.online)
        self._ids = Ids.counting()
        self._give_up_s = give_up_s
        self.stale_writes = 0
        # The store failed for give_up_s, or another process wrote a job this one was about to overwrite: the hub
        # must stop.
        self.failed = asyncio.Event()
        self._origins: set[str] = set()
        self._kick = asyncio.Event()
        self._pending_jobs: dict[int, Job] = {}
        self._pending_receipts: dict[Key, Receipt] = {}
        self._write = asyncio.Event()
        self._tasks = TaskSet()
        self._unsubscribe: list[Callable[[], None]] = []

    @property
    def speakers(self) -> frozenset[str]:
        return frozenset(self._speakers)

    def online(self, speaker: str) -> bool:
        return speaker not in self._silent and self._healthy(speaker)

    async def start(self) -> None:
        (jobs, receipts), last_id = await asyncio.to_thread(
            lambda: (self.store.unfinished(), self.store.last_job_id()))
        # Job ids one at a time, as a job is made, so that they stay in a row.
        self._ids = Ids(lambda n: self.store.reserve_ids("broadcast", n), 1, last_id)
        self.engine.restore(jobs, receipts)
        self._origins = {j.origin for j in jobs if j.origin}
        self._unsubscribe = [self._bus.subscribe(SpeakerResult, self._on_result),
                             self._bus.subscribe(SpeakerStatus, self._on_status),
                             self._bus.subscribe(DeviceEvent, self._on_device_event),
                             self._bus.subscribe(AlertEvent, self._on_alert)]
        self._tasks.spawn(self._run())
        self._tasks.spawn(self._writer())
        log.info("broadcast: %d unfinished jobs", len(jobs))

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        await self._tasks.cancel()
        if not self.failed.is_set():  # else the store refused it already: what it kept is resumed by the next leader
            await self._flush()

    # --- people's actions -----------------------------------------------------------------------

    async def create(self, spec: JobCreate, actor: str, origin: str = "", proposed: bool = False) -> Job:
        """A new job; ValueError (UnknownTarget) if its target names what the town lacks."""
        now = self._clock()
        speakers = resolve(self.town, self.config.zones, spec.target)
        if not speakers:
            raise UnknownTarget("the target reaches no speaker")
        recorded = await self._recording(spec.recording)
        await self._ids.top_up()
        job = await self._with_audio(Job(
            id=self._next_id(), text=spec.text, priority=Priority(spec.priority), target=spec.target,
            speakers=speakers, state=JobState.PROPOSED, created_at=now, updated_at=now, created_by=actor,
            repeat=spec.repeat, volume=spec.volume, audio_url=spec.audio_url, daily_at=spec.daily_at,
            expires_at=spec.expires_at, resume=spec.resume, origin=origin, audio=recorded))
        if not proposed:
            job = job.evolve(state=JobState.SCHEDULED, next_run_at=self._first_run(job, spec.start_at, now))
        self.engine.put_job(job)
        self._after_action()
        return job

    async def confirm(self, job_id: int, edit: JobEdit | None, actor: str) -> Job:
        """Start a proposed job, with the duty officer's changes if any."""
        job = self.engine.jobs.get(job_id)
        if job is None or job.state is not JobState.PROPOSED:
            raise KeyError(f"no proposed job {job_id}")
        if edit is not None:
            job = await self._edited(job, edit)
        now = self._clock()
        job = job.evolve(state=JobState.SCHEDULED, next_run_at=now, updated_at=now,
                         note=f"confirmed by {actor}")
        self.engine.put_job(job)
        self._after_action()
        return job

    async def cancel(self, job_id: int, actor: str) -> Job:
        job = self.engine.cancel(job_id, self._clock(), f"cancelled by {actor}")
        self._after_action()
        return job

    async def _edited(self, job: Job, edit: JobEdit) -> Job:
        target = edit.target or job.target
        job = job.evolve(text=edit.text or job.text, target=target,
                         speakers=resolve(self.town, self.config.zones, target),
                         priority=Priority(edit.priority) if edit.priority else job.priority,
                         repeat=edit.repeat or job.repeat,
                         volume=edit.volume if edit.volume is not None else job.volume)
        return await self._with_audio(job)

    async def preview(self, text: str) -> AudioClip:
        """The speech a job of *text* would play at a speaker without TTS, to listen to before sending."""
        return await self.synth.synthesize(text)

    async def _recording(self, key: str | None) -> AudioClip | None:
        if key is None:
            return None
        found = None if self.recordings is None else await self.recordings.get(key)
        if found is None:
            raise UnknownRecording(f"no recording {key!r}")
        return found.clip

    async def _with_audio(self, job: Job) -> Job:
        """Synthesise speech when a targeted speaker has no TTS of its own, and time one play."""
        if job.audio is not None and job.audio.recorded:
            return job.evolve(duration_s=job.audio.duration_s)
        if job.audio_url is not None:
            return job.evolve(audio=None, duration_s=RECORDING_MAX_S)
        if any(not self.config.capability(s).tts for s in job.speakers):
            clip = await self.synth.synthesize(job.text)
            return job.evolve(audio=clip, duration_s=clip.duration_s)
        return job.evolve(audio=None, duration_s=estimated_duration(job.text))

    def _first_run(self, job: Job, start_at: float | None, now: float) -> float:
        begin = max(now, start_at or now)
        return next_daily(job.daily_at, self.town.town.timezone, begin - 1.0) if job.daily_at else begin

    def _next_id(self) -> int:
        return self._ids.take()

    def _after_action(self) -> None:
        self._step()  # the caller sees its job stored-to-be and the first commands out

    # --- reading --------------------------------------------------------------------------------

    async def get(self, job_id: int) -> tuple[Job, Summary, list[Receipt]] | None:
        job = self.engine.jobs.get(job_id)
        if job is not None:
            receipts = list(self.engine.receipts.get(job_id, {}).values())
        else:
            job = await asyncio.to_thread(self.store.get, job_id)
            if job is None:
                return None
            receipts = await asyncio.to_thread(self.store.receipts, job_id, job.run)
        return job, Summary.of(job, receipts), receipts

    async def find(self, states: tuple[JobState, ...], limit: int) -> list[tuple[Job, Summary]]:
        live = {j.id: j for j in self.engine.jobs.values() if not states or j.state in states}

        def stored() -> list[tuple[Job, Summary]]:
            jobs = [j for j in self.store.jobs(states, limit) if j.id not in live]
            return [(j, Summary.of(j, self.store.receipts(j.id, j.run))) for j in jobs]

        found = await asyncio.to_thread(stored) + [(j, self.summary(j)) for j in live.values()]
        return sorted(found, key=lambda pair: -pair[0].id)[:limit]

    def summary(self, job: Job) -> Summary:
        return Summary.of(job, list(self.engine.receipts.get(job.id, {}).values()))

    def control(self, speaker: str, volume: int | None = None, stop: bool = False) -> str:
        """Set a speaker's volume (clamped to its range), stop it, or else ask its status; the command id."""
        if speaker not in self._speakers:
            raise LookupError(f"no speaker {speaker!r}")
        command_id = uuid.uuid4().hex
        if volume is not None:
            clamped = self.config.capability(speaker).clamp(volume)
            assert clamped is not None
            self._bus.async_publish(VolumeCommand(command_id, speaker, clamped))
        elif stop:
            self._bus.async_publish(StopCommand(command_id, speaker))
        else:
            self._bus.async_publish(StatusQuery(command_id, speaker))
        return command_id

    def resolve(self, target: Target) -> tuple[str, ...]:
        return resolve(self.town, self.config.zones, target)

    def resolve_zone(self, name: str) -> tuple[str, ...]:
        return self.resolve(Target(zones=(name,)))

    # --- reports (bus, event loop) --------------------------------------------------------------

    def _on_result(self, result: SpeakerResult) -> None:
        self.engine.on_result(result, self._clock())
        self._kick.set()

    def _on_status(self, status: SpeakerStatus) -> None:
        self.statuses[status.speaker] = status
        (self._silent.add if status.state is SpeakerState.OFFLINE else self._silent.discard)(status.speaker)
        self.engine.on_status(status, self._clock())
        self._kick.set()

    def _on_device_event(self, event: DeviceEvent) -> None:
        if event.kind is DeviceEventKind.OFFLINE and event.device in self._speakers:
            self.engine.on_status(SpeakerStatus(event.device, SpeakerState.OFFLINE, event.ts), self._clock())
            self._kick.set()

    def _on_alert(self, event: AlertEvent) -> None:
        for proposed in proposals_for(event, self.config.proposals, self.town):
            if proposed.origin not in self._origins:
                self._origins.add(proposed.origin)
                self._tasks.spawn(self._propose(proposed))

    async def _propose(self, p: ProposedJob) -> None:
        now = self._clock()
        spec = JobCreate(text=p.text, target=p.target, priority=p.proposal.priority, repeat=p.proposal.repeat,
                         expires_at=now + p.proposal.expires_after_s)
        try:
            job = await self.create(spec, "system", p.origin, proposed=not p.proposal.auto)
        except Exception:
            log.exception("broadcast: proposal %s failed", p.origin)
            return
        log.info("broadcast: %s job %d from %s", "started" if p.proposal.auto else "proposed", job.id, p.origin)

    # --- time and storage -----------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), self.config.tick_s)
            self._kick.clear()
            try:
                self._step()
            except Exception:
                log.exception("broadcast step failed")

    def _step(self) -> None:
        changes = self.engine.step(self._clock())
        for command in changes.commands:
            self._bus.async_publish(command)
        if changes.jobs or changes.receipts:
            self._pending_jobs.update(changes.jobs)
            self._pending_receipts.update(changes.receipts)
            self._write.set()
            self._announce(changes)

    def _announce(self, changes: Changes) -> None:
        by_job: dict[int, list[Receipt]] = {}
        for r in changes.receipts.values():
            by_job.setdefault(r.job_id, []).append(r)
        for job_id in set(changes.jobs) | set(by_job):
            job = self.engine.jobs[job_id]
            self._bus.async_publish(BroadcastUpdate(job, self.summary(job), tuple(by_job.get(job_id, ()))))

    async def _writer(self) -> None:
        """Store what changed, retrying a failing store for give_up_s at most; a stale write is not retried."""
        failing_since: float | None = None
        while True:
            await self._write.wait()
            self._write.clear()
            try:
                await self._flush()
            except StaleWrite as exc:
                self.stale_writes += 1
                log.critical("broadcast store: %s; another process leads now, so this one stops writing", exc)
                self.failed.set()
                return
            except Exception:
                failing_since = failing_since or time.monotonic()
                if time.monotonic() - failing_since >= self._give_up_s:
                    log.critical("broadcast store: saving failed for %.0f s; giving up, the hub stops",
                                 self._give_up_s, exc_info=True)
                    self.failed.set()
                    return
                log.exception("broadcast: saving failed; retrying in 1 s")
                await asyncio.sleep(1.0)
                self._write.set()
                continue
            failing_since = None

    async def _flush(self) -> None:
        jobs, receipts = self._pending_jobs, self._pending_receipts
        self._pending_jobs, self._pending_receipts = {}, {}
        try:
            await asyncio.to_thread(self.store.save, list(jobs.values()), list(receipts.values()))
        except BaseException:
            # Put back what was not saved, under anything newer that arrived meanwhile.
            self._pending_jobs = jobs | self._pending_jobs
            self._pending_receipts = receipts | self._pending_receipts
            raise
        self.engine.forget({j.id for j in jobs.values() if j.state.is_final})
