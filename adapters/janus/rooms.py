"""The hub's own session on Janus: it makes and ends the rooms of calls and the mountpoints of shared cameras.

Every room has a random pin (to join) and secret (to manage), and admits only
the tokens the hub allows, one per participant: Janus refuses anyone the hub
has not admitted, even from the same machine.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from adapters.janus.connection import Handle, JanusConnection, JanusError
from hub.calls.config import CallsConfig

VIDEOROOM = "janus.plugin.videoroom"
STREAMING = "janus.plugin.streaming"
NO_SUCH_ROOM = "426"
H264_FMTP = "profile-level-id=42e01f;packetization-mode=1"  # browsers decode what cameras send under this


@dataclass(frozen=True, slots=True)
class RoomKeys:
    room: int
    pin: str
    secret: str


@dataclass(frozen=True, slots=True)
class Mount:
    """A Streaming mountpoint fed by RTP on `port` (loopback)."""

    id: int
    port: int
    pin: str
    secret: str
    camera: str
    name: str


class RoomControl:
    """Rooms and mountpoints, through one long-lived session."""

    def __init__(self, conn: JanusConnection, videoroom: Handle, streaming: Handle, admin_key: str,
                 config: CallsConfig) -> None:
        self.conn = conn
        self._videoroom = videoroom
        self._streaming = streaming
        self._admin_key = admin_key
        self._config = config

    @classmethod
    async def attach(cls, conn: JanusConnection, admin_key: str, config: CallsConfig) -> RoomControl:
        return cls(conn, await conn.attach(VIDEOROOM), await conn.attach(STREAMING), admin_key, config)

    async def create_room(self) -> RoomKeys:
        """A fresh room. Its number is random, never the call's: an external Janus may keep rooms of an earlier
        hub run, whose secrets are lost."""
        keys = RoomKeys(_random_id(), secrets.token_urlsafe(12), secrets.token_urlsafe(12))
        await self._videoroom.request({
            "request": "create", "room": keys.room, "admin_key": self._admin_key,
            "pin": keys.pin, "secret": keys.secret,
            "is_private": True, "allowed": [], "publishers": self._config.max_participants,
            "bitrate": self._config.video_kbps * 1000, "bitrate_cap": True, "fir_freq": 5,
            "audiocodec": "opus", "videocodec": "vp8,h264",
            # Who is speaking decides which villages a village sees (hub/calls/tiles.py).
            "audiolevel_ext": True, "audiolevel_event": True, "audio_active_packets": 50,
            "audio_level_average": 40, "notify_joining": False})
        return keys

    async def destroy_room(self, keys: RoomKeys) -> None:
        try:
            await self._videoroom.request({"request": "destroy", "room": keys.room, "secret": keys.secret})
        except JanusError as exc:
            if not str(exc).startswith(NO_SUCH_ROOM):
                raise

    async def allow(self, keys: RoomKeys, token: str, add: bool) -> None:
        """Admit *token* to the room, or take it back."""
        try:
            await self._videoroom.request({"request": "allowed", "room": keys.room, "secret": keys.secret,
                                           "action": "add" if add else "remove", "allowed": [token]})
        except JanusError as exc:
            if add or not str(exc).startswith(NO_SUCH_ROOM):
                raise

    async def create_mount(self, camera: str, name: str) -> Mount:
        """An RTP mountpoint for one camera's H.264, on a loopback port Janus picks from its range."""
        mount_id, pin, secret = _random_id(), secrets.token_urlsafe(12), secrets.token_urlsafe(12)
        created = await self._streaming.request({
            "request": "create", "admin_key": self._admin_key, "type": "rtp", "id": mount_id,
            "name": camera, "description": name, "is_private": True, "pin": pin, "secret": secret,
            "media": [{"type": "video", "mid": "v", "port": 0, "iface": "127.0.0.1", "pt": 96, "codec": "h264",
                       "fmtp": H264_FMTP,
                       "bufferkf": True}]})  # a newcomer sees the river at once, not at the camera's next keyframe
        port = _video_port(created)
        return Mount(mount_id, port, pin, secret, camera, name)

    async def destroy_mount(self, mount: Mount) -> None:
        try:
            await self._streaming.request({"request": "destroy", "id": mount.id, "secret": mount.secret})
        except JanusError as exc:
            if not str(exc).startswith("455"):  # no such mountpoint: gone already
                raise


def _random_id() -> int:
    return 1 + secrets.randbelow(2**52)  # JavaScript's and Janus's integers both hold it


def _video_port(created: dict[str, object]) -> int:
    stream = created.get("stream")
    ports = stream.get("ports", []) if isinstance(stream, dict) else []
    for port in ports if isinstance(ports, list) else []:
        if isinstance(port, dict) and port.get("type") == "video" and port.get("port"):
            return int(port["port"])
    raise JanusError(f"janus made a mountpoint but named no video port: {created}")
