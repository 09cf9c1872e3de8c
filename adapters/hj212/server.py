"""The TCP server HJ 212 stations dial in to, on the event loop.

Each connection has its own session and hands in one batch per read, awaiting
the hub's intake: a station that floods waits for the recorder, the others go
on. Memory per connection is bounded (one read plus one frame); a connection
that is silent past the idle timeout, or sends only junk, is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from adapters.hj212.config import Hj212Config, Listen
from adapters.hj212.decode import Collected
from adapters.hj212.session import Session, StationBook
from hub.context import HubContext
from hub.models import IngestBatch

log = logging.getLogger(__name__)
EDGE = "hj212"
READ_BYTES = 64 * 1024
MAX_JUNK_RUN = 64 * 1024  # bytes of junk in a row before we stop listening to a connection
WRITE_TIMEOUT_S = 10.0  # a station that does not read its replies does not hold its handler forever


class Hj212TcpService:
    """Accepts station connections and turns their frames into batches for the hub."""

    name = "hj212"

    def __init__(self, ctx: HubContext, config: Hj212Config, listen: Listen) -> None:
        self._ctx = ctx
        self._config = config
        self._listen = listen
        self._book = StationBook(ctx.town, config)
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self.port = listen.port

    @property
    def url(self) -> str:
        return f"tcp://{self._listen.host}:{self.port} (HJ 212 stations)"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, self._listen.host, self._listen.port)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("hj212: listening on %s:%d for %d stations", self._listen.host, self.port, len(self._book.by_mn))

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._handlers):
            task.cancel()
        for task in list(self._handlers):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if len(self._handlers) >= self._config.max_connections:
            log.warning("hj212: %d connections already; refusing %s", len(self._handlers), _peer(writer))
            writer.close()
            return
        self._handlers.add(task)
        try:
            await self._serve(reader, writer, Session(self._book, f"tcp:{_peer(writer)}"))
        except (ConnectionError, OSError, TimeoutError) as exc:
            log.info("hj212: %s: connection ended (%s)", _peer(writer), exc or type(exc).__name__)
        except asyncio.CancelledError:
            pass  # the hub is stopping; what was read is handed in below
        finally:
            self._handlers.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, session: Session) -> None:
        try:
            while True:
                try:
                    data = await asyncio.wait_for(reader.read(READ_BYTES), self._config.idle_timeout_s)
                except TimeoutError:
                    log.info("hj212: %s silent for %.0f s; closing", session.source, self._config.idle_timeout_s)
                    return
                if not data:
                    return
                out = Collected()
                fed = session.feed(data, time.time(), out)
                out.messages = fed.frames
                await self._hand_in(out)
                for reply in fed.replies:
                    writer.write(reply)
                await asyncio.wait_for(writer.drain(), WRITE_TIMEOUT_S)
                if session.junk_run > MAX_JUNK_RUN:
                    log.warning("hj212: %s sent %d bytes of junk in a row; closing", session.source, session.junk_run)
                    return
        finally:
            out = Collected()
            session.expire(float("inf"), out)  # split packets cannot complete on another connection
            await asyncio.shield(self._hand_in(out))

    async def _hand_in(self, out: Collected) -> None:
        if out.messages or out.readings or out.letters or out.reports:
            batch = IngestBatch(tuple(out.readings), tuple(out.letters), tuple(out.reports), out.messages, time.time())
            await self._ctx.intake.async_submit(batch, EDGE)


def _peer(writer: asyncio.StreamWriter) -> str:
    peer = writer.get_extra_info("peername")
    return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
