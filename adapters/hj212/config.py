"""The town file's `adapters.hj212` section: where stations dial in, their passwords, MQTT topics."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from adapters.hj212.frame import MAX_SEGMENT
from adapters.station_links import TalkBack
from adapters.tcp_guard import ConnectionLimits
from hub.config_base import Strict

# Separators of the data segment cannot appear inside a field.
Password = Annotated[str, StringConstraints(pattern=r"^[^;,&=\s]{1,32}$")]
MN_PATTERN = re.compile(r"^[A-Za-z0-9]{1,24}$")
DEFAULT_PORT = 9212
Problems = list[tuple[tuple[str | int, ...], str]]


class Listen(Strict):
    """The TCP server stations dial in to."""

    host: str = Field(default="127.0.0.1", description="0.0.0.0 to take stations from the network")
    port: int = Field(default=DEFAULT_PORT, ge=0, le=65535, description="0: any free port")


class StationAuth(Strict):
    password: Password = Field(description="the station's PW")


class Hj212Config(ConnectionLimits):
    """How the hub takes in HJ 212-2017 stations (devices with `adapter: hj212`, `address` = MN).

    The station port's connection limits (max_connections, max_waiting_per_address, first_frame_s,
    idle_timeout_s) are adapters.tcp_guard's, shared with the other TCP station protocols.
    """

    listen: Listen | None = Field(default_factory=Listen, description="TCP server; null: MQTT only")
    password: Password | None = Field(default=None, description="PW of stations that have none of their own")
    stations: dict[str, StationAuth] = Field(default_factory=dict, description="per device id")
    mqtt_topics: list[Annotated[str, StringConstraints(min_length=1)]] = Field(
        default_factory=list, description="topic filters whose payloads are HJ 212 frames (gateways)")
    reassembly_timeout_s: float = Field(default=60.0, gt=0, le=3600, description="wait for a split packet")
    max_segment_bytes: int = Field(default=MAX_SEGMENT, ge=64, le=MAX_SEGMENT, description="longer ones: oversize")
    max_future_s: float = Field(default=300.0, ge=0, description="reject DataTime further ahead")
    commands: TalkBack = Field(default_factory=TalkBack, description="clock setting and the replies to commands")

    def password_of(self, device: str) -> str | None:
        auth = self.stations.get(device)
        return auth.password if auth is not None else self.password


def check_section(town: Any, config: Hj212Config) -> Problems:
    """Every hj212 device has an MN of its own and a password; stations name hj212 devices."""
    problems: Problems = []
    owners: dict[str, str] = {}
    ids = {d.id for d in town.devices if d.adapter == "hj212"}
    for i, device in enumerate(town.devices):
        if device.adapter != "hj212":
            continue
        mn = device.address
        if mn is None or not MN_PATTERN.match(mn):
            problems.append((("devices", i, "address"), "an hj212 device needs its MN: 1 to 24 letters or digits"))
        elif owners.setdefault(mn, device.id) != device.id:
            problems.append((("devices", i, "address"), f"MN {mn!r} is already used by device {owners[mn]!r}"))
        if config.password_of(device.id) is None:
            problems.append((("devices", i, "id"), "no PW: set adapters.hj212.password or stations.<id>.password"))
    problems += [(("adapters", "hj212", "stations", name), f"no hj212 device {name!r}")
                 for name in config.stations if name not in ids]
    return problems
