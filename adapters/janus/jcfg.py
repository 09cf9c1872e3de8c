"""Janus's configuration files, written into the data dir from the section: loopback API, two plugins, no STUN.

Janus reads libconfig ("jcfg"): `name: { key = value }` blocks. Only what
differs from Janus's defaults is written, with the reason beside it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from adapters.janus.config import JanusSection

Value = str | int | bool
Blocks = dict[str, dict[str, Value]]
KEEP_PLUGINS = ("libjanus_videoroom.so", "libjanus_streaming.so")
KEEP_TRANSPORTS = ("libjanus_websockets.so",)


@dataclass(frozen=True, slots=True)
class Secrets:
    """Made afresh at every start: only the hub, which wrote them, can drive this Janus."""

    api_secret: str
    admin_key: str


def render(blocks: Blocks) -> str:
    lines = []
    for name, entries in blocks.items():
        lines.append(f"{name}: {{")
        lines += [f"\t{key} = {_value(value)}" for key, value in entries.items()]
        lines.append("}")
    return "\n".join(lines) + "\n"


def _value(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _others(folder: Path, keep: tuple[str, ...]) -> str:
    """Every library in *folder* but *keep*: Janus loads what it finds unless told not to."""
    found = sorted(p.name for p in folder.glob("*.so")) if folder.is_dir() else []
    return ",".join(name for name in found if name not in keep)


def janus_blocks(section: JanusSection, folder: Path, secrets: Secrets) -> Blocks:
    nat: dict[str, Value] = {"nice_debug": False, "full_trickle": False, "ice_ignore_list": "vmnet,docker,veth"}
    if section.ice_interfaces:
        nat["ice_enforce_list"] = ",".join(section.ice_interfaces)
    if section.nat_1_1:
        nat["nat_1_1_mapping"] = ",".join(section.nat_1_1)
    return {
        "general": {"configs_folder": str(folder), "plugins_folder": str(section.plugins_folder),
                    "transports_folder": str(section.transports_folder),
                    "events_folder": str(folder / "none"), "loggers_folder": str(folder / "none"),
                    "debug_level": section.debug_level, "api_secret": secrets.api_secret,
                    "server_name": "gridhub", "session_timeout": 60},
        "media": {"rtp_port_range": str(section.rtp_ports)},
        "nat": nat,  # no stun_server: host candidates on the town's network (and TURN in the browsers)
        "plugins": {"disable": _others(section.plugins_folder, KEEP_PLUGINS)},
        "transports": {"disable": _others(section.transports_folder, KEEP_TRANSPORTS)},
        "events": {"broadcast": False},
    }


def files(section: JanusSection, folder: Path, ws_port: int, secrets: Secrets) -> dict[str, str]:
    """Every file Janus reads, by name."""
    key = {"admin_key": secrets.admin_key}  # rooms and mountpoints are made by the hub alone
    return {
        "janus.jcfg": render(janus_blocks(section, folder, secrets)),
        "janus.transport.websockets.jcfg": render({
            "general": {"json": "plain", "ws": True, "ws_port": ws_port, "ws_ip": "127.0.0.1", "wss": False},
            "admin": {"admin_ws": False, "admin_wss": False},
        }),
        "janus.plugin.videoroom.jcfg": render({"general": {**key, "lock_rtp_forward": True, "events": False}}),
        "janus.plugin.streaming.jcfg": render({"general": {**key, "rtp_port_range": str(section.stream_ports),
                                                           "events": False}}),
    }


def write(section: JanusSection, folder: Path, ws_port: int, secrets: Secrets) -> Path:
    """Write the configuration (readable by the hub's user only: it holds the secrets); the main file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    for name, text in files(section, folder, ws_port, secrets).items():
        path = folder / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    return folder / "janus.jcfg"
