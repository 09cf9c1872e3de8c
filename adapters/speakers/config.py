"""The town file's `adapters.speaker-mqtt` section: broadcasting (zones, capabilities, proposals) and MQTT."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from hub.broadcast.config import BroadcastConfig
from hub.town import DeviceKind

Problems = list[tuple[tuple[str | int, ...], str]]
SECTION = ("adapters", "speaker-mqtt")


class SpeakerMqttConfig(BroadcastConfig):
    """Loudspeakers that speak the hub's broadcast protocol (see README, "Loudspeaker broadcast")."""

    topic_prefix: str = Field(default="gridhub/speakers", pattern=r"^[^#+]+[^/#+]$",
                              description="speakers' topics: <prefix>/<address>/cmd, /status, /result")
    audio_base_url: str | None = Field(default=None, pattern=r"^https?://",
                                       description="where speakers fetch synthesised audio; default the "
                                                   "console_url setting, else http://<http_host>:<http_port>")
    tts_voice: str = Field(default="cmn", pattern=r"^[A-Za-z0-9_+-]{1,40}$", description="espeak-ng voice")
    tts_speed_wpm: int = Field(default=150, ge=80, le=450, description="espeak-ng speaking rate")


def check_section(town: Any, config: SpeakerMqttConfig) -> Problems:
    """Speakers have addresses of their own; zones, capabilities and proposals name what the town has."""
    from hub.broadcast.targets import zone_problems

    problems: Problems = []
    owners: dict[str, str] = {}
    speakers = {d.id for d in town.devices if d.kind is DeviceKind.SPEAKER}
    for i, device in enumerate(town.devices):
        if device.adapter != "speaker-mqtt":
            continue
        if not device.address or any(c in device.address for c in "/#+"):
            problems.append((("devices", i, "address"), "a speaker-mqtt device needs an address usable as a "
                                                        "topic level (no / # +)"))
        elif owners.setdefault(device.address, device.id) != device.id:
            problems.append((("devices", i, "address"), f"address {device.address!r} is already used by "
                                                        f"{owners[device.address]!r}"))
    problems += [((*SECTION, "zones", name), reason) for name, reason in zone_problems(town, config.zones)]
    problems += [((*SECTION, "speakers", name), f"no speaker {name!r}") for name in config.speakers
                 if name not in speakers]
    for i, p in enumerate(config.proposals):
        problems += [((*SECTION, "proposals", i, "target", "zones"), f"no zone {z!r}") for z in p.target.zones
                     if z not in config.zones]
    for name, cap in config.speakers.items():
        if cap.volume_min > cap.volume_max:
            problems.append(((*SECTION, "speakers", name), "volume_min is above volume_max"))
    return problems
