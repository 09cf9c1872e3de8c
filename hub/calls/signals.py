"""The call socket's messages between a browser and the hub, whatever SFU carries the media.

A browser has up to three peer connections: `pub` sends its camera and
microphone, `sub` receives the others, `cam` receives a shared camera.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

SDP_MAX = 200_000


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IceCandidate(_Message):
    candidate: str = Field(max_length=1000)
    sdpMid: str | None = Field(default=None, max_length=32)  # RTCIceCandidate's spelling
    sdpMLineIndex: int | None = Field(default=None, ge=0, le=64)


# --- browser → hub -------------------------------------------------------------------------------

class Publish(_Message):
    """The browser's offer of its camera and microphone."""

    type: Literal["publish"]
    sdp: str = Field(max_length=SDP_MAX)


class Answer(_Message):
    """The browser's answer to an offer of what it receives."""

    type: Literal["answer"]
    pc: Literal["sub", "cam"]
    sdp: str = Field(max_length=SDP_MAX)


class Trickle(_Message):
    """One of the browser's ICE candidates; None when it has gathered them all."""

    type: Literal["candidate"]
    pc: Literal["pub", "sub", "cam"]
    candidate: IceCandidate | None = None


class Mute(_Message):
    type: Literal["mute"]
    audio: bool
    video: bool


class Leave(_Message):
    type: Literal["leave"]


ClientSignal = Annotated[Publish | Answer | Trickle | Mute | Leave, Field(discriminator="type")]


# --- hub → browser -------------------------------------------------------------------------------

class Tile(_Message):
    """Whose track one m-line of `sub` or `cam` carries, so the page can label it."""

    mid: str
    kind: Literal["audio", "video"]
    username: str | None = None
    name: str = ""
    village: str | None = None
    village_name: str = ""
    side: str | None = None
    camera: str | None = None


class Published(_Message):
    """The SFU's answer to the browser's `publish`."""

    type: Literal["published"] = "published"
    sdp: str


class Offer(_Message):
    """What the browser is to receive on *pc*, and who each m-line is."""

    type: Literal["offer"] = "offer"
    pc: Literal["sub", "cam"]
    sdp: str
    tiles: tuple[Tile, ...] = ()


class CameraOff(_Message):
    """The shared camera was taken out of the call: close `cam`."""

    type: Literal["camera_off"] = "camera_off"


class Speaking(_Message):
    type: Literal["speaking"] = "speaking"
    username: str
    on: bool


ServerSignal = Published | Offer | CameraOff | Speaking
