"""The centre talks back to its telemetry stations: commands over the connections they dialled in on, and replies.

A station can be reached only while it holds a connection (stations dial in; the hub cannot call them), so the
connections that carried a station's last valid frame are its link. A command is written there and waits for
its reply, matched by the number it carried (SL 651 serial number, HJ 212 QN), or, as some firmware numbers
its replies itself, by its kind: the oldest command of that kind still waiting. The reply's data is decoded
and stored like any report by the protocol's session; here it only closes the command.

Clocks: each frame's station time (SL 651 send time, HJ 212 QN) is compared with the hub's; a station off
by more than `clock_drift_s` has its clock read (SL 651 51H, HJ 212 CN=1011) and set when the reading
confirms it (or does not come: not every station answers it), at most once per `clock_every_s`, so a station
whose clock cannot keep time is not hammered, and one that sends a kept report late keeps its right clock.
Not while the demo replays its lead: then the town's clock is not the wall clock, and a station's time is
judged against a moving replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector
from pydantic import Field

from hub.clock import Clock
from hub.config_base import Strict
from hub.station_commands import CommandKind, CommandState, CommandStore, StationCommand
from hub.tasks import TaskSet

log = logging.getLogger(__name__)
AUTO = "auto"  # who asked, for the clock settings the hub decides itself
CLOSED_KEPT = 16  # closed commands per station whose late replies are recognised and ignored
REAL_TIME_SLACK_S = 1.0  # the town's clock this close to the wall clock keeps real time (not a demo's replay)


class TalkBack(Strict):
    """A protocol section's `commands`: when the hub sets station clocks, how long it waits for replies."""

    set_clocks: bool = Field(default=True, description="false: never set station clocks (their own keep time)")
    clock_drift_s: float = Field(default=60.0, gt=0, le=86400,
                                 description="set a station's clock when its frames' time is off by more than this")
    clock_every_s: float = Field(default=3600.0, ge=10, le=7 * 86400,
                                 description="at most one automatic clock setting per station in this time")
    reply_timeout_s: float = Field(default=15.0, gt=0, le=300,
                                   description="a command without its reply this long is timed out")


class Link(Protocol):
    """One station connection's way to send commands (a protocol's session)."""

    protocol: str
    talk: TalkBack

    def command(self, device: str, kind: CommandKind, now: float) -> tuple[str, bytes, str]:
        """The key that will match the reply, the frame, and the frame as the log shows it."""
        ...

    def write(self, data: bytes) -> bool:
        """Send *data*; False when the connection is closing."""
        ...


class LinkEnd:
    """A protocol session's side of its link: the connection's writer, and its place among the live links."""

    def __init__(self, protocol: str, talk: TalkBack, links: StationLinks | None) -> None:
        self.protocol = protocol
        self.talk = talk
        self.links = links  # None: no commands (a decoder without connections: MQTT, tests, benchmarks)
        self._write: Callable[[bytes], bool] | None = None

    def attach(self, write: Callable[[bytes], bool]) -> None:
        self._write = write

    def detach(self) -> None:
        self._write = None
        if self.links is not None:
            self.links.gone(self)

    def write(self, data: bytes) -> bool:
        return self._write is not None and self._write(data)

    def command(self, device: str, kind: CommandKind, now: float) -> tuple[str, bytes, str]:
        """The key that will match the reply, the frame, and the frame as the log shows it (the protocol's)."""
        raise NotImplementedError

    @property
    def live(self) -> StationLinks | None:
        """The links, while this session has a connection to send commands on."""
        return self.links if self._write is not None else None

    def heard(self, device: str) -> None:
        """A valid frame of *device* came on this connection: commands to it go here from now on."""
        if self.live is not None:
            self.live.connected(device, self)


