"""The call service's SFU, on Janus: a room per call, a leg per participant, a mountpoint per shared camera.

Janus is started when the first call needs it, not with the hub: a town that
makes no video calls runs no Janus. If Janus dies (or the external one goes
away), the hub starts it again and makes the rooms and mountpoints of the open
calls afresh; the participants' pages, whose legs were lost, join again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path

from pydantic import SecretStr

from adapters.janus.camera import CameraRelay
from adapters.janus.config import JanusSection
from adapters.janus.connection import JanusConnection, JanusError, JanusGone
from adapters.janus.leg import JanusLeg
from adapters.janus.process import JanusProcess
from adapters.janus.rooms import Mount, RoomControl, RoomKeys
from adapters.janus.turn import ice_policy
from hub.calls.ports import IcePolicy, LegLost, Member

log = logging.getLogger(__name__)
JANUS_DOWN = (JanusError, JanusGone, OSError, RuntimeError)  # RuntimeError: our Janus did not start
RECOVER_BACKOFF_S = (1.0, 2.0, 5.0, 10.0, 30.0)


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


class JanusSfu:
    """Implements hub.calls.ports.Sfu. Loop only; `stop` ends every room (and our Janus)."""

    def __init__(self, section: JanusSection, log_dir: Path, process: JanusProcess | None) -> None:
        self.section = section
        self.log_dir = log_dir
        self.process = process
        self.url = process.url if process else section.url or ""
        self.api_secret = process.secrets.api_secret if process else _secret(section.api_secret)
        self.admin_key = process.secrets.admin_key if process else _secret(section.admin_key) or ""
        self.rooms: dict[int, RoomKeys] = {}
        self.mounts: dict[int, tuple[Mount, CameraRelay]] = {}
        self.legs: dict[int, set[JanusLeg]] = {}
        self._control: RoomControl | None = None
        self._stack = contextlib.AsyncExitStack()
        self._lock = asyncio.Lock()
        self._room_lock = asyncio.Lock()
        self._watchdog: asyncio.Task[None] | None = None
        self._stopping = False

    def ice(self, username: str) -> IcePolicy:
        return ice_policy(self.section.turn, username, time.time())

    async def control(self) -> RoomControl:
        """The hub's session on Janus, starting (our) Janus and connecting first if need be."""
        async with self._lock:
            if self._control is not None and not self._control.conn.closed.is_set():
                return self._control
            if self.process is not None and self.process.process is None:
                await self.process.start()
            conn = await self._stack.enter_async_context(JanusConnection.open(self.url, self.api_secret))
            self._control = await RoomControl.attach(conn, self.admin_key, self.section.calls)
            self._watchdog = asyncio.create_task(self._watch(conn), name="janus-watchdog")
            return self._control

    async def stop(self) -> None:
        self._stopping = True
        for call_id in list(self.rooms):
            await self.close_room(call_id)
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        await self._stack.aclose()
        self._control = None
        if self.process is not None:
            await self.process.stop()

    async def _watch(self, conn: JanusConnection) -> None:
        await conn.closed.wait()
        if self._stopping:
            return
        log.error("janus went away; starting it again and making the open calls' rooms afresh")
        calls = list(self.rooms)
        shared = {c: (m.camera, m.name, r.url) for c, (m, r) in self.mounts.items()}
        for call_id in calls:
            await self.close_room(call_id)
        self._control = None
        if self.process is not None:
            await self.process.stop()
        for delay in (0.0, *RECOVER_BACKOFF_S):
            await asyncio.sleep(delay)
            try:
                for call_id in calls:
                    await self.open_room(call_id)
                for call_id, (camera, name, url) in shared.items():
                    await self.share(call_id, camera, name, url)
                return
            except LegLost as exc:
                log.warning("janus: not back yet (%s)", exc)
        log.error("janus did not come back; calls go on without media until a new call starts it")

    # --- rooms ------------------------------------------------------------------------------------

    async def open_room(self, call_id: int) -> None:
        async with self._room_lock:  # two participants joining a room not made yet make it once
            if call_id in self.rooms:
                return
            try:
                self.rooms[call_id] = await (await self.control()).create_room()
            except JANUS_DOWN as exc:
                raise LegLost(f"janus: {exc}") from exc

    async def close_room(self, call_id: int) -> None:
        for leg in self.legs.pop(call_id, set()):
            leg.lose("the call has ended")
        await self.unshare(call_id)
        keys = self.rooms.pop(call_id, None)
        if keys is not None and self._control is not None:
            with contextlib.suppress(*JANUS_DOWN):
                await self._control.destroy_room(keys)

    @contextlib.asynccontextmanager
    async def leg(self, call_id: int, member: Member) -> AsyncIterator[JanusLeg]:
        """*member*'s leg on a session of its own, admitted by a token of its own for as long as it lasts."""
        if call_id not in self.rooms:
            await self.open_room(call_id)  # Janus was away when the call began, or when the hub started
        keys = self.rooms[call_id]
        token = secrets.token_urlsafe(16)
        async with contextlib.AsyncExitStack() as stack:
            try:
                await (await self.control()).allow(keys, token, add=True)
                stack.push_async_callback(self._disallow, keys, token)
                conn = await stack.enter_async_context(JanusConnection.open(self.url, self.api_secret))
                leg = JanusLeg(conn, keys, member, token, self.section.calls.village_tiles)
                stack.push_async_callback(leg.close)
                mount = self.mounts.get(call_id)
                await leg.start(mount[0] if mount else None)
            except JANUS_DOWN as exc:
                raise LegLost(f"janus: {exc}") from exc
            legs = self.legs.setdefault(call_id, set())
            legs.add(leg)
            stack.callback(legs.discard, leg)
            yield leg

    async def _disallow(self, keys: RoomKeys, token: str) -> None:
        if self._control is not None and keys in self.rooms.values():
            with contextlib.suppress(*JANUS_DOWN):
                await self._control.allow(keys, token, add=False)

    # --- cameras ----------------------------------------------------------------------------------

    async def share(self, call_id: int, camera: str, name: str, url: str) -> None:
        await self.unshare(call_id)
        try:
            mount = await (await self.control()).create_mount(camera, name)
        except JANUS_DOWN as exc:
            raise LegLost(f"janus: {exc}") from exc
        relay = CameraRelay(self.section.relay, camera, url, mount.port, self.log_dir / f"relay-{camera}.log")
        await relay.start()
        self.mounts[call_id] = (mount, relay)
        for leg in list(self.legs.get(call_id, ())):
            await self._set_camera(leg, mount)

    async def unshare(self, call_id: int) -> None:
        shared = self.mounts.pop(call_id, None)
        if shared is None:
            return
        mount, relay = shared
        for leg in list(self.legs.get(call_id, ())):
            await self._set_camera(leg, None)
        await relay.stop()
        if self._control is not None:
            with contextlib.suppress(*JANUS_DOWN):
                await self._control.destroy_mount(mount)

    async def _set_camera(self, leg: JanusLeg, mount: Mount | None) -> None:
        try:
            await leg.set_camera(mount)
        except JANUS_DOWN as exc:
            leg.lose(f"janus: {exc}")
