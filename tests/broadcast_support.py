"""Helpers for broadcast tests: a hub with simulated speakers on a topic prefix of its own."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import struct
import uuid
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from adapters.speakers.config import SpeakerMqttConfig
from adapters.speakers.sim import SpeakerFleet
from hub.app import Hub
from hub.broadcast.service import BroadcastService
from hub.clock import Clock
from hub.settings import MqttSettings
from hub.townfile import LoadedTown
from tests.support import hub_settings, make_hub, sample_town, signed_in, wait_for


@dataclass
class Rig:
    hub: Hub
    fleet: SpeakerFleet
    http: httpx.AsyncClient
    address: dict[str, str]  # device id → address

    @property
    def broadcast(self) -> BroadcastService:
        service = self.hub.ctx.broadcast
        assert service is not None
        return service

    def speaker(self, device: str) -> Any:
        return self.fleet.speakers[self.address[device]]

    async def job(self, job_id: int) -> dict[str, Any]:
        reply = await self.http.get(f"/api/broadcast/jobs/{job_id}")
        reply.raise_for_status()
        body: dict[str, Any] = reply.json()
        return body

    async def create(self, **spec: Any) -> dict[str, Any]:
        reply = await self.http.post("/api/broadcast/jobs", json=spec)
        assert reply.status_code == 201, reply.text
        body: dict[str, Any] = reply.json()
        return body

    async def until(self, job_id: int, what: str, timeout: float = 15.0, **summary: int) -> dict[str, Any]:
        """Wait until the job's summary shows *summary*; return the job."""
        found: dict[str, Any] = {}

        async def reached() -> bool:
            found.update(await self.job(job_id))
            return all(found["summary"][k] == v for k, v in summary.items())

        await wait_for(reached, timeout, what)
        return found


def speaker_town(**config: Any) -> LoadedTown:
    """The sample town, its speakers on a topic prefix of this test's own (retained status stays apart)."""
    loaded = sample_town()
    section: SpeakerMqttConfig = loaded.sections["speaker-mqtt"]
    changes = {"topic_prefix": f"t{uuid.uuid4().hex[:8]}/speakers", "ack_timeout_s": 1.5, "tick_s": 0.1,
               "end_grace_s": 3.0, **config}
    return dataclasses.replace(loaded, sections={**loaded.sections, "speaker-mqtt": section.model_copy(update=changes)})


@contextlib.asynccontextmanager
async def rig(tmp: Path, port: int, clock: Clock | None = None, time_scale: float = 0.3,
              **config: Any) -> AsyncIterator[Rig]:
    town = speaker_town(**config)
    section: SpeakerMqttConfig = town.sections["speaker-mqtt"]
    broker = {"host": "127.0.0.1", "port": port, "client_id": f"gridhub-t-{uuid.uuid4().hex[:6]}"}
    address = {d.id: d.address or "" for d in town.town.devices if d.adapter == "speaker-mqtt"}
    fleet = SpeakerFleet(MqttSettings(host="127.0.0.1", port=port, keepalive_s=5), list(address.values()),
                         section.topic_prefix, per_client=30, heartbeat_s=1.0, time_scale=time_scale,
                         client_prefix=uuid.uuid4().hex[:6])
    async with make_hub(hub_settings(tmp, broker), town, clock) as hub:
        console = next(s for s in hub.services if s.name == "console")
        await fleet.start()
        try:
            async with httpx.AsyncClient(base_url=getattr(console, "url", ""), headers=await signed_in(hub)) as http:
                yield Rig(hub, fleet, http, address)
        finally:
            await fleet.stop()


def tone(seconds: float, rate: int = 16000) -> bytes:
    """A WAV of a 440 Hz tone: a stand-in for a recorded voice."""
    out = io.BytesIO()
    with wave.open(out, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
                               for i in range(int(seconds * rate))))
    return out.getvalue()