@dataclass(frozen=True, slots=True)
class Reply:
    """What a station's reply frame said about a command."""

    kind: CommandKind | None  # None: a reply that names its command only by key (HJ 212's refusals)
    key: str | None  # the serial number or QN it carried, when it carried one
    state: CommandState  # ANSWERED or REFUSED
    detail: str
    raw: str
    readings: int = 0
    after_taken: bool = False  # naming none, it closes one only once the station took it (HJ 212 data comes unasked)
    clock: float | None = None  # the station's clock it told (UTC epoch seconds), for a clock reading


@dataclass(eq=False, slots=True)
class _Waiting:
    kind: CommandKind
    key: str
    taken: bool = False  # the station said it took the command (HJ 212 9011 QnRtn=1)
    reply: asyncio.Future[Reply] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class StationLinks:
    """Sends commands to the stations connected now and logs them; one per hub, shared by the station edges."""

    def __init__(self, store: CommandStore, clock: Clock, protocols: dict[str, str]) -> None:
        self._store = store
        self._clock = clock
        self._protocols = protocols  # device → protocol, for every station this hub may talk to
        self._live: dict[str, Link] = {}
        self._waiting: dict[str, list[_Waiting]] = {}
        self._last_auto: dict[str, float] = {}
        self._closed: dict[str, deque[str]] = {}  # each station's last closed commands' keys: late replies to them
        self._tasks = TaskSet()
        self.users = 0  # the station edges running on it: the last to stop closes the store
        self.counts: Counter[tuple[str, str, str]] = Counter()  # (protocol, kind, state) of closed commands
        self.collector: Collector = _CommandCollector(self)

    def talks_to(self, device: str) -> bool:
        return device in self._protocols

    def connected(self, device: str, link: Link) -> None:
        """*link* carried a valid frame of *device*: commands go there from now on."""
        self._live[device] = link

    def gone(self, link: Link) -> None:
        """The connection behind *link* ended: its stations' waiting commands fail now rather than time out."""
        for device in [d for d, live in self._live.items() if live is link]:
            del self._live[device]
            for waiting in self._waiting.get(device, ()):
                if not waiting.reply.done():
                    waiting.reply.set_result(Reply(waiting.kind, waiting.key, CommandState.NOT_CONNECTED,
                                                   "the station hung up before it answered", ""))

    async def send(self, device: str, kind: CommandKind, by: str) -> StationCommand:
        link = self._live.get(device)
        now = time.time()
        if link is None:
            refused = StationCommand(device=device, kind=kind, protocol=self._protocols.get(device, ""), by=by,
                                     state=CommandState.NOT_CONNECTED, sent_at=now, done_at=now,
                                     detail="the station holds no connection to the hub now; it can be reached "
                                            "while it is dialled in")
            self.counts[refused.protocol, kind.value, refused.state.value] += 1
            return await asyncio.to_thread(self._store.add, refused)
        key, data, shown = link.command(device, kind, self._clock())
        waiting = _Waiting(kind, key)
        self._waiting.setdefault(device, []).append(waiting)
        try:
            sent = StationCommand(device=device, kind=kind, protocol=link.protocol, by=by, state=CommandState.SENT,
                                  sent_at=now, key=key, request=shown)
            if not link.write(data):
                return await asyncio.to_thread(self._store.add, sent.model_copy(update={
                    "state": CommandState.NOT_CONNECTED, "done_at": now, "detail": "the connection was closing"}))
            sent = await asyncio.to_thread(self._store.add, sent)
            done = await self._outcome(sent, waiting, link.talk.reply_timeout_s)
        finally:
            self._waiting[device].remove(waiting)
            self._closed.setdefault(device, deque(maxlen=CLOSED_KEPT)).append(key)
        await asyncio.to_thread(self._store.update, done)
        self.counts[done.protocol, kind.value, done.state.value] += 1
        log.info("station command %d: %s %s by %s: %s %s", done.id, kind.value, device, by, done.state.value,
                 done.detail)
        return done

    async def _outcome(self, sent: StationCommand, waiting: _Waiting, wait_s: float) -> StationCommand:
        try:
            reply = await asyncio.wait_for(asyncio.shield(waiting.reply), wait_s)
        except TimeoutError:
            return sent.model_copy(update={"state": CommandState.TIMED_OUT, "done_at": time.time(),
                                           "detail": f"no reply in {wait_s:g} s"})
        return sent.model_copy(update={"state": reply.state, "done_at": time.time(), "reply": reply.raw,
                                       "detail": reply.detail, "readings": reply.readings,
                                       "station_clock": reply.clock})

    def answer(self, device: str, reply: Reply) -> bool:
        """Close the command *reply* answers: the one it names, else the oldest of its kind; False if none waits."""
        waiting = [w for w in self._waiting.get(device, ()) if not w.reply.done()]
        named = next((w for w in waiting if w.key == reply.key), None)
        if named is None and reply.key and reply.key in self._closed.get(device, ()):
            return False  # a late word on a command already closed (HJ 212's 9012 after the data it announced)
        if named is not None:
            match = named if reply.kind in (None, named.kind) else None  # its number is another command's
        else:
            match = next((w for w in waiting if w.kind is reply.kind and (w.taken or not reply.after_taken)), None)
        if match is None:
            return False
        match.reply.set_result(reply)
        return True

    def taken(self, device: str, key: str) -> None:
        """The station took the command numbered *key*: replies that do not name it may close it from now on."""
        for waiting in self._waiting.get(device, ()):
            waiting.taken = waiting.taken or waiting.key == key

    def clock_seen(self, device: str, station_ts: float, received: float, talk: TalkBack, asked: bool = False) -> None:
        """A frame of *device* told its clock's time (or *asked* for the time); set the clock when it is off."""
        now = self._clock()
        if not talk.set_clocks or abs(now - time.time()) > REAL_TIME_SLACK_S \
                or (abs(station_ts - received) <= talk.clock_drift_s and not asked):
            return
        last = self._last_auto.get(device)
        if last is not None and now - last < talk.clock_every_s:
            return
        self._last_auto[device] = now
        if asked:
            log.info("station %s asked for the time; setting its clock", device)
        else:
            log.warning("station %s: its clock is %+.0f s off the hub's; setting it", device, station_ts - received)
        self._tasks.spawn(self._set_clock(device, talk, read_first=not asked), name=f"set-clock-{device}")

    async def _set_clock(self, device: str, talk: TalkBack, read_first: bool) -> None:
        """Read the station's clock, and set it when it is off (or could not be read): a report sent late
        carries an old time from a clock that may be right."""
        try:
            if read_first and not await self._clock_off(device, talk):
                return
            await self.send(device, CommandKind.SET_CLOCK, AUTO)
        except Exception:  # the log write failed: the next drift past the interval tries again
            log.exception("station %s: setting its clock failed", device)

    async def _clock_off(self, device: str, talk: TalkBack) -> bool:
        """Whether *device*'s clock, read now, is off by more than the drift (True when it does not tell)."""
        read = await self.send(device, CommandKind.READ_CLOCK, AUTO)
        if read.state is not CommandState.ANSWERED or read.station_clock is None or read.done_at is None:
            return True
        off = read.station_clock - read.done_at
        if abs(off) <= talk.clock_drift_s:
            log.info("station %s: its clock is right (%+.0f s); the report that looked off was sent late", device, off)
            return False
        return True

    async def recent(self, device: str, limit: int) -> list[StationCommand]:
        return await asyncio.to_thread(self._store.recent, device, limit)

    async def close(self) -> None:
        await self._tasks.cancel()
        with contextlib.suppress(Exception):
            self._store.close()


class _CommandCollector(Collector):
    def __init__(self, links: StationLinks) -> None:
        self._links = links

    def collect(self) -> Iterable[CounterMetricFamily]:
        family = CounterMetricFamily("gridhub_station_commands", "Commands sent to stations, by how they ended",
                                     labels=["protocol", "kind", "state"])
        for labels, n in sorted(self._links.counts.items()):
            family.add_metric(list(labels), n)
        yield family
