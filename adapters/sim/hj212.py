"""Simulated HJ 212 water-quality stations that dial in to the hub over TCP.

Each sends real-time data (CN 2011) every 30 simulated seconds and minute data
(CN 2051) every simulated minute, with Flag=5 (HJ 212-2017, ack wanted), and
waits for the hub's 9014 reply. In the flood scenario run-off raises COD,
ammonia and turbidity with the rain.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from adapters.hj212.config import Hj212Config
from adapters.hj212.factors import CODE_OF
from adapters.hj212.frame import FrameScanner, encode
from adapters.hj212.packet import Packet
from adapters.sim.hj212_talk import command_answers, packets
from adapters.sim.listening import listen, next_or_closed, stop_listening
from adapters.sim.stations import CHINA, rain_rate
from hub.clock import Clock
from hub.settings import DemoSettings
from hub.tasks import TaskSet
from hub.town import Device

log = logging.getLogger(__name__)
REALTIME_S = 30.0
ACK_TIMEOUT_S = 5.0


@dataclass
class QualityStation:
    """One station's water, advanced in simulated hours; keeps the minute's real-time values."""

    device: Device
    password: str
    rng: random.Random
    minute: list[dict[str, float]] = field(default_factory=list)
    qn: int = 0
    clock_offset: float = 0.0  # how far its clock runs ahead of the town's (negative: behind); the hub can set it

    def local(self, at: float) -> datetime:
        """The town's time *at* as the station's clock shows it."""
        return datetime.fromtimestamp(at + self.clock_offset, UTC)

    def sample(self, rain_mm_h: float) -> dict[str, float]:
        g, runoff = self.rng.gauss, min(rain_mm_h, 60.0) / 60.0
        values = {"ph": 7.2 + g(0, 0.1), "cod": 16 + 20 * runoff + g(0, 2),
                  "ammonia_nitrogen": 0.45 + runoff + g(0, 0.05), "dissolved_oxygen": 7.1 - runoff + g(0, 0.3),
                  "water_temperature": 17.5 + g(0, 0.2), "turbidity": 8 + 120 * runoff + g(0, 1)}
        values = {k: max(0.01, v) for k, v in values.items()}
        self.minute.append(values)
        return values

    def realtime(self, now: datetime, values: dict[str, float], asked: str | None = None) -> bytes:
        """Real-time data; *asked*: the QN of the centre's request it answers (sent without asking for a reply)."""
        cp = ";".join(f"{CODE_OF[k]}-Rtd={v:.3f},{CODE_OF[k]}-Flag=N" for k, v in values.items())
        return self._frame(now, "2011", cp, asked)

    def minute_data(self, now: datetime) -> bytes:
        samples, self.minute = self.minute, []
        parts = []
        for key in samples[0]:
            series = [s[key] for s in samples]
            code = CODE_OF[key]
            parts.append(f"{code}-Min={min(series):.3f},{code}-Avg={sum(series) / len(series):.3f},"
                         f"{code}-Max={max(series):.3f},{code}-Flag=N")
        return self._frame(now.replace(second=0), "2051", ";".join(parts))

    def _frame(self, now: datetime, cn: str, cp: str, asked: str | None = None) -> bytes:
        self.qn = (self.qn + 1) % 1000
        local = now.astimezone(CHINA)
        qn = asked or local.strftime("%Y%m%d%H%M%S") + f"{self.qn:03d}"
        data_time = local.strftime("%Y%m%d%H%M%S")
        flag = 4 if asked else 5  # an answer to a request wants no 9014
        return encode(f"QN={qn};ST=21;CN={cn};PW={self.password};MN={self.device.address};Flag={flag};"
                      f"CP=&&DataTime={data_time};{cp}&&")


class Hj212Simulators:
    """The town's hj212 devices as TCP clients of the hub's HJ 212 server."""

    def __init__(self, devices: list[Device], config: Hj212Config, demo: DemoSettings, clock: Clock) -> None:
        self._config = config
        self._demo = demo
        self._clock = clock
        self._stations = [QualityStation(d, config.password_of(d.id) or "", random.Random(100 + i))
                          for i, d in enumerate(devices) if d.adapter == "hj212" and d.address]
        self._tasks = TaskSet()

    def __len__(self) -> int:
        return len(self._stations)

    @property
    def stations(self) -> tuple[QualityStation, ...]:
        return tuple(self._stations)

    def start(self) -> None:
        if self._config.listen is None:
            return
        for station in self._stations:
            self._tasks.spawn(self._dial(station), name=f"sim-hj212-{station.device.id}")

    async def stop(self) -> None:
        await self._tasks.cancel()

    async def _dial(self, station: QualityStation) -> None:
        listen = self._config.listen
        assert listen is not None
        host = "127.0.0.1" if listen.host in ("0.0.0.0", "::", "") else listen.host
        while True:
            try:
                reader, writer = await asyncio.open_connection(host, listen.port)
            except OSError as exc:
                log.debug("demo: %s cannot reach %s:%d (%s)", station.device.id, host, listen.port, exc)
                await asyncio.sleep(1.0)
                continue
            try:
                await self._report(station, reader, writer)
            except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
                log.info("demo: %s lost its connection (%r); dialling again", station.device.id, exc)
            finally:
                writer.close()
            await asyncio.sleep(1.0)

    async def _report(self, station: QualityStation, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        """Upload data and wait for each 9014; meanwhile a listener answers the hub's commands."""
        acks: asyncio.Queue[Packet] = asyncio.Queue()
        def answer(packet: Packet) -> list[bytes]:
            return command_answers(station, packet, self._clock())

        listener = asyncio.create_task(listen(reader, writer, packets(FrameScanner()), answer, acks),
                                       name=f"sim-hj212-listen-{station.device.id}")
        try:
            await self._upload(station, writer, acks, listener)
        finally:
            await stop_listening(listener)

    async def _upload(self, station: QualityStation, writer: asyncio.StreamWriter, acks: asyncio.Queue[Packet],
                      listener: asyncio.Task[None]) -> None:
        begin = self._clock()
        while True:
            at = self._clock()
            hours = (at - begin) / 3600
            now = station.local(at)
            frames = [station.realtime(now, station.sample(rain_rate(self._demo.scenario, hours, station.rng)))]
            if len(station.minute) >= 60 / REALTIME_S:
                frames.append(station.minute_data(now))
            for frame in frames:
                writer.write(frame)
                await writer.drain()
                await asyncio.wait_for(next_or_closed(acks, listener), ACK_TIMEOUT_S)  # the hub's 9014
            await asyncio.sleep(REALTIME_S / self._demo.speed)
