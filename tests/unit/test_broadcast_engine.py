"""The broadcast engine as pure logic: turns, pre-emption, timeouts, expiry, cancel, schedules, restart."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hub.broadcast.config import BroadcastConfig, Target
from hub.broadcast.engine import Engine
from hub.broadcast.model import (
    CommandResult,
    Job,
    JobState,
    PlayCommand,
    Priority,
    ReceiptState,
    SpeakerResult,
    StopCommand,
)
from hub.broadcast.schedule import next_daily
from hub.broadcast.targets import area_prefix

T0 = 1_800_000_000.0
R = ReceiptState


def engine(offline: frozenset[str] = frozenset()) -> Engine:
    return Engine(BroadcastConfig(ack_timeout_s=5, end_grace_s=2), "Asia/Shanghai", lambda s: s not in offline)


def job(job_id: int, *speakers: str, priority: Priority = Priority.ROUTINE, **extra: object) -> Job:
    return Job(id=job_id, text="通知", priority=priority, target=Target(speakers=speakers), speakers=speakers,
               state=JobState.SCHEDULED, created_at=T0, updated_at=T0, next_run_at=T0, duration_s=10.0,
               **extra)  # type: ignore[arg-type]


def plays(e: Engine, now: float) -> dict[str, PlayCommand]:
    return {c.speaker: c for c in e.step(now).commands if isinstance(c, PlayCommand)}


def answer(e: Engine, command: PlayCommand, result: CommandResult, now: float) -> None:
    e.on_result(SpeakerResult(command.speaker, command.id, result, now), now)


def state(e: Engine, job_id: int, speaker: str) -> ReceiptState:
    return e.receipts[job_id][speaker].state


def test_emergency_preempts_routine_which_resumes_after_it() -> None:
    e = engine()
    e.put_job(job(1, "A"))
    routine = plays(e, T0)["A"]
    answer(e, routine, CommandResult.ACCEPTED, T0 + 1)
    e.put_job(job(2, "A", priority=Priority.EMERGENCY))
    emergency = plays(e, T0 + 2)["A"]
    assert emergency.job_id == 2 and state(e, 1, "A") is R.QUEUED
    assert e.receipts[1]["A"].interruptions == 1
    e.put_job(job(3, "A"))  # routine never interrupts the emergency
    assert plays(e, T0 + 3) == {}
    answer(e, emergency, CommandResult.DONE, T0 + 4)
    again = plays(e, T0 + 4)["A"]
    assert again.job_id == 1  # the older routine job comes first
    answer(e, routine, CommandResult.DONE, T0 + 5)  # the replaced command's late answer changes nothing
    assert state(e, 1, "A") is R.SENDING
    answer(e, again, CommandResult.DONE, T0 + 6)
    assert state(e, 1, "A") is R.DONE and e.jobs[1].state is JobState.DONE
    assert plays(e, T0 + 6)["A"].job_id == 3


def test_preempted_job_without_resume_is_reported_interrupted() -> None:
    e = engine()
    e.put_job(job(1, "A", resume=False))
    plays(e, T0)
    e.put_job(job(2, "A", priority=Priority.EMERGENCY))
    plays(e, T0 + 1)
    assert state(e, 1, "A") is R.FAILED and e.receipts[1]["A"].reason == "interrupted by job 2"
    assert e.jobs[1].state is JobState.DONE


def test_silence_fails_after_the_ack_timeout_and_offline_speakers_are_skipped() -> None:
    e = engine(offline=frozenset({"B"}))
    e.put_job(job(1, "A", "B"))
    assert set(plays(e, T0)) == {"A"}
    assert state(e, 1, "B") is R.OFFLINE
    plays(e, T0 + 4.9)
    assert state(e, 1, "A") is R.SENDING
    plays(e, T0 + 5)
    assert state(e, 1, "A") is R.FAILED and e.receipts[1]["A"].reason == "no answer within 5 s"


def test_playing_without_an_end_fails_after_its_length_and_grace() -> None:
    e = engine()
    e.put_job(job(1, "A", repeat=2))
    answer(e, plays(e, T0)["A"], CommandResult.ACCEPTED, T0)
    plays(e, T0 + 21.9)
    assert state(e, 1, "A") is R.PLAYING
    plays(e, T0 + 22)
    assert e.receipts[1]["A"].reason == "no end reported"


def test_cancel_stops_the_playing_and_drops_the_queued() -> None:
    e = engine()
    e.put_job(job(1, "A"))
    e.put_job(job(2, "A", "B"))
    first = plays(e, T0)
    assert set(first) == {"A", "B"} and first["A"].job_id == 1
    e.cancel(2, T0 + 1)
    changes = e.step(T0 + 1)
    assert [c.speaker for c in changes.commands if isinstance(c, StopCommand)] == ["B"]
    assert state(e, 2, "A") is R.CANCELLED and state(e, 2, "B") is R.CANCELLED
    assert e.jobs[2].state is JobState.CANCELLED


def test_expiry_fails_what_has_not_played() -> None:
    e = engine()
    e.put_job(job(1, "A"))
    e.put_job(job(2, "A", expires_at=T0 + 30))
    plays(e, T0)
    plays(e, T0 + 30)
    assert state(e, 2, "A") is R.FAILED and e.jobs[2].state is JobState.EXPIRED


def test_daily_job_runs_again_the_next_day_at_town_time() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    seven = datetime(2026, 11, 23, 7, 0, tzinfo=zone).timestamp()
    assert next_daily("07:00", "Asia/Shanghai", seven - 1) == seven
    assert next_daily("07:00", "Asia/Shanghai", seven) == seven + 86400
    e = engine()
    e.put_job(job(1, "A", daily_at="07:00").evolve(next_run_at=seven))
    assert plays(e, seven - 1) == {}
    answer(e, plays(e, seven)["A"], CommandResult.DONE, seven + 3)
    assert e.jobs[1].state is JobState.SCHEDULED and e.jobs[1].next_run_at == seven + 86400
    assert plays(e, seven + 86400)["A"].job_id == 1 and e.jobs[1].run == 2


def test_restart_sends_again_what_was_in_flight() -> None:
    e = engine()
    e.put_job(job(1, "A", "B"))
    first = plays(e, T0)
    answer(e, first["A"], CommandResult.DONE, T0 + 1)
    e.step(T0 + 1)
    restored = engine()
    restored.restore([e.jobs[1]], list(e.receipts[1].values()))
    assert set(plays(restored, T0 + 2)) == {"B"}


def test_area_codes_drop_trailing_zero_levels() -> None:
    assert area_prefix("430499105000") == "430499105"
    assert area_prefix("430499105001") == "430499105001"
    assert area_prefix("430400000000") == "4304"
    assert area_prefix("4304") == "4304"
