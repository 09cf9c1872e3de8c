"""One WebSocket to Janus's API with one session on it: requests matched to answers, events per handle.

Each participant of a call gets a connection of its own, so a browser that goes
away takes exactly its own session (and its publisher) with it: closing the
socket is how Janus learns to tear them down. `async with JanusConnection.open(…)`
yields a connection whose handles' event iterators raise `JanusGone` when
Janus or the socket dies, rather than hang.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from typing import Any

import orjson
from pydantic import ValidationError
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from adapters.janus.wire import Envelope, Jsep
from hub.calls.signals import IceCandidate
from hub.tasks import TaskSet

log = logging.getLogger(__name__)
KEEPALIVE_S = 25.0  # Janus ends sessions silent for session_timeout (60 s)
ANSWER_TIMEOUT_S = 15.0
EVENTS_LIMIT = 256
_FINAL = {"success", "error", "event", "server_info"}  # what ends a transaction, besides "ack" for some


class JanusError(Exception):
    """Janus or one of its plugins refused a request."""


class JanusGone(Exception):
    """The connection to Janus ended (Janus stopped, the session timed out, or we closed it)."""


class Handle:
    """A handle attached to one plugin; its unsolicited events arrive on `events()`."""

    def __init__(self, conn: JanusConnection, handle_id: int) -> None:
        self.conn = conn
        self.id = handle_id
        self.queue: asyncio.Queue[Envelope | None] = asyncio.Queue(EVENTS_LIMIT)

    async def request(self, body: dict[str, Any]) -> dict[str, Any]:
        """A plugin request answered at once (create, allowed, kick …): the plugin's data."""
        reply = await self.conn.call({"janus": "message", "handle_id": self.id, "body": body})
        return reply.plugindata.data if reply.plugindata else {}

    async def message(self, body: dict[str, Any], jsep: Jsep | None = None) -> Envelope:
        """A plugin request answered by an event (join, configure, start …), with its jsep if any."""
        payload: dict[str, Any] = {"janus": "message", "handle_id": self.id, "body": body}
        if jsep is not None:
            payload["jsep"] = jsep.model_dump()
        return await self.conn.call(payload)

    async def trickle(self, candidate: IceCandidate | None) -> None:
        """A browser's candidate, or None when it has no more."""
        payload: dict[str, Any] = {"janus": "trickle", "handle_id": self.id}
        if candidate is None:
            payload["candidate"] = {"completed": True}
        else:
            payload["candidate"] = candidate.model_dump(exclude_none=True)
        await self.conn.call(payload, ack=True)

    async def events(self) -> AsyncIterator[Envelope]:
        """Events Janus sends of its own accord; raises JanusGone when the connection ends."""
        while True:
            event = await self.queue.get()
            if event is None:
                raise JanusGone("janus connection closed")
            yield event

    async def detach(self) -> None:
        with contextlib.suppress(JanusError, JanusGone):
            await self.conn.call({"janus": "detach", "handle_id": self.id})
        self.conn.handles.pop(self.id, None)


class JanusConnection:
    """A WebSocket to Janus and one session. Loop only."""

    def __init__(self, ws: ClientConnection, api_secret: str | None) -> None:
        self.ws = ws
        self.api_secret = api_secret
        self.session_id: int | None = None
        self.handles: dict[int, Handle] = {}
        self.closed = asyncio.Event()
        self._pending: dict[str, tuple[asyncio.Future[Envelope], bool]] = {}
        self._tasks = TaskSet()

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, url: str, api_secret: str | None) -> AsyncIterator[JanusConnection]:
        """Connect, create a session, keep it alive; on exit destroy it and close."""
        async with connect(url, subprotocols=["janus-protocol"], open_timeout=10,  # type: ignore[list-item]
                           max_size=2**22, ping_interval=None) as ws:
            conn = cls(ws, api_secret)
            conn._tasks.spawn(conn._read(), name="janus-read")
            try:
                created = await conn.call({"janus": "create"})
                conn.session_id = int(created.data["id"])
                conn._tasks.spawn(conn._keepalive(), name="janus-keepalive")
                yield conn
            finally:
                await conn._close()

    async def attach(self, plugin: str) -> Handle:
        reply = await self.call({"janus": "attach", "plugin": plugin})
        handle = Handle(self, int(reply.data["id"]))
        self.handles[handle.id] = handle
        return handle

    async def info(self) -> Envelope:
        return await self.call({"janus": "info"})

    async def call(self, payload: dict[str, Any], ack: bool = False) -> Envelope:
        """Send *payload* as a new transaction; its answer (an "ack" too, when *ack*), or JanusError."""
        if self.closed.is_set():
            raise JanusGone("janus connection closed")
        transaction = secrets.token_hex(8)
        future: asyncio.Future[Envelope] = asyncio.get_running_loop().create_future()
        self._pending[transaction] = (future, ack)
        message = {**payload, "transaction": transaction}
        if self.session_id is not None and payload["janus"] not in ("create", "info"):
            message["session_id"] = self.session_id
        if self.api_secret:
            message["apisecret"] = self.api_secret
        try:
            await self.ws.send(orjson.dumps(message).decode())
            async with asyncio.timeout(ANSWER_TIMEOUT_S):
                reply = await future
        except ConnectionClosed as exc:
            raise JanusGone(str(exc)) from None
        except TimeoutError:
            raise JanusError(f"janus did not answer {payload['janus']} in {ANSWER_TIMEOUT_S:.0f} s") from None
        finally:
            self._pending.pop(transaction, None)
        if reply.janus == "error" and reply.error is not None:
            raise JanusError(f"{reply.error.code}: {reply.error.reason}")
        if reply.plugin_error:
            raise JanusError(reply.plugin_error)
        return reply

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                try:
                    self._dispatch(Envelope.model_validate_json(raw))
                except ValidationError:
                    log.warning("janus sent what is not an API message: %.200r", raw)
        except ConnectionClosed:
            pass
        finally:
            self._end()

    def _dispatch(self, envelope: Envelope) -> None:
        waiting = self._pending.get(envelope.transaction or "")
        if waiting is not None:
            future, ack = waiting
            if (envelope.janus in _FINAL or ack) and not future.done():
                future.set_result(envelope)
                return
            if envelope.janus == "ack":
                return
        if envelope.janus in ("timeout", "detached") and envelope.sender is None:
            self._end()  # the session itself is gone
            return
        handle = self.handles.get(envelope.sender or 0)
        if handle is None:
            return
        if handle.queue.full():
            log.error("janus handle %d: %d events not read; closing its connection", handle.id, EVENTS_LIMIT)
            self._tasks.spawn(self.ws.close())
            return
        handle.queue.put_nowait(envelope)

    def _end(self) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        for future, _ in self._pending.values():
            if not future.done():
                future.set_exception(JanusGone("janus connection closed"))
        for handle in self.handles.values():
            if handle.queue.full():
                handle.queue.get_nowait()  # the end matters more than the oldest unread event
            handle.queue.put_nowait(None)

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(KEEPALIVE_S)
            try:
                await self.call({"janus": "keepalive"}, ack=True)
            except (JanusError, JanusGone):
                log.warning("janus session %s: keepalive unanswered; closing", self.session_id)
                await self.ws.close()
                return

    async def _close(self) -> None:
        if not self.closed.is_set() and self.session_id is not None:
            with contextlib.suppress(JanusError, JanusGone):
                async with asyncio.timeout(2):
                    await self.call({"janus": "destroy"})
        await self.ws.close()
        self._end()
        await self._tasks.cancel()
