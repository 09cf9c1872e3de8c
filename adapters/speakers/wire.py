"""The loudspeaker protocol on MQTT: topics and JSON payloads, both ways (see README).

hub → speaker  <prefix>/<address>/cmd      QoS 1   {"id", "op": play|stop|volume|status, …}
speaker → hub  <prefix>/<address>/status   QoS 1, retained; heartbeat; last will {"state": "offline"}
speaker → hub  <prefix>/<address>/result   QoS 1   {"id", "result": accepted|done|stopped|failed|rejected}
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.broadcast.config import Capability
from hub.broadcast.model import (
    CommandResult,
    PlayCommand,
    SpeakerCommand,
    SpeakerResult,
    SpeakerState,
    SpeakerStatus,
    StatusQuery,
    StopCommand,
)


class StatusPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")  # vendors add fields; the hub reads what it knows

    state: SpeakerState
    command: str | None = Field(default=None, max_length=64)
    volume: int | None = Field(default=None, ge=0, le=100)
    fault: str = Field(default="", max_length=200)


class ResultPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=64)
    result: CommandResult
    error: str = Field(default="", max_length=200)


def topic(prefix: str, address: str, kind: Literal["cmd", "status", "result", "sim"]) -> str:
    return f"{prefix}/{address}/{kind}"


def encode(command: SpeakerCommand, capability: Capability, audio_base: str, now: float) -> bytes:
    """The command as its speaker reads it: text for built-in TTS, else (or for a recording) the audio's URL."""
    body: dict[str, object] = {"id": command.id, "time": datetime.fromtimestamp(now, UTC).isoformat()}
    if isinstance(command, PlayCommand):
        body |= {"op": "play", "job": command.job_id, "priority": command.priority.value,
                 "repeat": command.repeat, "volume": command.volume, "duration_s": round(command.duration_s, 2)}
        if command.audio_url is not None:
            body["audio_url"] = command.audio_url
        elif command.audio is None or (capability.tts and not command.audio.recorded):
            body["text"] = command.text
        else:
            clip = command.audio
            body["audio_url"] = f"{audio_base.rstrip('/')}/api/broadcast/audio/{clip.key}{clip.suffix}"
    elif isinstance(command, StopCommand):
        body |= {"op": "stop", "job": command.job_id}
    elif isinstance(command, StatusQuery):
        body["op"] = "status"
    else:
        body |= {"op": "volume", "volume": capability.clamp(command.volume)}
    return orjson.dumps(body)


def decode_status(speaker: str, payload: bytes, now: float) -> SpeakerStatus | None:
    try:
        p = StatusPayload.model_validate_json(payload)
    except ValidationError:
        return None
    return SpeakerStatus(speaker, p.state, now, p.command, p.volume, p.fault)


def decode_result(speaker: str, payload: bytes, now: float) -> SpeakerResult | None:
    try:
        p = ResultPayload.model_validate_json(payload)
    except ValidationError:
        return None
    return SpeakerResult(speaker, p.id, p.result, now, p.error)
