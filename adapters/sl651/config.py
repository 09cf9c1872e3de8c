"""The town file's `adapters.sl651` section: where stations dial in, the centre's address, station passwords."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from adapters.sl651.frame import MAX_LENGTH
from adapters.station_links import TalkBack
from adapters.tcp_guard import ConnectionLimits
from hub.config_base import Strict

Password = Annotated[str, StringConstraints(pattern=r"^[0-9A-Fa-f]{4}$")]
ADDRESS_PATTERN = re.compile(r"^[0-9A-Fa-f]{10}$")
DEFAULT_PORT = 9651
Problems = list[tuple[tuple[str | int, ...], str]]


class Listen(Strict):
    """The TCP server stations dial in to."""

    host: str = Field(default="127.0.0.1", description="0.0.0.0 to take stations from the network")
    port: int = Field(default=DEFAULT_PORT, ge=0, le=65535, description="0: any free port")


class StationAuth(Strict):
    password: Password = Field(description="the station's password: 4 hex digits (2 bytes)")


class Sl651Config(ConnectionLimits):
    """How the hub takes in SL 651-2014 stations (devices with `adapter: sl651`, `address` = station address).

    The station port's connection limits (max_connections, max_waiting_per_address, first_frame_s,
    idle_timeout_s) are adapters.tcp_guard's, shared with the other TCP station protocols.
    """

    listen: Listen = Field(default_factory=Listen, description="TCP server")
    centre: int = Field(default=1, ge=1, le=255, description="this centre's address (中心站地址) in the stations")
    password: Password | None = Field(default=None, description="password of stations that have none of their own")
    stations: dict[str, StationAuth] = Field(default_factory=dict, description="per device id")
    reassembly_timeout_s: float = Field(default=60.0, gt=0, le=3600, description="wait for a multi-packet message")
    max_length: int = Field(default=MAX_LENGTH, ge=64, le=MAX_LENGTH, description="longer frames: oversize")
    max_future_s: float = Field(default=300.0, ge=0, description="reject observation times further ahead")
    keep_online: bool = Field(default=True, description="end confirmations with ESC (stay connected), else EOT")
    number_commands: bool = Field(
        default=True, description="false: commands carry serial number 0, for firmware that takes a numbered "
                                  "downlink frame for a confirmation (replies are then matched by function code)")
    mqtt_topics: list[Annotated[str, StringConstraints(min_length=1)]] = Field(
        default_factory=list, description="topic filters whose payloads are SL 651 frames (gateways)")
    commands: TalkBack = Field(default_factory=TalkBack, description="clock setting and the replies to commands")

    def password_of(self, device: str) -> str | None:
        auth = self.stations.get(device)
        return (auth.password if auth is not None else self.password or "").upper() or None


def check_section(town: Any, config: Sl651Config) -> Problems:
    """Every sl651 device has a station address of its own and a password; stations name sl651 devices."""
    problems: Problems = []
    owners: dict[str, str] = {}
    ids = {d.id for d in town.devices if d.adapter == "sl651"}
    for i, device in enumerate(town.devices):
        if device.adapter != "sl651":
            continue
        address = (device.address or "").upper()
        if not ADDRESS_PATTERN.match(address):
            problems.append((("devices", i, "address"), "an sl651 device needs its station address: 10 hex digits"))
        elif owners.setdefault(address, device.id) != device.id:
            problems.append((("devices", i, "address"), f"address {address} is already used by {owners[address]!r}"))
        if config.password_of(device.id) is None:
            problems.append((("devices", i, "id"), "no password: set adapters.sl651.password or stations.<id>"))
    problems += [(("adapters", "sl651", "stations", name), f"no sl651 device {name!r}")
                 for name in config.stations if name not in ids]
    return problems
