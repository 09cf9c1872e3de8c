"""One participant's signalling, relayed between the hub's call socket and Janus.

Three handles on the participant's own Janus session: a VideoRoom publisher
(their camera and microphone, and the room's events), a VideoRoom subscriber
(the feeds they should see, from hub/calls/tiles.py, changed as people come,
go and speak) and a Streaming watcher (the shared camera). Janus offers what it
sends; the browser answers. One subscriber negotiation at a time: a change that
comes while the browser holds an offer waits for its answer.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from pydantic import ValidationError

from adapters.janus.connection import Handle, JanusConnection, JanusError, JanusGone
from adapters.janus.rooms import STREAMING, VIDEOROOM, Mount, RoomKeys
from adapters.janus.wire import Display, Envelope, Jsep, Publisher, SubscribedStream
from hub.calls.ports import LegLost, Member
from hub.calls.signals import (
    Answer,
    CameraOff,
    ClientSignal,
    Offer,
    Publish,
    Published,
    ServerSignal,
    Speaking,
    Tile,
    Trickle,
)
from hub.calls.tiles import Feed, visible
from hub.tasks import TaskSet

log = logging.getLogger(__name__)
OUT_LIMIT = 256  # messages for one browser; past it the browser is not reading and the leg ends


class JanusLeg:
    """Loop only. `start` joins the room; `handle` takes the browser's messages; `signals` yields Janus's."""

    def __init__(self, conn: JanusConnection, keys: RoomKeys, member: Member, token: str, village_tiles: int) -> None:
        self._conn = conn
        self._keys = keys
        self.member = member
        self._token = token
        self._village_tiles = village_tiles
        self._out: asyncio.Queue[ServerSignal | None] = asyncio.Queue(OUT_LIMIT)
        self._lost = ""
        self._pub: Handle | None = None
        self._sub: Handle | None = None
        self._cam: Handle | None = None
        self.feed_id: int | None = None
        self._feeds: dict[int, Feed] = {}
        self._who: dict[int, Display] = {}
        self._order = itertools.count()
        self._spoke: dict[int, float] = {}
        self._subscribed: set[int] = set()
        self._offered = False  # the browser holds a subscriber offer it has not answered
        self._sub_lock = asyncio.Lock()
        self._cam_lock = asyncio.Lock()
        self._tasks = TaskSet()

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self, camera: Mount | None) -> None:
        """Join the room as a publisher (not yet sending): from here on the room's events arrive."""
        display = Display(u=self.member.username, n=self.member.name, s=self.member.side,
                          v=self.member.village, vn=self.member.village_name)
        self._pub = await self._conn.attach(VIDEOROOM)
        joined = await self._pub.message({"request": "join", "ptype": "publisher", "room": self._keys.room,
                                          "pin": self._keys.pin, "token": self._token,
                                          "display": display.model_dump_json()})
        data = joined.plugindata.data if joined.plugindata else {}
        self.feed_id = int(data["id"])
        self._add(data.get("publishers", []))
        self._tasks.spawn(self._pump(self._pub, self._on_room_event), name=f"janus-pub-{self.member.username}")
        await self._reconcile()
        if camera is not None:
            await self.set_camera(camera)

    async def close(self) -> None:
        await self._tasks.cancel()

    def lose(self, why: str) -> None:
        """End the leg from outside (the room was closed): its signals raise LegLost."""
        self._lost = why
        self._emit(None)

    # --- the browser's messages -------------------------------------------------------------------

    async def handle(self, signal: ClientSignal) -> None:
        try:
            await self._handle(signal)
        except (JanusError, JanusGone) as exc:
            raise LegLost(str(exc)) from exc

    async def _handle(self, signal: ClientSignal) -> None:
        if isinstance(signal, Publish) and self._pub is not None:
            reply = await self._pub.message({"request": "configure", "audio": True, "video": True},
                                            Jsep(type="offer", sdp=signal.sdp))
            if reply.jsep is None:
                raise JanusError("janus gave no answer to the published offer")
            self._emit(Published(sdp=reply.jsep.sdp))
        elif isinstance(signal, Answer) and signal.pc == "sub" and self._sub is not None:
            await self._sub.message({"request": "start"}, Jsep(type="answer", sdp=signal.sdp))
            self._offered = False
            await self._reconcile()
        elif isinstance(signal, Answer) and signal.pc == "cam" and self._cam is not None:
            await self._cam.message({"request": "start"}, Jsep(type="answer", sdp=signal.sdp))
        elif isinstance(signal, Trickle):
            handle = {"pub": self._pub, "sub": self._sub, "cam": self._cam}[signal.pc]
            if handle is not None:
                await handle.trickle(signal.candidate)

    async def signals(self) -> AsyncIterator[ServerSignal]:
        while True:
            signal = await self._out.get()
            if signal is None:
                raise LegLost(self._lost or "janus connection closed")
            yield signal

    def _emit(self, signal: ServerSignal | None) -> None:
        if self._out.full():
            self._lost = f"the browser did not read {OUT_LIMIT} messages"
            self._out.get_nowait()
            signal = None
        self._out.put_nowait(signal)

    # --- the room ---------------------------------------------------------------------------------

    async def _pump(self, handle: Handle, on_event: Callable[[Envelope], Awaitable[None]]) -> None:
        try:
            async for event in handle.events():
                try:
                    await on_event(event)
                except JanusError as exc:
                    log.warning("call leg %s: %s", self.member.username, exc)
        except JanusGone as exc:
            self.lose(str(exc))

    async def _on_room_event(self, event: Envelope) -> None:
        data = event.plugindata.data if event.plugindata else {}
        kind = data.get("videoroom")
        if kind == "event":
            self._add(data.get("publishers", []))
            for key in ("unpublished", "leaving", "kicked"):
                if isinstance(data.get(key), int):
                    self._remove(data[key])
        elif kind in ("talking", "stopped-talking") and isinstance(data.get("id"), int):
            self._on_talking(data["id"], kind == "talking")
        elif kind == "destroyed":
            self.lose("the call's room was closed")
            return
        await self._reconcile()

    def _add(self, publishers: list[Any]) -> None:
        for raw in publishers:
            try:
                publisher = Publisher.model_validate(raw)
                who = Display.model_validate_json(publisher.display)
            except ValidationError:
                log.warning("call leg %s: a publisher not made by the hub: %.200r", self.member.username, raw)
                continue
            if publisher.id not in self._feeds:
                self._feeds[publisher.id] = Feed(publisher.id, who.u, who.s, next(self._order))
                self._who[publisher.id] = who

    def _remove(self, feed: int) -> None:
        self._feeds.pop(feed, None)
        self._spoke.pop(feed, None)
        self._subscribed.discard(feed)  # Janus drops it from the subscription itself

    def _on_talking(self, feed: int, on: bool) -> None:
        who = self._who.get(feed)
        if who is None:
            return
        if on:
            self._spoke[feed] = time.monotonic()
        self._emit(Speaking(username=who.u, on=on))

    # --- what the participant receives --------------------------------------------------------------

    async def _reconcile(self) -> None:
        """Subscribe to the feeds the participant should see now, unless an offer is still with the browser."""
        async with self._sub_lock:
            if self._offered:
                return
            want = visible(self.member.username, self.member.side, self._feeds.values(), self._spoke,
                           self._village_tiles)
            add, drop = want - self._subscribed, self._subscribed - want
            if not add and not drop:
                return
            if self._sub is None:
                reply = await self._join_sub(add)
            else:
                body: dict[str, Any] = {"request": "update"}
                if add:
                    body["subscribe"] = [{"feed": f} for f in sorted(add)]
                if drop:
                    body["unsubscribe"] = [{"feed": f} for f in sorted(drop)]
                reply = await self._sub.message(body)
            self._subscribed = want
            self._offer(reply)

    async def _join_sub(self, feeds: set[int]) -> Envelope:
        handle = await self._conn.attach(VIDEOROOM)
        try:
            reply = await handle.message({"request": "join", "ptype": "subscriber", "room": self._keys.room,
                                          "pin": self._keys.pin, "token": self._token,
                                          "streams": [{"feed": f} for f in sorted(feeds)]})
        except JanusError:
            await handle.detach()  # joined nothing: the next try starts afresh
            raise
        self._sub = handle
        self._tasks.spawn(self._pump(handle, self._on_sub_event), name=f"janus-sub-{self.member.username}")
        return reply

    async def _on_sub_event(self, event: Envelope) -> None:
        """Janus renegotiates by itself when a publisher it was sending goes away."""
        if event.jsep is not None:
            async with self._sub_lock:
                self._offer(event)

    def _offer(self, reply: Envelope) -> None:
        if reply.jsep is None or reply.jsep.type != "offer":
            return
        self._offered = True
        data = reply.plugindata.data if reply.plugindata else {}
        self._emit(Offer(pc="sub", sdp=reply.jsep.sdp, tiles=tuple(self._tiles(data.get("streams", [])))))

    def _tiles(self, streams: list[Any]) -> list[Tile]:
        tiles = []
        for raw in streams:
            stream = SubscribedStream.model_validate(raw)
            who = self._who.get(stream.feed_id or 0)
            if stream.active and who is not None and stream.type in ("audio", "video"):
                tiles.append(Tile(mid=stream.mid, kind=stream.type, username=who.u, name=who.n,  # type: ignore[arg-type]
                                  village=who.v, village_name=who.vn, side=who.s.value))
        return tiles

    # --- the shared camera ------------------------------------------------------------------------

    async def set_camera(self, mount: Mount | None) -> None:
        """Watch *mount* (None: stop watching), offering it to the browser as `cam`."""
        async with self._cam_lock:
            if self._cam is not None:
                await self._cam.detach()
                self._cam = None
                self._emit(CameraOff())
            if mount is None:
                return
            self._cam = await self._conn.attach(STREAMING)
            reply = await self._cam.message({"request": "watch", "id": mount.id, "pin": mount.pin})
            if reply.jsep is not None:
                tile = Tile(mid="v", kind="video", name=mount.name, camera=mount.camera)
                self._emit(Offer(pc="cam", sdp=reply.jsep.sdp, tiles=(tile,)))
