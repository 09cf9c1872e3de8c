"""Simulated SL 651-2014 river and rain stations that dial in to the hub over TCP.

Every 5 simulated minutes each station sends a timed report (32H): river level Z
(river stations), accumulated rainfall PT and supply voltage VT; on the hour an
hourly report (34H) takes its place, adding the hour's 5-minute rain series DRP. Rain and level follow
the same model as the MQTT stations (adapters.sim.stations), so in the flood
scenario the levels rise and DRP fills up with the storm. A report stays queued
until the hub confirms its serial number; the connection is kept while the hub
ends its confirmations with ESC and closed on EOT, and is dialled again whenever
it drops (the hub restarting, say).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from adapters.sim.listening import listen, next_or_closed, stop_listening
from adapters.sim.sl651_talk import answers, frames
from adapters.sim.stations import BASE_BELOW_WARNING_M, RELAX_PER_H, RISE_M_PER_MM, rain_rate
from adapters.sl651.config import Sl651Config
from adapters.sl651.frame import EOT, ESC, NAK, Encoding, Frame, Header, encode
from adapters.sl651.report import HOURLY, TIMED
from adapters.sl651.scanner import FrameScanner
from hub.clock import Clock
from hub.settings import DemoSettings
from hub.tasks import TaskSet
from hub.town import Device, DeviceKind

log = logging.getLogger(__name__)
STEP_S = 300  # a timed report, and one DRP interval, every 5 simulated minutes
REPLY_TIMEOUT_S = 5.0
QUEUE_MAX = 288  # a day of timed reports kept while the hub cannot be reached; older ones are dropped
NO_DATA = 0xFF
# Element code, data-definition byte (bytes << 3 | decimals) and ASCII name, as SL 651-2014 appendix C has them.
Z, PT, VT, DRP = (0x39, 0x23, "Z"), (0x26, 0x19, "PT"), (0x38, 0x12, "VT"), (0xF4, 0x60, "DRP")


class NotConfirmed(Exception):
    """The hub's reply was not the confirmation of the report just sent."""


