"""Simulated loudspeakers for the demo, the tests and the benchmark: many speakers on a few gmqtt clients.

Each speaker acknowledges a play, "plays" for the audio's duration (times
`time_scale`), reports done and its status, and sends a heartbeat. A speaker
can be told to fail (it reports a fault and fails plays) or to go silent (it
answers nothing), from code or on `<prefix>/<address>/sim` with
`{"mode": "ok" | "fail" | "silent"}`. With one speaker per client, each has its
own retained last will; larger groups share a client and have none.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from gmqtt import Client, Message
from gmqtt.mqtt.constants import MQTTv311

from adapters.speakers.wire import topic
from hub.settings import MqttSettings

log = logging.getLogger(__name__)
Mode = Literal["ok", "fail", "silent"]


@dataclass
class SimSpeaker:
    address: str
    mode: Mode = "ok"
    playing: str | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)
    plays: int = 0  # play commands accepted (for tests)
    last_play: dict[str, Any] = field(default_factory=dict, repr=False)
    volume: int = 80


class _Group:
    """One MQTT connection serving some speakers."""

    def __init__(self, fleet: SpeakerFleet, name: str, speakers: list[SimSpeaker]) -> None:
        self.fleet = fleet
        self.speakers = {s.address: s for s in speakers}
        will = None
        if len(speakers) == 1:
            will = Message(topic(fleet.prefix, speakers[0].address, "status"), b'{"state":"offline"}',
                           qos=1, retain=True)
        self.client = Client(f"{name}", clean_session=True, will_message=will)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message

    def _on_connect(self, client: Client, *_: Any) -> None:
        pattern = topic(self.fleet.prefix, "+", "cmd") if len(self.speakers) > 20 else None
        for address in self.speakers:
            if pattern is None:
                client.subscribe(topic(self.fleet.prefix, address, "cmd"), qos=1)
                client.subscribe(topic(self.fleet.prefix, address, "sim"), qos=1)
            self.status(self.speakers[address])
        if pattern is not None:
            client.subscribe(pattern, qos=1)
            client.subscribe(topic(self.fleet.prefix, "+", "sim"), qos=1)

    def _on_message(self, _c: Client, name: str, payload: bytes, _qos: int, _p: Any) -> int:
        _, address, kind = name.rsplit("/", 2)
        speaker = self.speakers.get(address)
        if speaker is None:
            return 0
        with contextlib.suppress(orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            body = orjson.loads(payload)
            if kind == "sim":
                self.fleet.set_mode(address, body["mode"])
            elif speaker.mode != "silent":
                self._command(speaker, body)
        return 0

    def _command(self, s: SimSpeaker, body: dict[str, Any]) -> None:
        op, cid = body["op"], str(body["id"])
        if op == "play":
            if s.mode == "fail":
                self.result(s, cid, "failed", "amplifier fault")
                return
            self._stop(s)
            s.plays += 1
            s.last_play = body
            s.volume = int(body.get("volume") or s.volume)
            seconds = float(body.get("duration_s", 1.0)) * int(body.get("repeat", 1)) * self.fleet.time_scale
            s.task = asyncio.create_task(self._play(s, cid, seconds))
        elif op == "stop":
            self._stop(s)
            self.result(s, cid, "done")
        elif op == "volume":
            s.volume = int(body["volume"])
            self.status(s)
            self.result(s, cid, "done")
        else:
            self.status(s)
            self.result(s, cid, "done")

    def _stop(self, s: SimSpeaker) -> None:
        if s.task is not None and not s.task.done():
            s.task.cancel()
            if s.playing:
                self.result(s, s.playing, "stopped")
        s.playing = None

    async def _play(self, s: SimSpeaker, cid: str, seconds: float) -> None:
        s.playing = cid
        self.result(s, cid, "accepted")
        self.status(s)
        await asyncio.sleep(seconds)
        s.playing = None
        if s.mode == "ok":
            self.result(s, cid, "done")
            self.status(s)

    def result(self, s: SimSpeaker, cid: str, result: str, error: str = "") -> None:
        body = {"id": cid, "result": result, "error": error}
        self.client.publish(topic(self.fleet.prefix, s.address, "result"), orjson.dumps(body), qos=1)

    def status(self, s: SimSpeaker) -> None:
        state = "fault" if s.mode == "fail" else "playing" if s.playing else "idle"
        body = {"state": state, "command": s.playing, "volume": s.volume,
                "fault": "amplifier fault" if s.mode == "fail" else ""}
        self.client.publish(topic(self.fleet.prefix, s.address, "status"), orjson.dumps(body), qos=1, retain=True)


class SpeakerFleet:
    """Simulated speakers answering the hub's commands."""

    name = "speaker-sim"

    def __init__(self, broker: MqttSettings, addresses: list[str], prefix: str = "gridhub/speakers",
                 per_client: int = 1, heartbeat_s: float = 60.0, time_scale: float = 1.0, client_prefix: str = "sim"):
        self.broker = broker
        self.prefix = prefix
        self.heartbeat_s = heartbeat_s
        self.time_scale = time_scale
        self.speakers = {a: SimSpeaker(a) for a in addresses}
        chunks = [addresses[i:i + per_client] for i in range(0, len(addresses), per_client)]
        self._groups = [_Group(self, f"{client_prefix}-spk-{chunk[0]}", [self.speakers[a] for a in chunk])
                        for chunk in chunks]
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        b = self.broker
        # MQTT 3.1.1: see adapters/speakers/link.py on MQTT 5's receive maximum and gmqtt.
        await asyncio.gather(*(g.client.connect(b.host, b.port, keepalive=b.keepalive_s, version=MQTTv311)
                               for g in self._groups))
        self._task = asyncio.create_task(self._heartbeat())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for g in self._groups:
            for s in g.speakers.values():
                g._stop(s)
        await asyncio.gather(*(g.client.disconnect() for g in self._groups), return_exceptions=True)

    def set_mode(self, address: str, mode: Mode) -> None:
        """ok, fail (fault reported, plays fail) or silent (no answer, no heartbeat)."""
        speaker = self.speakers[address]
        speaker.mode = mode
        group = next(g for g in self._groups if address in g.speakers)
        if mode != "silent":
            group.status(speaker)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            for g in self._groups:
                for s in g.speakers.values():
                    if s.mode != "silent":
                        g.status(s)
