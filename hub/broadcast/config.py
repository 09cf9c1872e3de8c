"""Broadcast configuration and requests: targets, zones, speaker capabilities, proposals, new jobs.

The town file carries it under `adapters.speaker-mqtt` (the speaker plugin's
section), which extends `BroadcastConfig` with its MQTT settings.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from hub.alerts.model import Severity
from hub.config_base import Strict

AreaCode = Annotated[str, StringConstraints(pattern=r"^\d{2,12}$")]


def _hh_mm(text: str | None) -> str | None:
    if text is not None and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", text):
        raise ValueError(f"{text!r}: expected HH:MM, 00:00 to 23:59")
    return text


DailyAt = Annotated[str | None, AfterValidator(_hh_mm)]


class Target(Strict):
    """Which speakers hear a job: the union of everything named."""

    speakers: tuple[str, ...] = Field(default=(), description="device ids")
    villages: tuple[str, ...] = Field(default=(), description="village ids: every speaker in their grids")
    grids: tuple[str, ...] = Field(default=(), description="grid ids")
    zones: tuple[str, ...] = Field(default=(), description="named zones of adapters.speaker-mqtt.zones")
    area_codes: tuple[AreaCode, ...] = Field(
        default=(), description="administrative area codes: 12 digits (trailing zero levels are a prefix, "
                                "430499105000 = the whole town) or a prefix of 2 to 12 digits")

    def is_empty(self) -> bool:
        return not (self.speakers or self.villages or self.grids or self.zones or self.area_codes)


class Zone(Strict):
    """A named group of speakers, e.g. those along the river."""

    title: str = Field(default="", description="what the zone is, e.g. 清溪河沿岸")
    speakers: tuple[str, ...] = ()
    grids: tuple[str, ...] = ()
    villages: tuple[str, ...] = ()


class Capability(Strict):
    """What one speaker can do."""

    tts: bool = Field(default=True, description="built-in text to speech: gets the text, not audio")
    volume_min: int = Field(default=0, ge=0, le=100)
    volume_max: int = Field(default=100, ge=0, le=100)

    def clamp(self, volume: int | None) -> int | None:
        return None if volume is None else max(self.volume_min, min(self.volume_max, volume))


class Proposal(Strict):
    """When an alert of *rule* reaches *min_severity*, propose (or with auto, start) this broadcast."""

    rule: str = Field(description="alert rule id, e.g. river-level")
    min_severity: Severity = Field(default=Severity.RED, description="lowest severity that proposes")
    template: str = Field(min_length=1, max_length=1000,
                          description="message; {title} {device} {village} {grid} {value} {severity} are filled in")
    target: Target = Field(default_factory=Target, description="speakers to reach")
    alert_area: Literal["none", "grid", "village"] = Field(
        default="none", description="also reach the speakers of the alert's grid or village")
    priority: Literal["routine", "emergency"] = "emergency"
    repeat: int = Field(default=3, ge=1, le=20)
    expires_after_s: float = Field(default=3600.0, gt=0, le=7 * 86400)
    auto: bool = Field(default=False, description="start without the duty officer's confirmation")


class BroadcastConfig(Strict):
    """Zones, capabilities, proposals and timeouts of broadcasting."""

    zones: dict[str, Zone] = Field(default_factory=dict, description="named zones by name")
    default_capability: Capability = Field(default_factory=Capability, description="of speakers not listed")
    speakers: dict[str, Capability] = Field(default_factory=dict, description="capability per device id")
    proposals: tuple[Proposal, ...] = Field(default=(), description="alerts that propose broadcasts")
    ack_timeout_s: float = Field(default=10.0, gt=0, le=600,
                                 description="a play not accepted this long fails (a silent speaker)")
    end_grace_s: float = Field(default=15.0, ge=0, le=600,
                               description="past the audio's length, how long to wait for the 'done' result")
    tick_s: float = Field(default=0.5, gt=0, le=10, description="how often timeouts and schedules are checked")

    def capability(self, speaker: str) -> Capability:
        return self.speakers.get(speaker, self.default_capability)


class JobCreate(Strict):
    """A new broadcast job as the API takes it."""

    text: str = Field(min_length=1, max_length=2000, description="what to say (Mandarin)")
    target: Target
    priority: Literal["routine", "emergency"] = "routine"
    repeat: int = Field(default=1, ge=1, le=20, description="plays per run, back to back")
    volume: int | None = Field(default=None, ge=0, le=100, description="clamped to each speaker's range")
    audio_url: str | None = Field(default=None, pattern=r"^https?://", max_length=2000,
                                  description="a recording elsewhere to play instead of speech")
    recording: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$",
                                  description="a recorded message the hub keeps (GET /api/broadcast/recordings) "
                                              "to play instead of speech; the text then says what it is")
    daily_at: DailyAt = Field(default=None, description="HH:MM in the town's time zone: run every day then")
    start_at: float | None = Field(default=None, ge=0, description="UTC epoch seconds of the first run; default now")
    expires_at: float | None = Field(default=None, ge=0, description="UTC epoch seconds; nothing plays after it")
    resume: bool = Field(default=True, description="after an emergency pre-empts it: play again, or report "
                                                   "the speaker as interrupted (failed)")


    @model_validator(mode="after")
    def _one_sound(self) -> JobCreate:
        if self.audio_url is not None and self.recording is not None:
            raise ValueError("give audio_url or recording, not both")
        return self


class JobEdit(Strict):
    """Changes the duty officer makes to a proposed job before confirming it."""

    text: str | None = Field(default=None, min_length=1, max_length=2000)
    target: Target | None = None
    priority: Literal["routine", "emergency"] | None = None
    repeat: int | None = Field(default=None, ge=1, le=20)
    volume: int | None = Field(default=None, ge=0, le=100)