@dataclass
class HydroStation:
    """One station's river and rain gauge, advanced 5 simulated minutes at a time, and its unconfirmed reports."""

    device: Device
    encoding: Encoding
    header: Header
    tz: tzinfo
    rng: random.Random
    level: float
    base: float
    total_mm: float  # PT: the gauge's counter since it was installed
    fives: deque[float] = field(default_factory=lambda: deque(maxlen=12))  # the last hour's 5-minute amounts
    serial: int = 0
    queue: deque[tuple[int, bytes]] = field(default_factory=lambda: deque(maxlen=QUEUE_MAX))
    queued: asyncio.Event = field(default_factory=asyncio.Event)
    connections: int = 0  # how often it has dialled in
    dropped: int = 0  # unconfirmed reports it had no room to keep
    clock_offset: float = 0.0  # how far its clock runs ahead of the town's (negative: behind); the hub can set it

    async def next_report(self) -> tuple[int, bytes]:
        """The oldest unconfirmed report (serial, frame), once there is one."""
        while not self.queue:
            self.queued.clear()
            await self.queued.wait()
        return self.queue[0]

    @classmethod
    def create(cls, device: Device, config: Sl651Config, tz: tzinfo, seed: int) -> HydroStation:
        base = (device.levels.warning_level - BASE_BELOW_WARNING_M) if device.levels else 50.0
        encoding = Encoding.ASCII if (device.profile or "").lower() == "ascii" else Encoding.HEX
        header = Header(config.centre, (device.address or "").upper(), config.password_of(device.id) or "", TIMED)
        rng = random.Random(seed)
        return cls(device, encoding, header, tz, rng, base, base, round(rng.uniform(800, 1500), 1))

    @property
    def river(self) -> bool:
        return self.device.kind is DeviceKind.RIVER_STATION

    def advance(self, rate_mm_h: float) -> None:
        """Let 5 minutes of rain at *rate_mm_h* fall on the station."""
        hours, rain = STEP_S / 3600, round(rate_mm_h * STEP_S / 3600, 1)
        self.total_mm = round(self.total_mm + rain, 1)
        self.fives.append(rain)
        self.level += (RISE_M_PER_MM * rate_mm_h - RELAX_PER_H * (self.level - self.base)) * hours

    def values(self) -> list[tuple[tuple[int, int, str], float]]:
        """What its gauges read now."""
        values = [(VT, round(12.4 + self.rng.random() * 0.4, 2)), (PT, self.total_mm)]
        if self.river:
            values.insert(0, (Z, round(self.level + self.rng.gauss(0, 0.005), 3)))
        return values

    def local(self, at: float) -> datetime:
        """The town's time *at* as the station's clock shows it."""
        return datetime.fromtimestamp(at + self.clock_offset, UTC).astimezone(self.tz).replace(tzinfo=None)

    def body(self, serial: int, local: datetime, values: list[tuple[tuple[int, int, str], float]],
             drp: bytes | None = None) -> bytes:
        """A report's body (also the answer to a query of its current data)."""
        category = "H" if self.river else "P"
        return (_hex_body if self.encoding is Encoding.HEX else _ascii_body)(
            serial, local, self.header.station, category, values, drp)

    def report(self, at: float) -> None:
        """Queue the report observed at *at*: on the hour the hourly one, else the timed one."""
        local = self.local(at)
        values = self.values()
        if local.minute:
            self._queue(TIMED, local, values, None)
            return
        drp = [NO_DATA] * (12 - len(self.fives)) + [min(254, round(mm * 10)) for mm in self.fives]
        self._queue(HOURLY, local, values, bytes(drp))

    def _queue(self, function: int, local: datetime, values: list[tuple[tuple[int, int, str], float]],
               drp: bytes | None) -> None:
        self.serial = self.serial % 0xFFFF + 1
        body = self.body(self.serial, local, values, drp)
        header = Header(self.header.centre, self.header.station, self.header.password, function)
        if len(self.queue) == QUEUE_MAX:  # like a real station's memory: the oldest report goes, counted
            self.dropped += 1
            log.warning("demo: %s has kept %d unconfirmed reports; dropped the oldest (%d so far)",
                        self.device.id, QUEUE_MAX, self.dropped)
        self.queue.append((self.serial, encode(self.encoding, header, body)))
        self.queued.set()


def _bcd(value: float, size: int, decimals: int) -> bytes:
    return bytes.fromhex(f"{round(value * 10 ** decimals):0{2 * size}d}")


def _hex_body(serial: int, local: datetime, station: str, category: str,
              values: list[tuple[tuple[int, int, str], float]], drp: bytes | None) -> bytes:
    """Serial, send time, F1F1 station and category, F0F0 observation time, then code, definition and BCD of each."""
    body = serial.to_bytes(2, "big") + bytes.fromhex(local.strftime("%y%m%d%H%M%S"))
    body += b"\xf1\xf1" + bytes.fromhex(station) + category.encode() + b"\xf0\xf0" + bytes.fromhex(
        local.strftime("%y%m%d%H%M"))
    for (code, definition, _), value in values:
        body += bytes([code, definition]) + _bcd(value, definition >> 3, definition & 7)
    if drp is not None:
        body += bytes([DRP[0], DRP[1]]) + drp
    return body


def _ascii_body(serial: int, local: datetime, station: str, category: str,
                values: list[tuple[tuple[int, int, str], float]], drp: bytes | None) -> bytes:
    """The same fields as text separated by spaces; numbers in decimal, DRP as 24 hex digits."""
    parts = [f"{serial:04X}", local.strftime("%y%m%d%H%M%S"), "ST", station, category,
             "TT", local.strftime("%y%m%d%H%M")]
    parts += [f"{name} {value:.{definition & 7}f}" for (_, definition, name), value in values]
    if drp is not None:
        parts.append(f"{DRP[2]} {drp.hex().upper()}")
    return " ".join(parts).encode("ascii")


