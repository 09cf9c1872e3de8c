"""Broadcast end to end on a real Mosquitto: targeting, pre-emption, timeouts, schedules, speech, alerts."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adapters.speakers.tts import EspeakSynthesizer
from hub.alerts.model import Action, Alert, AlertEvent, AlertState, Severity, Transition
from hub.health import DeviceState
from hub.models import DeviceEvent, DeviceEventKind
from tests.broadcast_support import rig
from tests.support import ManualClock, wait_for

pytestmark = pytest.mark.integration
SHANGHAI = ZoneInfo("Asia/Shanghai")
SHORT = "请注意防汛安全"  # 7 characters: about 2 s of built-in TTS, 0.6 s at the simulator's pace
LONG = "各位村民请注意，今天下午三点在村委会召开防汛工作会议，请各户派一名代表准时参加，谢谢配合。"


async def test_targets_resolve_and_only_they_play(tmp_path: Path, system_broker_port: int) -> None:
    async with rig(tmp_path, system_broker_port) as r:
        async def resolved(**target: object) -> list[str]:
            reply = await r.http.post("/api/broadcast/resolve", json=target)
            assert reply.status_code == 200, reply.text
            speakers: list[str] = reply.json()["speakers"]
            return speakers

        assert await resolved(zones=["riverside"]) == ["SPK03", *(f"SPK{n}" for n in range(13, 24))]
        assert await resolved(villages=["shimen"]) == ["SPK13", "SPK14", "SPK15"]
        assert await resolved(grids=["G19", "G01"]) == ["SPK01", "SPK13"]
        assert await resolved(area_codes=["430499105205"]) == ["SPK13", "SPK14", "SPK15"]
        assert await resolved(area_codes=["430499105000"]) == [f"SPK{n:02d}" for n in range(1, 31)]
        assert await resolved(area_codes=["430499105001"]) == ["SPK01", "SPK02", "SPK03"]
        assert (await r.http.post("/api/broadcast/resolve", json={"zones": ["hilltop"]})).status_code == 422

        job = await r.create(text=SHORT, target={"villages": ["yunling"], "grids": ["G19"]})
        assert job["speakers"] == ["SPK04", "SPK05", "SPK13"]
        done = await r.until(job["id"], "every targeted speaker played", targeted=3, played=3)
        assert {x["speaker"] for x in done["receipts"]} == {"SPK04", "SPK05", "SPK13"}
        assert done["state"] == "done"
        await asyncio.sleep(0.3)  # stored and no longer held by the engine: the list reads the store
        [listed] = (await r.http.get("/api/broadcast/jobs")).json()
        assert listed["summary"]["played"] == 3
        played = {d for d in r.address if r.speaker(d).plays}
        assert played == {"SPK04", "SPK05", "SPK13"}
        assert "text" in r.speaker("SPK04").last_play  # built-in TTS gets the text
        audio_url = r.speaker("SPK13").last_play["audio_url"]  # no TTS: synthesised audio from the console
        path = audio_url.split("/api/", 1)[1]
        reply = await r.http.get(f"/api/{path}")
        assert reply.status_code == 200 and reply.content[:4] == b"RIFF"


async def test_emergency_preempts_routine_which_resumes_or_is_interrupted(tmp_path: Path,
                                                                           system_broker_port: int) -> None:
    async with rig(tmp_path, system_broker_port) as r:
        resumes = await r.create(text=LONG, target={"speakers": ["SPK01"]})
        gives_up = await r.create(text=LONG, target={"speakers": ["SPK02"]}, resume=False)
        await r.until(resumes["id"], "routine playing", playing=1)
        await r.until(gives_up["id"], "routine playing", playing=1)
        emergency = await r.create(text=SHORT, target={"speakers": ["SPK01", "SPK02"]}, priority="emergency")
        await r.until(emergency["id"], "emergency playing", playing=2)
        waiting = await r.create(text=SHORT, target={"speakers": ["SPK01"]})  # routine never interrupts it
        assert (await r.job(waiting["id"]))["receipts"][0]["state"] == "queued"
        await r.until(emergency["id"], "emergency played", played=2)
        failed = await r.until(gives_up["id"], "reported interrupted", failed=1, interrupted=1)
        assert failed["receipts"][0]["reason"] == f"interrupted by job {emergency['id']}"
        again = await r.until(resumes["id"], "routine played after the emergency", played=1, timeout=20)
        assert again["receipts"][0]["interruptions"] == 1
        await r.until(waiting["id"], "the later routine played", played=1, timeout=20)


async def test_silent_speaker_fails_after_its_timeout(tmp_path: Path, system_broker_port: int) -> None:
    async with rig(tmp_path, system_broker_port) as r:
        r.fleet.set_mode(r.address["SPK07"], "silent")
        job = await r.create(text=SHORT, target={"speakers": ["SPK06", "SPK07"]})
        done = await r.until(job["id"], "one played, one failed", played=1, failed=1)
        silent = next(x for x in done["receipts"] if x["speaker"] == "SPK07")
        assert silent["reason"] == "no answer within 1.5 s"
        assert done["state"] == "done"


async def test_scheduled_job_fires_at_its_time_and_survives_a_restart(tmp_path: Path,
                                                                      system_broker_port: int) -> None:
    clock = ManualClock(datetime(2026, 11, 23, 6, 59, 30, tzinfo=SHANGHAI).timestamp())
    seven = datetime(2026, 11, 23, 7, 0, tzinfo=SHANGHAI).timestamp()
    async with rig(tmp_path, system_broker_port, clock) as r:
        job = await r.create(text=SHORT, target={"speakers": ["SPK08"]}, daily_at="07:00")
        assert job["state"] == "scheduled"
        assert datetime.fromisoformat(job["next_run_at"]).timestamp() == seven
    async with rig(tmp_path, system_broker_port, clock) as r:  # the same state file, a new hub
        await asyncio.sleep(0.5)
        assert (await r.job(job["id"]))["state"] == "scheduled"
        assert r.speaker("SPK08").plays == 0
        clock.now = seven + 1
        await r.until(job["id"], "the 07:00 run played", played=1)
        await wait_for(lambda: r.broadcast.engine.jobs[job["id"]].state.value == "scheduled", what="next day")
        after = await r.job(job["id"])
        assert datetime.fromisoformat(after["next_run_at"]).timestamp() == seven + 86400
        assert after["run"] == 1


async def test_speech_is_a_valid_file_of_plausible_length(tmp_path: Path) -> None:
    soxi = shutil.which("soxi")
    assert soxi is not None, "sox is needed (scripts/setup --dev installs it)"
    synth = EspeakSynthesizer(tmp_path / "tts")
    text = "紧急通知：清溪河水位已达保证水位，沿河群众请立即转移到安全地带！"
    clip, again = await asyncio.gather(synth.synthesize(text), synth.synthesize(text))
    assert clip == again
    path = synth.path(clip.key)
    assert path is not None
    decoded = subprocess.run([soxi, "-D", str(path)], check=True, capture_output=True, text=True)
    seconds = float(decoded.stdout)
    assert abs(seconds - clip.duration_s) < 0.05
    assert 3.0 < seconds < 20.0, seconds  # 31 characters of Mandarin
    rate = subprocess.run([soxi, "-r", str(path)], check=True, capture_output=True, text=True)
    assert int(rate.stdout) >= 16000


def _alert(severity: Severity) -> AlertEvent:
    alert = Alert(id=41, rule="river-level", source="RS01", title="水位超警", severity=severity,
                  state=AlertState.RAISED, message="", value=59.62, count=1, raised_at=0.0, updated_at=0.0,
                  last_seen_at=0.0, active=True, device="RS01", grid="G19", village="shimen")
    return AlertEvent(alert, Transition(7, 41, Action.SEVERITY, "system", 0.0, "", AlertState.RAISED, severity))


async def test_alert_proposes_a_job_the_officer_confirms_with_edits(tmp_path: Path, system_broker_port: int) -> None:
    async with rig(tmp_path, system_broker_port) as r:
        r.hub.ctx.bus.async_publish(_alert(Severity.ORANGE))  # below the proposal's red
        r.hub.ctx.bus.async_publish(_alert(Severity.RED))
        r.hub.ctx.bus.async_publish(_alert(Severity.RED))  # the same alert again proposes nothing new

        async def proposed() -> list[dict[str, object]]:
            reply = await r.http.get("/api/broadcast/jobs", params={"state": "proposed"})
            jobs: list[dict[str, object]] = reply.json()
            return jobs

        await wait_for(lambda: _nonempty(proposed()), what="a proposal")
        await asyncio.sleep(0.3)
        [job] = await proposed()
        assert job["origin"] == "alert:41/0" and job["priority"] == "emergency"
        station = r.hub.ctx.town.device_map()["RS01"].name
        assert job["text"] == f"紧急通知：{station}水位已达保证水位59.62米，沿河群众请立即转移到安全地带！"
        assert job["speakers"] == ["SPK03", *(f"SPK{n}" for n in range(13, 24))]  # riverside + shimen (in it)
        assert r.speaker("SPK13").plays == 0
        edit = {"text": "紧急通知：请立即转移！", "target": {"speakers": ["SPK13", "SPK14"]}, "repeat": 1}
        reply = await r.http.post(f"/api/broadcast/jobs/{job['id']}/confirm", json=edit)
        assert reply.status_code == 200, reply.text
        await r.until(int(str(job["id"])), "the confirmed job played", targeted=2, played=2)


async def _nonempty(jobs: object) -> bool:
    return bool(await jobs)  # type: ignore[misc]


async def test_status_counts_as_heard_and_faults_become_device_events(tmp_path: Path,
                                                                      system_broker_port: int) -> None:
    async with rig(tmp_path, system_broker_port) as r:
        events: list[DeviceEvent] = []
        r.hub.ctx.bus.subscribe(DeviceEvent, events.append)
        await wait_for(lambda: (h := r.hub.ctx.health.get("SPK10")) is not None and h.state is DeviceState.ONLINE,
                       what="heartbeats make the speaker online")
        r.fleet.set_mode(r.address["SPK10"], "fail")
        await wait_for(lambda: any(e.kind is DeviceEventKind.FAULT and e.device == "SPK10" for e in events),
                       what="a FAULT event")
        job = await r.create(text=SHORT, target={"speakers": ["SPK10"]})
        await r.until(job["id"], "the faulty speaker fails the play", failed=1)
        r.fleet.set_mode(r.address["SPK10"], "ok")
        await wait_for(lambda: any(e.kind is DeviceEventKind.FAULT_CLEARED for e in events), what="FAULT_CLEARED")

        async def recorded() -> bool:
            stored = await asyncio.to_thread(r.hub.ctx.store.device_events, "SPK10", 10)
            return {e.kind for e in stored} >= {DeviceEventKind.FAULT, DeviceEventKind.FAULT_CLEARED}

        await wait_for(recorded, what="fault events recorded by the recorder thread")


async def test_a_speakers_volume_is_set_and_reported_back(tmp_path: Path, system_broker_port: int) -> None:
    async with rig(tmp_path, system_broker_port) as r:
        assert (await r.http.post("/api/speakers/SPK05/command", json={"volume": 150})).status_code == 422
        assert (await r.http.post("/api/speakers/SPK99/command", json={"volume": 50})).status_code == 404
        sent = await r.http.post("/api/speakers/SPK05/command", json={"volume": 35})
        assert sent.status_code == 202 and len(sent.json()["command"]) == 32

        async def reported() -> bool:
            listed = {s["id"]: s for s in (await r.http.get("/api/speakers")).json()}
            return bool(listed["SPK05"]["volume"] == 35 and listed["SPK05"]["online"])

        await wait_for(reported, what="SPK05 reports volume 35")
        asked = await r.http.post("/api/speakers/SPK06/command", json={})  # neither volume nor stop: status
        assert asked.status_code == 202


async def test_cancelling_a_playing_job_stops_it_and_the_speaker_takes_the_next(tmp_path: Path,
                                                                                system_broker_port: int) -> None:
    async with rig(tmp_path, system_broker_port) as r:
        playing = await r.create(text=LONG, target={"speakers": ["SPK09"]}, repeat=10)
        await r.until(playing["id"], "playing", playing=1)
        reply = await r.http.post(f"/api/broadcast/jobs/{playing['id']}/cancel")
        assert reply.status_code == 200 and reply.json()["summary"]["cancelled"] == 1
        await wait_for(lambda: r.speaker("SPK09").playing is None, what="the speaker stopped")
        await wait_for(lambda: playing["id"] not in r.broadcast.engine.jobs, what="the cancelled job stored")
        after = await r.create(text=SHORT, target={"speakers": ["SPK09"]})  # the engine still steps
        await r.until(after["id"], "the next job played", played=1)
        assert (await r.http.post(f"/api/broadcast/jobs/{playing['id']}/cancel")).status_code == 409
