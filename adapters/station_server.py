"""The TCP server telemetry stations dial in to (HJ 212, SL 651), on the event loop.

Each connection has its own session and hands in one batch per read, awaiting
the hub's intake: a station that floods waits for the recorder, the others go
on. Memory per connection is bounded (one read plus one frame). Who may hold a
connection, and for how long, is the connection guard's to say (adapters.tcp_guard):
a flood of silent sockets cannot shut stations out. A connection that sends only
junk is closed; what it held when it ends is decoded, so no valid frame is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Protocol

from adapters.station_links import StationLinks
from adapters.stations import Collected, Fed
from adapters.tcp_guard import Admitted, ConnectionGuard, ConnectionLimits
from hub.context import HubContext, Provided
from hub.models import IngestBatch

log = logging.getLogger(__name__)
READ_BYTES = 64 * 1024
MAX_JUNK_RUN = 64 * 1024  # bytes of junk in a row before we stop listening to a connection
WRITE_TIMEOUT_S = 10.0  # a station that does not read its replies does not hold its handler forever
COMMIT_WAIT_S = 60.0  # no commit by then: the connection ends unconfirmed, and the station sends its report again
BACKLOG = 1024  # connections the kernel queues before we accept them: a station's SYN outlasts a connect flood


class StationSession(Protocol):
    """One connection's decoder, as a protocol's session is."""

    source: str
    junk_run: int  # bytes of junk since the last good frame

    def feed(self, data: bytes, received: float, out: Collected) -> Fed: ...

    def flush(self, received: float, out: Collected) -> Fed: ...

    def expire(self, now: float, out: Collected) -> None: ...

    def attach(self, write: Callable[[bytes], bool]) -> None:
        """The connection's writer, for the commands the centre sends the station."""

    def detach(self) -> None:
        """The connection ended: no more commands go through it."""


class Listen(Protocol):
    @property
    def host(self) -> str: ...

    @property
    def port(self) -> int: ...


