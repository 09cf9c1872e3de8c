"""What the call service needs from the SFU edge (Janus): rooms, one media leg per participant, cameras.

The SFU never learns about accounts or scopes: the service decides who may
join, the leg only carries media signalling for someone already admitted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from hub.calls.model import Side
from hub.calls.signals import ClientSignal, ServerSignal


class LegLost(Exception):
    """The SFU dropped a participant's media session (it restarted, or refused a request)."""


@dataclass(frozen=True, slots=True)
class Member:
    """Whom a leg carries, as the others' pages label them."""

    username: str
    name: str
    side: Side
    village: str | None
    village_name: str = ""


@dataclass(frozen=True, slots=True)
class IceServer:
    """A TURN server browsers may relay through (villages behind NAT); no STUN on the internet is used."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None


@dataclass(frozen=True, slots=True)
class IcePolicy:
    """How one participant's browser finds its way to the media server."""

    servers: tuple[IceServer, ...] = ()
    relay_only: bool = False  # every path through TURN: host candidates are not even tried


class MediaLeg(Protocol):
    """One participant's signalling with the SFU."""

    async def handle(self, signal: ClientSignal) -> None:
        """Act on a browser's message (publish, answer, candidate, mute); raises LegLost."""

    def signals(self) -> AsyncIterator[ServerSignal]:
        """What to tell the browser, as it happens; raises LegLost when the SFU drops the leg."""


class Sfu(Protocol):
    """The media server calls run on. Methods run on the loop."""

    def ice(self, username: str) -> IcePolicy:
        """The TURN servers, with credentials for *username*, and whether to use nothing else."""

    async def open_room(self, call_id: int) -> None: ...

    async def close_room(self, call_id: int) -> None:
        """End the room, its camera and every leg in it."""

    def leg(self, call_id: int, member: Member) -> AbstractAsyncContextManager[MediaLeg]:
        """A leg for *member*, admitted to the call's room (with a token of its own) until the context ends."""

    async def share(self, call_id: int, camera: str, name: str, url: str) -> None:
        """Feed the camera's RTSP stream at *url* into the call, replacing any camera shared before."""

    async def unshare(self, call_id: int) -> None: ...
