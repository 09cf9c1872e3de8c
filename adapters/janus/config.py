"""The town file's `adapters.janus` section: where Janus runs, which ports and interfaces media use, TURN, calls."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from hub.calls.config import CallsConfig
from hub.config_base import Strict

DEBIAN_LIB = Path("/usr/lib/x86_64-linux-gnu/janus")


class PortRange(Strict):
    first: int = Field(ge=1024, le=65535)
    last: int = Field(ge=1024, le=65535)

    @model_validator(mode="after")
    def _ordered(self) -> PortRange:
        if self.last < self.first + 1:
            raise ValueError("last must be above first (RTP and RTCP take a pair each)")
        return self

    def __str__(self) -> str:
        return f"{self.first}-{self.last}"


class Turn(Strict):
    """A TURN server (e.g. Debian's coturn) for villages whose browsers are behind NAT; given to browsers only.

    With `secret` (coturn's `use-auth-secret`), every participant gets a credential of their own that expires;
    with `username` and `password` (coturn's `lt-cred-mech`), every page gets the same fixed account.
    """

    host: str = Field(min_length=1, description="address the villages reach it at")
    port: int = Field(default=3478, ge=1, le=65535)
    transports: tuple[Literal["udp", "tcp"], ...] = ("udp", "tcp")
    secret: SecretStr | None = Field(default=None, description="coturn's static-auth-secret: per-participant "
                                     "credentials, each valid for credential_ttl_s")
    credential_ttl_s: int = Field(default=12 * 3600, ge=60, le=7 * 86400,
                                  description="how long a participant's credential lasts (a join makes a new one)")
    username: str | None = Field(default=None, min_length=1, description="a fixed account, instead of secret")
    password: SecretStr | None = None
    relay_only: bool = Field(default=False, description="browsers send all media through TURN, for networks "
                             "where UDP from the villages cannot reach the hub directly")

    @model_validator(mode="after")
    def _one_way_to_sign_in(self) -> Turn:
        fixed = self.username is not None or self.password is not None
        if self.secret is not None and fixed:
            raise ValueError("give either secret or username and password, not both")
        if self.secret is None and (self.username is None or self.password is None):
            raise ValueError("give secret (coturn's use-auth-secret), or username and password (lt-cred-mech)")
        return self


class JanusSection(Strict):
    """Janus as the SFU of video dispatch: run by the hub (the default) or an existing one at `url`."""

    enabled: bool = True
    url: str | None = Field(default=None, pattern=r"^wss?://", description="an external Janus's WebSocket API "
                            "(ws://127.0.0.1:8188); default: the hub runs its own")
    api_secret: SecretStr | None = Field(default=None, description="the external Janus's api_secret")
    admin_key: SecretStr | None = Field(default=None,
                                        description="the external Janus's VideoRoom and Streaming admin_key")
    binary: Path = Field(default=Path("/usr/bin/janus"), description="Debian's janus")
    plugins_folder: Path = DEBIAN_LIB / "plugins"
    transports_folder: Path = DEBIAN_LIB / "transports"
    ws_port: int = Field(default=0, ge=0, le=65535,
                         description="loopback port of our Janus's API, which only the hub uses (0: any free one)")
    rtp_ports: PortRange = Field(default=PortRange(first=20000, last=20999),
                                 description="UDP ports of ICE and media with browsers: open them in the firewall")
    stream_ports: PortRange = Field(default=PortRange(first=21000, last=21099),
                                    description="loopback UDP ports where shared cameras' RTP enters Janus")
    ice_interfaces: tuple[str, ...] = Field(default=(),
                                            description="interfaces or address prefixes for host candidates "
                                            "(eth0, 10.0.); default: every interface but loopback")
    nat_1_1: tuple[str, ...] = Field(default=(), description="the address villages reach the hub at, if it is NATed")
    turn: Turn | None = None
    relay: Path = Field(default=Path("/usr/bin/gst-launch-1.0"),
                        description="GStreamer, which feeds cameras into Janus")
    debug_level: int = Field(default=4, ge=0, le=7,
                             description="Janus's log level (its log: <data dir>/janus/janus.log)")
    calls: CallsConfig = CallsConfig()
