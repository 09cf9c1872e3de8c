"""The broadcast state machine: jobs, per-speaker receipts and whose turn each speaker is on.

Pure logic on the event loop: it is given the time and the speakers' reports,
and hands back the commands to send and what changed. At most one receipt is
in flight per speaker; the waiting one with the highest priority (then the
oldest job) goes next, and an emergency replaces a routine play at once
(a play command replaces what the speaker plays, so no stop is needed).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from hub.broadcast.config import BroadcastConfig
from hub.broadcast.model import (
    CommandResult,
    Job,
    JobState,
    PlayCommand,
    Receipt,
    ReceiptState,
    SpeakerCommand,
    SpeakerResult,
    SpeakerState,
    SpeakerStatus,
    StopCommand,
)
from hub.broadcast.schedule import next_daily

Key = tuple[int, str]  # job id, speaker
R = ReceiptState


@dataclass
class Changes:
    """What one or more steps produced: commands to send, jobs and receipts to store and announce."""

    commands: list[SpeakerCommand] = field(default_factory=list)
    jobs: dict[int, Job] = field(default_factory=dict)
    receipts: dict[Key, Receipt] = field(default_factory=dict)


class Engine:
    """Owns the live jobs and their current run's receipts. Loop only; no I/O."""

    def __init__(self, config: BroadcastConfig, timezone: str, online: Callable[[str], bool]) -> None:
        self.config = config
        self._timezone = timezone
        self._online = online
        self.jobs: dict[int, Job] = {}
        self.receipts: dict[int, dict[str, Receipt]] = {}
        self._open: dict[int, int] = {}  # job id → receipts not yet final
        self._waiting: dict[str, set[int]] = {}  # speaker → jobs with a queued receipt there
        self._on_speaker: dict[str, Key] = {}  # the receipt in flight at each speaker
        self._by_command: dict[str, Key] = {}
        self._changes = Changes()

    # --- jobs -------------------------------------------------------------------------------------

    def put_job(self, job: Job) -> None:
        """Add a new job, or replace a proposed one (edited, confirmed)."""
        old = self.jobs.get(job.id)
        if old is not None and old.state is not JobState.PROPOSED:
            raise ValueError(f"job {job.id} is {old.state.value}; only a proposed job can change")
        self._job(job)

    def restore(self, jobs: list[Job], receipts: list[Receipt]) -> None:
        """After a restart: what was in flight is sent again (a repeat beats a missed warning)."""
        for job in jobs:
            self.jobs[job.id] = job
            self.receipts[job.id] = {}
            self._open[job.id] = 0
        for stored in receipts:
            if stored.job_id in self.jobs and stored.run == self.jobs[stored.job_id].run:
                r = stored
                if r.state in (R.SENDING, R.PLAYING):
                    r = r.evolve(state=R.QUEUED, command="", deadline=None, reason="hub restarted")
                self._put(r, store=r is not stored)
        for job in jobs:
            if job.state is JobState.ACTIVE and not self._open[job.id]:
                self._end_run(job, job.updated_at)  # its last receipt was stored, the job's end was not

    def cancel(self, job_id: int, now: float, reason: str = "cancelled") -> Job:
        job = self._live(job_id)
        for r in list(self.receipts.get(job_id, {}).values()):
            if r.state in (R.SENDING, R.PLAYING):
                self._release(r)  # else its command outlives the receipts, which go once the job is stored
                self._changes.commands.append(StopCommand(_command_id(), r.speaker, job_id))
            if not r.state.is_final:
                self._put(r.evolve(state=R.CANCELLED, updated_at=now, reason=reason))
        return self._job(job.evolve(state=JobState.CANCELLED, updated_at=now, next_run_at=None, note=reason))

    def _live(self, job_id: int) -> Job:
        job = self.jobs.get(job_id)
        if job is None or job.state.is_final:
            raise KeyError(f"no unfinished job {job_id}")
        return job

    def forget(self, job_ids: set[int]) -> None:
        """Drop finished jobs once they are stored; their receipts are read from the store."""
        for job_id in job_ids:
            job = self.jobs.get(job_id)
            if job is not None and job.state.is_final and not self._open.get(job_id):
                del self.jobs[job_id]
                self.receipts.pop(job_id, None)
                self._open.pop(job_id, None)

    # --- reports from speakers ----------------------------------------------------------------

    def on_result(self, result: SpeakerResult, now: float) -> None:
        key = self._by_command.get(result.command)
        if key is None:
            return  # a command replaced or timed out earlier
        r = self.receipts[key[0]][key[1]]
        if result.result is CommandResult.ACCEPTED:
            if r.state is R.SENDING:
                self._playing(r, now)
        elif result.result is CommandResult.DONE:
            self._finish(r, R.DONE, now, "")
        elif result.result is CommandResult.STOPPED:
            self._finish(r, R.FAILED, now, "stopped at the speaker")
        else:
            self._finish(r, R.FAILED, now, f"{result.result.value}: {result.error}".rstrip(": "))

    def on_status(self, status: SpeakerStatus, now: float) -> None:
        key = self._on_speaker.get(status.speaker)
        r = self.receipts[key[0]][key[1]] if key else None
        if r is None:
            return
        if status.state is SpeakerState.OFFLINE:
            self._finish(r, R.OFFLINE, now, "went offline")
        elif status.state is SpeakerState.FAULT:
            self._finish(r, R.FAILED, now, f"fault: {status.fault}".rstrip(": "))
        elif status.state is SpeakerState.PLAYING and status.command == r.command and r.state is R.SENDING:
            self._playing(r, now)  # its 'accepted' was lost

    # --- time -----------------------------------------------------------------------------------

    def step(self, now: float) -> Changes:
        """Start due runs, expire, time out, give each free speaker its next play; return what changed."""
        for job in list(self.jobs.values()):
            if job.state.is_final:
                continue
            if job.expires_at is not None and now >= job.expires_at:
                self._expire(job, now)
            elif job.state is JobState.SCHEDULED and job.next_run_at is not None and job.next_run_at <= now:
                self._start_run(job, now)
        for key in list(self._by_command.values()):
            r = self.receipts[key[0]][key[1]]
            if r.deadline is not None and r.deadline <= now:
                why = (f"no answer within {self.config.ack_timeout_s:g} s" if r.state is R.SENDING
                       else "no end reported")
                self._finish(r, R.FAILED, now, why)
        for speaker in [s for s, waiting in self._waiting.items() if waiting]:
            self._next_at(speaker, now)
        changes, self._changes = self._changes, Changes()
        return changes

    def _start_run(self, job: Job, now: float) -> None:
        job = self._job(job.evolve(state=JobState.ACTIVE, run=job.run + 1, next_run_at=None, updated_at=now))
        self.receipts[job.id] = {}
        self._open[job.id] = 0
        for speaker in job.speakers:
            self._put(Receipt(job.id, job.run, speaker, R.QUEUED, now, job.priority))
        if not job.speakers:
            self._end_run(job, now)

    def _end_run(self, job: Job, now: float) -> None:
        after = next_daily(job.daily_at, self._timezone, now) if job.daily_at else None
        if after is not None and (job.expires_at is None or after < job.expires_at):
            self._job(job.evolve(state=JobState.SCHEDULED, next_run_at=after, updated_at=now))
        else:
            self._job(job.evolve(state=JobState.DONE, updated_at=now))

    def _expire(self, job: Job, now: float) -> None:
        """Nothing new plays after expiry; what is playing ends by itself."""
        for r in list(self.receipts.get(job.id, {}).values()):
            if r.state is R.QUEUED:
                self._put(r.evolve(state=R.FAILED, updated_at=now, reason="expired before it played"))
        self._job(job.evolve(state=JobState.EXPIRED, updated_at=now, next_run_at=None))

    # --- turns ----------------------------------------------------------------------------------

    def _next_at(self, speaker: str, now: float) -> None:
        waiting = self._waiting[speaker]
        while waiting:
            best = min(waiting, key=lambda j: (-self.jobs[j].priority.rank, j))
            current = self._on_speaker.get(speaker)
            if current is not None:
                playing = self.receipts[current[0]][speaker]
                if self.jobs[best].priority.rank <= playing.priority.rank:
                    return
                self._preempt(playing, best, now)
            waiting.discard(best)
            r = self.receipts[best][speaker]
            if not self._online(speaker):
                self._put(r.evolve(state=R.OFFLINE, updated_at=now, reason="speaker offline"))
                continue
            self._send(self.jobs[best], r, now)
            return

    def _preempt(self, r: Receipt, by: int, now: float) -> None:
        self._release(r)
        job = self.jobs[r.job_id]
        if job.resume and job.state is JobState.ACTIVE:
            self._put(r.evolve(state=R.QUEUED, updated_at=now, command="", deadline=None,
                               reason=f"pre-empted by job {by}", interruptions=r.interruptions + 1))
        else:
            self._put(r.evolve(state=R.FAILED, updated_at=now, deadline=None,
                               reason=f"interrupted by job {by}", interruptions=r.interruptions + 1))

    def _send(self, job: Job, r: Receipt, now: float) -> None:
        command = PlayCommand(_command_id(), r.speaker, job.id, job.priority, job.text, job.audio, job.audio_url,
                              job.duration_s, job.repeat, self.config.capability(r.speaker).clamp(job.volume))
        self._put(r.evolve(state=R.SENDING, updated_at=now, command=command.id,
                           deadline=now + self.config.ack_timeout_s))
        self._on_speaker[r.speaker] = r.key
        self._by_command[command.id] = r.key
        self._changes.commands.append(command)

    def _playing(self, r: Receipt, now: float) -> None:
        job = self.jobs[r.job_id]
        deadline = now + job.duration_s * job.repeat + self.config.end_grace_s
        self._put(r.evolve(state=R.PLAYING, updated_at=now, deadline=deadline))

    def _finish(self, r: Receipt, state: ReceiptState, now: float, reason: str) -> None:
        self._release(r)
        self._put(r.evolve(state=state, updated_at=now, deadline=None, reason=reason))

    def _release(self, r: Receipt) -> None:
        if self._on_speaker.get(r.speaker) == r.key:
            del self._on_speaker[r.speaker]
        self._by_command.pop(r.command, None)

    # --- bookkeeping ----------------------------------------------------------------------------

    def _put(self, r: Receipt, store: bool = True) -> None:
        """Set a receipt, keeping the open count, the waiting sets and the job's end in step."""
        old = self.receipts[r.job_id].get(r.speaker)
        self.receipts[r.job_id][r.speaker] = r
        was_open = old is not None and not old.state.is_final
        if was_open != (not r.state.is_final):
            self._open[r.job_id] += 1 if not r.state.is_final else -1
        waiting = self._waiting.setdefault(r.speaker, set())
        (waiting.add if r.state is R.QUEUED else waiting.discard)(r.job_id)
        if store:
            self._changes.receipts[r.key] = r
        job = self.jobs[r.job_id]
        if was_open and r.state.is_final and self._open[r.job_id] == 0 and job.state is JobState.ACTIVE:
            self._end_run(job, r.updated_at)

    def _job(self, job: Job) -> Job:
        self.jobs[job.id] = job
        self._changes.jobs[job.id] = job
        return job


def _command_id() -> str:
    return uuid.uuid4().hex[:16]