class StationTcpService:
    """Accepts station connections and turns their frames into batches for the hub."""

    def __init__(self, ctx: HubContext, edge: str, label: str, limits: ConnectionLimits, listen: Listen,
                 session: Callable[[str], StationSession], stations: int, links: StationLinks | None = None) -> None:
        self.name = edge
        self._links = links  # the commands to stations, shared with the other station edges
        self._ctx = ctx
        self._label = label
        self._listen = listen
        self._session = session
        self._stations = stations
        self._guard = ConnectionGuard(edge, limits)
        self._collector = self._guard.collector()
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self.port = listen.port

    @property
    def url(self) -> str:
        return f"tcp://{self._listen.host}:{self.port} ({self._label} stations)"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, self._listen.host, self._listen.port, backlog=BACKLOG)
        self.port = self._server.sockets[0].getsockname()[1]
        self._ctx.metrics.add_collector(self._collector)
        if self._links is not None:
            self._links.users += 1
            if self._links.users == 1:
                self._ctx.metrics.add_collector(self._links.collector)
        log.info("%s: listening on %s:%d for %d stations", self.name, self._listen.host, self.port, self._stations)

    def provided(self) -> Provided:
        """The station links, for the console's commands (an ingest worker's servers are not the bootstrap's)."""
        return Provided(station_commands=self._links)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        await asyncio.gather(*(_end(task) for task in list(self._handlers)))
        if self._server is not None:
            await self._server.wait_closed()
            self._ctx.metrics.registry.unregister(self._collector)  # a worker that regains the share adds it again
            await self._release_links()

    async def _release_links(self) -> None:
        """The last station edge to stop closes the command log."""
        if self._links is None:
            return
        self._links.users -= 1
        if self._links.users == 0:
            self._ctx.metrics.registry.unregister(self._links.collector)
            await self._links.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = self._guard.admit(_host(writer), writer.transport.abort)
        if conn is None:
            writer.close()
            return
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        session = self._session(f"tcp:{_peer(writer)}")
        session.attach(lambda data: _write(writer, data))
        try:
            await self._serve(reader, writer, conn, session)
        except (ConnectionError, OSError, TimeoutError) as exc:
            log.info("%s: %s: connection ended (%s)", self.name, _peer(writer), exc or type(exc).__name__)
        except asyncio.CancelledError:
            pass  # the hub is stopping; what was read is handed in below
        finally:
            session.detach()
            self._handlers.discard(task)
            self._guard.release(conn)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: Admitted,
                     session: StationSession) -> None:
        try:
            while await self._read(reader, writer, conn, session):
                pass
        finally:
            await asyncio.shield(self._finish(writer, session))

    async def _read(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: Admitted,
                    session: StationSession) -> bool:
        """Take in one read; False when the connection is to end."""
        try:
            data = await asyncio.wait_for(reader.read(READ_BYTES), self._guard.read_timeout(conn))
        except TimeoutError:
            log.info("%s: %s: %s; closing", self.name, session.source, self._guard.timed_out(conn).replace("_", " "))
            return False
        if not data:
            return False
        out = Collected()
        fed = session.feed(data, time.time(), out)
        if fed.accepted:
            self._guard.valid_frame(conn)
        await self._deliver(out, fed, writer)
        if session.junk_run > MAX_JUNK_RUN:
            log.warning("%s: %s sent %d bytes of junk in a row; closing", self.name, session.source, session.junk_run)
            self._guard.closed(conn, "junk")
            return False
        return True

    async def _finish(self, writer: asyncio.StreamWriter, session: StationSession) -> None:
        """The end of the stream: an unfinished frame is junk, frames after it count, split packets end here."""
        out = Collected()
        fed = session.flush(time.time(), out)
        session.expire(float("inf"), out)  # split packets cannot complete on another connection
        with contextlib.suppress(ConnectionError, OSError, TimeoutError):  # the station may be gone: the data is not
            await self._deliver(out, fed, writer)

    async def _deliver(self, out: Collected, fed: Fed, writer: asyncio.StreamWriter) -> None:
        """Hand in what a read gave, then send the replies once it is committed: a confirmation (HJ 212's 9014,
        SL 651's ESC/EOT) means the hub keeps the report even if it is killed the next moment."""
        out.messages = fed.frames
        committed = await self._hand_in(out)
        if fed.replies and not writer.is_closing():
            if committed is not None:  # a recorder that cannot commit holds the station back, then lets it go
                await asyncio.wait_for(committed, COMMIT_WAIT_S)
            writer.writelines(fed.replies)
            await asyncio.wait_for(writer.drain(), WRITE_TIMEOUT_S)

    async def _hand_in(self, out: Collected) -> asyncio.Future[None] | None:
        """Submit the read's batch; the future is done once the recorder has committed it (None: nothing to keep)."""
        committed = None
        if out.messages or out.readings or out.letters or out.reports:
            on_commit = None
            if out.readings or out.letters:  # the recorder commits (and calls back) only batches with rows
                committed, on_commit = _commit_signal()
            batch = IngestBatch(tuple(out.readings), tuple(out.letters), tuple(out.reports), out.messages, time.time(),
                                on_commit)
            await self._ctx.intake.async_submit(batch, self.name)
        for event in out.events:
            self._ctx.async_device_event(event)
        return committed


async def _end(task: asyncio.Task[None]) -> None:
    """Cancel a connection's handler until it ends: Python 3.11's wait_for swallows a cancellation that arrives
    as the awaited read completes, and the handler would then read on, holding the stop until the station left."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=1.0)


def _commit_signal() -> tuple[asyncio.Future[None], Callable[[], None]]:
    """A future on this loop and the callback, for the recorder's thread, that completes it."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def complete() -> None:
        if not done.done():
            done.set_result(None)

    def signal() -> None:
        with contextlib.suppress(RuntimeError):  # the loop is gone (the hub stopped): nobody waits any more
            loop.call_soon_threadsafe(complete)

    return done, signal


def _write(writer: asyncio.StreamWriter, data: bytes) -> bool:
    """A command to the station: small, so written without waiting for the buffer to drain."""
    if writer.is_closing():
        return False
    writer.write(data)
    return True


def _host(writer: asyncio.StreamWriter) -> str:
    peer = writer.get_extra_info("peername")
    return str(peer[0]) if isinstance(peer, tuple) else str(peer)


def _peer(writer: asyncio.StreamWriter) -> str:
    peer = writer.get_extra_info("peername")
    return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
