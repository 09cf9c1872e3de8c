"""Broadcast jobs, per-speaker receipts and the commands and reports that cross the bus.

Receipts follow the message states of emergency-broadcast systems (queued,
sending, playing, done, failed, cancelled) plus `offline`: the speaker could not
be reached when its turn came. They are frozen dataclasses because a broadcast
to a whole county changes thousands of them in one step.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from hub.broadcast.config import Target


class Priority(StrEnum):
    """Emergency pre-empts routine; routine never interrupts emergency."""

    ROUTINE = "routine"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return 1 if self is Priority.EMERGENCY else 0


class JobState(StrEnum):
    PROPOSED = "proposed"  # made from an alert; waits for the duty officer
    SCHEDULED = "scheduled"  # waits for its next run
    ACTIVE = "active"  # a run is under way
    DONE = "done"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def is_final(self) -> bool:
        return self in (JobState.DONE, JobState.CANCELLED, JobState.EXPIRED)


class ReceiptState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # the play command is out, not yet accepted
    PLAYING = "playing"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    OFFLINE = "offline"

    @property
    def is_final(self) -> bool:
        return self in _FINAL


_FINAL = frozenset({ReceiptState.DONE, ReceiptState.FAILED, ReceiptState.CANCELLED, ReceiptState.OFFLINE})


@dataclass(frozen=True, slots=True)
class AudioClip:
    """Audio the hub serves to speakers: synthesised speech (for those without TTS), or a recorded message."""

    key: str  # cache key (hash of voice and text, or of the recording) and file name stem
    duration_s: float
    media_type: str  # audio/wav, audio/mpeg, audio/ogg
    suffix: str  # .wav, .mp3, .ogg
    recorded: bool = False  # a recorded message: every speaker plays this audio, TTS or not


@dataclass(frozen=True, slots=True)
class Recording:
    """A recorded message kept by the hub, to broadcast instead of speech."""

    key: str  # hash of the audio, and the file name stem
    title: str
    duration_s: float
    size: int  # bytes
    uploaded_by: str
    uploaded_at: float

    @property
    def clip(self) -> AudioClip:
        return AudioClip(self.key, self.duration_s, "audio/wav", ".wav", recorded=True)


@dataclass(frozen=True, slots=True)
class Job:
    """One broadcast: what to say, to which speakers, how urgently, how often, until when."""

    id: int
    text: str
    priority: Priority
    target: Target
    speakers: tuple[str, ...]  # the target, resolved when the job was made
    state: JobState
    created_at: float
    updated_at: float
    created_by: str = "system"
    repeat: int = 1  # plays per run, back to back
    volume: int | None = None
    audio_url: str | None = None  # a recording to play instead of speech
    daily_at: str | None = None  # "HH:MM" in the town's time zone
    next_run_at: float | None = None
    expires_at: float | None = None
    resume: bool = True  # after a pre-emption: play again (True) or report interrupted (False)
    run: int = 0  # runs started so far
    origin: str = ""  # e.g. "alert:17/0": the alert and proposal rule it came from
    audio: AudioClip | None = None
    duration_s: float = 0.0  # one play, seconds
    note: str = ""

    def evolve(self, **changes: object) -> Job:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Receipt:
    """What became of one run of one job at one speaker."""

    job_id: int
    run: int
    speaker: str
    state: ReceiptState
    updated_at: float
    priority: Priority = Priority.ROUTINE
    command: str = ""  # id of the play command in flight
    deadline: float | None = None  # SENDING or PLAYING without word past this counts as failed
    reason: str = ""
    interruptions: int = 0

    @property
    def key(self) -> tuple[int, str]:
        return self.job_id, self.speaker

    def evolve(self, **changes: object) -> Receipt:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Summary:
    """A job's current run at a glance."""

    targeted: int = 0
    queued: int = 0
    sending: int = 0
    playing: int = 0
    played: int = 0
    failed: int = 0
    cancelled: int = 0
    offline: int = 0
    interrupted: int = 0  # receipts pre-empted at least once (they may have played since)

    @classmethod
    def of(cls, job: Job, receipts: list[Receipt]) -> Summary:
        counts = {s: 0 for s in ReceiptState}
        for r in receipts:
            counts[r.state] += 1
        return cls(len(job.speakers), counts[ReceiptState.QUEUED], counts[ReceiptState.SENDING],
                   counts[ReceiptState.PLAYING], counts[ReceiptState.DONE], counts[ReceiptState.FAILED],
                   counts[ReceiptState.CANCELLED], counts[ReceiptState.OFFLINE],
                   sum(1 for r in receipts if r.interruptions))


# --- what crosses the bus between the broadcast service and the speaker adapter ----------------


@dataclass(frozen=True, slots=True)
class PlayCommand:
    """Play a job at one speaker; a play replaces whatever the speaker was playing."""

    id: str
    speaker: str
    job_id: int
    priority: Priority
    text: str
    audio: AudioClip | None
    audio_url: str | None
    duration_s: float
    repeat: int
    volume: int | None


@dataclass(frozen=True, slots=True)
class StopCommand:
    id: str
    speaker: str
    job_id: int | None = None


@dataclass(frozen=True, slots=True)
class VolumeCommand:
    id: str
    speaker: str
    volume: int


@dataclass(frozen=True, slots=True)
class StatusQuery:
    id: str
    speaker: str


SpeakerCommand = PlayCommand | StopCommand | VolumeCommand | StatusQuery


class CommandResult(StrEnum):
    ACCEPTED = "accepted"  # started playing
    DONE = "done"  # every repeat played to the end
    STOPPED = "stopped"  # stopped or replaced before the end
    FAILED = "failed"
    REJECTED = "rejected"  # malformed or not supported


@dataclass(frozen=True, slots=True)
class SpeakerResult:
    """A speaker's answer to one command."""

    speaker: str
    command: str
    result: CommandResult
    ts: float
    error: str = ""


class SpeakerState(StrEnum):
    IDLE = "idle"
    PLAYING = "playing"
    FAULT = "fault"
    OFFLINE = "offline"


@dataclass(frozen=True, slots=True)
class SpeakerStatus:
    """A speaker's heartbeat or state change (or its last will, `offline`)."""

    speaker: str
    state: SpeakerState
    ts: float
    command: str | None = None  # what it is playing
    volume: int | None = None
    fault: str = ""


@dataclass(frozen=True, slots=True)
class BroadcastUpdate:
    """A job after a step, with the receipts that changed in it: what the live feed sends."""

    job: Job
    summary: Summary
    receipts: tuple[Receipt, ...]
