"""What a broadcast is composed from, through the API as the screen uses it: recorded messages uploaded and played
by every speaker, the speech previewed, the zones listed; and only the roles that may broadcast get any of it."""

from __future__ import annotations

from pathlib import Path

import httpx

from hub.users.model import Role
from tests.broadcast_support import rig, tone
from tests.support import signed_in

BACK = "请各位村民注意防汛"


async def test_a_recording_is_uploaded_and_every_speaker_plays_its_audio(tmp_path: Path,
                                                                        system_broker_port: int) -> None:
    async with rig(tmp_path, system_broker_port) as r:
        headers = {"content-type": "audio/wav"}
        reply = await r.http.post("/api/broadcast/recordings", params={"title": "村主任防汛通知"},
                                  content=tone(1.5), headers=headers)
        assert reply.status_code == 201, reply.text
        recording = reply.json()
        assert recording["title"] == "村主任防汛通知" and recording["duration_s"] == 1.5
        assert (await r.http.get("/api/broadcast/recordings")).json() == [recording]
        assert (await r.http.get(recording["audio"])).content == tone(1.5)

        refused = await r.http.post("/api/broadcast/recordings", params={"title": "x"}, content=b"RIFF....not wav",
                                    headers=headers)
        assert refused.status_code == 422 and "WAV" in refused.json()["detail"]
        unknown = await r.http.post("/api/broadcast/jobs", json={"text": "x", "target": {"speakers": ["SPK04"]},
                                                                 "recording": "0" * 32})
        assert unknown.status_code == 422 and "no recording" in unknown.json()["detail"]
        both = await r.http.post("/api/broadcast/jobs", json={"text": "x", "target": {"speakers": ["SPK04"]},
                                                              "recording": recording["key"],
                                                              "audio_url": "http://example.org/a.wav"})
        assert both.status_code == 422

        job = await r.create(text=recording["title"], target={"speakers": ["SPK04", "SPK13"]},
                             recording=recording["key"])
        assert job["recorded"] and job["duration_s"] == 1.5 and job["audio"] == recording["audio"]
        await r.until(job["id"], "both played the recording", played=2)
        for speaker in ("SPK04", "SPK13"):  # SPK04 has TTS of its own, SPK13 not: both get the recording
            play = r.speaker(speaker).last_play
            assert "text" not in play and play["audio_url"].endswith(recording["audio"]), play

        assert (await r.http.delete(f"/api/broadcast/recordings/{recording['key']}")).status_code == 204
        assert (await r.http.get("/api/broadcast/recordings")).json() == []
        assert (await r.http.get(recording["audio"])).status_code == 200  # jobs made with it still play it
        assert (await r.http.delete(f"/api/broadcast/recordings/{recording['key']}")).status_code == 404


async def test_recordings_too_long_or_too_large_are_refused(tmp_path: Path, system_broker_port: int) -> None:
    async with rig(tmp_path, system_broker_port) as r:
        async def upload(body: bytes) -> httpx.Response:
            return await r.http.post("/api/broadcast/recordings", params={"title": "长"}, content=body,
                                     headers={"content-type": "audio/wav"})

        too_long = await upload(tone(601.0, rate=1000))  # 10 min 1 s
        assert too_long.status_code == 422 and "longer than 600 s" in too_long.json()["detail"]
        too_large = await upload(b"RIFF" + bytes(20 * 1024 * 1024))
        assert too_large.status_code == 413
        assert (await r.http.get("/api/broadcast/recordings")).json() == []


async def test_preview_zones_and_who_may_use_them(tmp_path: Path, system_broker_port: int) -> None:
    async with rig(tmp_path, system_broker_port) as r:
        reply = await r.http.post("/api/broadcast/preview", json={"text": BACK})
        assert reply.status_code == 200, reply.text
        speech = await r.http.get(reply.json()["audio"])
        assert speech.content[:4] == b"RIFF" and reply.json()["duration_s"] > 0.5
        [zone] = (await r.http.get("/api/broadcast/zones")).json()
        assert zone["name"] == "riverside" and zone["title"] == "清溪河沿岸" and "SPK13" in zone["speakers"]

        cadre = await signed_in(r.hub, Role.cadre, "shimen")
        async with httpx.AsyncClient(base_url=str(r.http.base_url), headers=cadre) as http:
            assert (await http.post("/api/broadcast/preview", json={"text": BACK})).status_code == 403
            assert (await http.get("/api/broadcast/zones")).status_code == 403
            assert (await http.get("/api/broadcast/recordings")).status_code == 403
            assert (await http.post("/api/broadcast/recordings", params={"title": "x"}, content=tone(0.5),
                                    headers={"content-type": "audio/wav"})).status_code == 403
