"""Station commands across processes: the leader's console asks, the worker that holds the station's port sends.

Stations dial in to the ingest worker holding their protocol's share (hub.shards), so only that worker can
write to them. The leader asks by a PostgreSQL notification on the town's command channel; every worker
hears it and the one serving the station's protocol sends the command through its station links
(adapters.station_links), which log it in the shared command table as one process does, and notifies back
the command's log number; the leader reads that row. When no worker answers within the reply timeout and a
margin (no worker serves the port: between a worker's death and its share's next holder), the leader logs
the command as not_connected, with that reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable

import psycopg
from pydantic import BaseModel, ConfigDict

from adapters.cluster.pg import connect, deployment
from adapters.station_links import StationLinks, TalkBack
from hub.context import HubContext, Provided
from hub.station_commands import CommandKind, CommandState, CommandStore, StationCommand
from hub.tasks import TaskSet

log = logging.getLogger(__name__)
MARGIN_S = 5.0  # beyond the station's reply timeout: the worker's log writes and the notifications' way back
RETRY_S = 1.0


class Ask(BaseModel):
    """A command the leader wants sent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ask: str
    device: str
    kind: CommandKind
    by: str


class Done(BaseModel):
    """A worker sent the command *ask* and closed it: its row in the command log is *id*."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ask: str
    id: int


def channels(url: str, town_id: str) -> tuple[str, str]:
    """The town's channels for asks and for what became of them (names PostgreSQL takes unquoted)."""
    tag = deployment(url, town_id)
    return f"gh_cmd_ask_{tag}", f"gh_cmd_done_{tag}"


class _Channel:
    """Listens on one channel (its own connection, kept up) and notifies on another."""

    def __init__(self, url: str, name: str, listen: str, heard: Callable[[str], None]) -> None:
        self._url, self._name, self._listen, self._heard = url, name, listen, heard
        self._talk: psycopg.AsyncConnection[tuple[object, ...]] | None = None
        self.listening = asyncio.Event()

    async def run(self) -> None:
        while True:
            try:
                conn = await connect(self._url, self._name)
                try:
                    await conn.execute(f"LISTEN {self._listen}")
                    self.listening.set()
                    async for note in conn.notifies():
                        self._heard(note.payload)
                finally:
                    self.listening.clear()
                    await conn.close()
            except psycopg.Error as exc:
                log.warning("station commands: lost the channel %s (%s); listening again", self._listen, exc)
                await asyncio.sleep(RETRY_S)

    async def notify(self, channel: str, payload: str) -> None:
        if self._talk is None or self._talk.closed:
            self._talk = await connect(self._url, self._name + "-say")
        try:
            await self._talk.execute("SELECT pg_notify(%s, %s)", (channel, payload))
        except psycopg.Error:
            await self._talk.close()
            self._talk = None
            raise

    async def close(self) -> None:
        if self._talk is not None:
            with contextlib.suppress(psycopg.Error):
                await self._talk.close()


class CommandRelay:
    """An ingest worker's side: sends the commands asked for the stations whose port it serves now."""

    name = "station-command-relay"

    def __init__(self, url: str, town_id: str, worker: str, links: StationLinks,
                 protocols: dict[str, str]) -> None:
        self._asks, self._done = channels(url, town_id)
        self._channel = _Channel(url, f"gh-cmd-{worker}", self._asks, self._heard)
        self._links = links
        self._protocols = protocols  # device → protocol
        self.serving: set[str] = set()  # the protocols whose station port this worker listens on now
        self._tasks = TaskSet()

    async def start(self) -> None:
        self._tasks.spawn(self._channel.run(), name="gridhub-command-asks")
        await asyncio.wait_for(self._channel.listening.wait(), 30)

    async def stop(self) -> None:
        await self._tasks.cancel()
        await self._channel.close()

    def _heard(self, payload: str) -> None:
        try:
            ask = Ask.model_validate_json(payload)
        except ValueError as exc:
            log.warning("station commands: an ask that does not read (%s): %.200s", exc, payload)
            return
        if self._protocols.get(ask.device) in self.serving:
            self._tasks.spawn(self._send(ask), name=f"station-command-{ask.device}")

    async def _send(self, ask: Ask) -> None:
        try:
            command = await self._links.send(ask.device, ask.kind, ask.by)
            await self._channel.notify(self._done, Done(ask=ask.ask, id=command.id).model_dump_json())
        except Exception:  # the leader then times out and logs it as not sent
            log.exception("station commands: %s to %s failed", ask.kind.value, ask.device)


class RemoteCommander:
    """The leader's StationCommander: asks the worker serving the station's port, reads the log it wrote."""

    name = "station-commands"

    def __init__(self, ctx: HubContext, url: str, store: CommandStore) -> None:
        self._ctx = ctx
        self._asks, self._done = channels(url, ctx.town.town.id)
        self._channel = _Channel(url, f"gh-cmd-{ctx.settings.name()}", self._done, self._heard)
        self._store = store
        self._protocols = {d.id: d.adapter for d in ctx.town.devices if d.adapter in ("hj212", "sl651")}
        self._waiting: dict[str, asyncio.Future[int]] = {}
        self._tasks = TaskSet()

    async def start(self) -> None:
        self._tasks.spawn(self._channel.run(), name="gridhub-command-replies")
        await asyncio.wait_for(self._channel.listening.wait(), 30)

    def provided(self) -> Provided:
        return Provided(station_commands=self)

    async def stop(self) -> None:
        await self._tasks.cancel()
        await self._channel.close()
        with contextlib.suppress(Exception):
            self._store.close()

    def _wait_s(self, device: str) -> float:
        """How long the worker may take: the station's reply timeout, and a margin."""
        section = self._ctx.sections.get(self._protocols[device])
        talk = getattr(section, "commands", None)
        return (talk.reply_timeout_s if isinstance(talk, TalkBack) else TalkBack().reply_timeout_s) + MARGIN_S

    def talks_to(self, device: str) -> bool:
        return device in self._protocols

    async def send(self, device: str, kind: CommandKind, by: str) -> StationCommand:
        ask = Ask(ask=uuid.uuid4().hex, device=device, kind=kind, by=by)
        done = self._waiting[ask.ask] = asyncio.get_running_loop().create_future()
        try:
            await self._channel.notify(self._asks, ask.model_dump_json())
            command_id = await asyncio.wait_for(done, self._wait_s(device))
        except TimeoutError:
            return await self._unserved(ask)
        finally:
            self._waiting.pop(ask.ask, None)
        found = await asyncio.to_thread(self._store.get, command_id)
        if found is None:
            raise LookupError(f"station command {command_id} is not in the log")
        return found

    async def recent(self, device: str, limit: int) -> list[StationCommand]:
        return await asyncio.to_thread(self._store.recent, device, limit)

    def _heard(self, payload: str) -> None:
        try:
            done = Done.model_validate_json(payload)
        except ValueError as exc:
            log.warning("station commands: a reply that does not read (%s): %.200s", exc, payload)
            return
        waiting = self._waiting.get(done.ask)
        if waiting is not None and not waiting.done():
            waiting.set_result(done.id)

    async def _unserved(self, ask: Ask) -> StationCommand:
        now = time.time()
        command = StationCommand(device=ask.device, kind=ask.kind, protocol=self._protocols[ask.device], by=ask.by,
                                 state=CommandState.NOT_CONNECTED, sent_at=now, done_at=now,
                                 detail="no ingest worker serves the station's port now (it moves to another "
                                        "worker within seconds of a worker's loss); the station is reached "
                                        "once it dials in again")
        return await asyncio.to_thread(self._store.add, command)