class Sl651Simulators:
    """The town's sl651 devices as TCP clients of the hub's SL 651 server."""

    def __init__(self, devices: list[Device], config: Sl651Config, demo: DemoSettings, clock: Clock,
                 tz: tzinfo) -> None:
        self._config, self._demo, self._clock = config, demo, clock
        self._stations = [HydroStation.create(d, config, tz, seed=200 + i)
                          for i, d in enumerate(devices) if d.adapter == "sl651" and d.address]
        self._tasks = TaskSet()

    def __len__(self) -> int:
        return len(self._stations)

    @property
    def stations(self) -> tuple[HydroStation, ...]:
        return tuple(self._stations)

    def start(self) -> None:
        begin = self._clock()
        for station in self._stations:
            self._tasks.spawn(self._observe(station, begin), name=f"sim-sl651-obs-{station.device.id}")
            self._tasks.spawn(self._dial(station), name=f"sim-sl651-{station.device.id}")

    async def stop(self) -> None:
        await self._tasks.cancel()

    async def _observe(self, station: HydroStation, begin: float) -> None:
        """Advance the station on the town's clock (fast while the demo replays its lead), one report per step."""
        at = (begin // STEP_S + 1) * STEP_S
        while True:
            await self._until(at)
            station.advance(rain_rate(self._demo.scenario, (at - begin) / 3600, station.rng))
            station.report(at)
            at += STEP_S

    async def _until(self, at: float) -> None:
        """Sleep until the town's clock reads *at*: its pace is the demo's speed, then real time once caught up."""
        left = at - self._clock()
        while left > 0:
            await asyncio.sleep(min(5.0, max(0.05, left / self._demo.speed)))
            left = at - self._clock()

    async def _dial(self, station: HydroStation) -> None:
        host = "127.0.0.1" if self._config.listen.host in ("0.0.0.0", "::", "") else self._config.listen.host
        port = self._config.listen.port
        while True:
            await station.next_report()  # dial only with something to say, as a battery-powered station does
            try:
                reader, writer = await asyncio.open_connection(host, port)
            except OSError as exc:
                log.debug("demo: %s cannot reach %s:%d (%s)", station.device.id, host, port, exc)
                await asyncio.sleep(1.0)
                continue
            station.connections += 1
            try:
                await self._send_queued(station, reader, writer)
            except (OSError, TimeoutError, NotConfirmed) as exc:
                log.info("demo: %s lost its connection (%r); dialling again", station.device.id, exc)
                await asyncio.sleep(1.0)
            finally:
                writer.close()

    async def _send_queued(self, station: HydroStation, reader: asyncio.StreamReader,
                           writer: asyncio.StreamWriter) -> None:
        """Send each queued report until the hub confirms it; return when the hub ends the session with EOT.

        Meanwhile a listener answers the hub's commands (adapters.sim.sl651_talk) and hands on the rest.
        """
        confirmations: asyncio.Queue[Frame] = asyncio.Queue()
        listener = asyncio.create_task(listen(reader, writer, frames(FrameScanner()), answers(station, self._clock),
                                              confirmations), name=f"sim-sl651-listen-{station.device.id}")
        try:
            while True:
                serial, frame = await station.next_report()
                if listener.done():
                    return  # the hub closed the connection while the station had nothing to say: dial again
                writer.write(frame)
                await writer.drain()
                reply = await asyncio.wait_for(next_or_closed(confirmations, listener), REPLY_TIMEOUT_S)
                if reply.end == NAK:
                    continue  # the hub saw a bad CRC: send it again
                _check(reply, station, serial)
                station.queue.popleft()
                if reply.end == EOT:
                    return
        finally:
            await stop_listening(listener)


def _check(reply: Frame, station: HydroStation, serial: int) -> None:
    """A confirmation is the hub's frame to this station, CRC right, ending ESC or EOT, echoing our serial."""
    h = reply.header
    if not (reply.crc_ok and h.downlink and h.station == station.header.station and reply.end in (ESC, EOT)):
        raise NotConfirmed(f"unexpected reply {reply.raw[:40].hex()}")
    echoed = int.from_bytes(reply.body[:2], "big") if reply.encoding is Encoding.HEX else int(reply.body[:4], 16)
    if echoed != serial:
        raise NotConfirmed(f"confirmation of serial {echoed}, sent {serial}")
