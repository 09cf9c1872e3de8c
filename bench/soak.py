"""Soak: minutes of 5,000 messages/s into a hub running the sample town's rules (cameras off), its RSS over time.

The bench town is the sample town plus 50 river stations (SK01…), each reporting level and battery voltage (two
readings a message) from a separate publisher process, QoS 1, 100 messages/s each. Most levels stay far below
their warning lines; SK01…SK05 rise above theirs (and above the guarantee level) and fall back once every
20 minutes, so alerts are raised, change severity, escalate and resolve during a long run. The hub runs whole in
this process, on a Mosquitto of its own; its resident memory (VmRSS) is read every few seconds.

RSS growth: the median of the last tenth of the run over the median of the tenth after warm-up (the first fifth),
minus one, in per cent. Readings lost: two per message the broker acknowledged, less the distinct readings of
the SK stations in the hub's store once it has stopped.

Prints the rates, RSS at each stage, readings lost, and last soak_rss_growth_pct.
With --trace K, Python's allocations are traced (slower) and the K places whose memory grew most between the end
of warm-up and the end of the run are printed first: where to look when RSS grows.

Run: .venv/bin/python bench/soak.py [--minutes 30] [--rate 5000] [--trace K] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from dataclasses import dataclass, replace
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from hub.models import Reading
from hub.town import Device, RiverLevels
from hub.townfile import LoadedTown
from tests.support import Mosquitto, hub_settings, make_hub, sample_town, wait_for

STATIONS = 50
CROSSING = 5  # SK01…SK05 cross their lines; the rest stay below
PERIOD_S = 1200.0  # one rise and fall of a crossing station
RAW = ("water_level", "battery_voltage")
IN_FLIGHT = 1000  # messages published and not yet acknowledged by the broker, at most
WARM_UP, WINDOW = 0.2, 0.1  # shares of the run: not counted; compared at each end


def bench_town() -> LoadedTown:
    sample = sample_town()
    rs01 = sample.town.device_map()["RS01"]

    def levels(i: int) -> RiverLevels:
        low = i <= CROSSING
        return RiverLevels(warning_level=52.0 if low else 90.0, guarantee_level=53.0 if low else 95.0)

    extra = [Device(id=f"SK{i:02d}", name=f"浸泡测试水位站{i:02d}", kind=rs01.kind, adapter="json", profile="hy-level",
                    address=f"SK{i:04d}", topic=f"soak/SK{i:02d}/up", location=rs01.location, grid=rs01.grid,
                    basin=rs01.basin, levels=levels(i)) for i in range(1, STATIONS + 1)]
    return replace(sample, town=sample.town.model_copy(update={"devices": [*sample.town.devices, *extra]}))


def level_cm(station: int, elapsed: float, n: int) -> int:
    """SK01…SK05: a slow wave from 48.5 m to 53.5 m, out of step; the others 50.00–52.99 m."""
    if station <= CROSSING:
        return round(5100 + 250 * math.sin(2 * math.pi * (elapsed / PERIOD_S + station / CROSSING)))
    return 5000 + n % 300


def publish(port: int, rate: float, seconds: float, going: Event, sent: Synchronized[int],
            took: Synchronized[float], acked: Synchronized[int]) -> None:
    """Publisher process: the SK stations' reports at *rate* messages/s, QoS 1, for *seconds* after *going*."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"soak-{uuid.uuid4().hex[:6]}")
    client.max_inflight_messages_set(IN_FLIGHT)
    client.max_queued_messages_set(0)
    done = [0]
    client.on_publish = lambda *_: done.__setitem__(0, done[0] + 1)
    client.connect("127.0.0.1", port)
    client.loop_start()
    last_ms = [0] * (STATIONS + 1)
    going.set()
    started, n = time.perf_counter(), 0
    while (elapsed := time.perf_counter() - started) < seconds:
        if n - done[0] >= IN_FLIGHT - 50:  # paho's own queue beyond its window is slow: wait for the broker
            time.sleep(0.001)
            continue
        for _ in range(50):  # a burst per 10 ms keeps the pace without a sleep per message
            station = n % STATIONS + 1
            last_ms[station] = max(int(time.time() * 1000), last_ms[station] + 1)  # distinct per station
            body = b'{"ts":%d,"wl":%d,"volt":12.6}' % (last_ms[station], level_cm(station, elapsed, n))
            client.publish(f"soak/SK{station:02d}/up", body, qos=1)
            n += 1
        ahead = started + n / rate - time.perf_counter()
        if ahead > 0:
            time.sleep(ahead)
    sent.value, took.value = n, elapsed
    deadline = time.monotonic() + 60
    while done[0] < n and time.monotonic() < deadline:
        time.sleep(0.05)
    acked.value = done[0]
    client.loop_stop()
    client.disconnect()


def rss_mib() -> float:
    status = Path("/proc/self/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")) / 1024


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float
    sent: int
    acked: int
    committed: int  # the SK stations' readings, counted at each commit (a redelivery counts twice)
    behind_s: float  # from the publisher's end until the hub had committed all it sent
    samples: list[tuple[float, float]]  # (seconds into the run, RSS MiB)
    open_alerts: int
    dead_letters: int


class Growth:
    """tracemalloc's snapshots at the end of warm-up and at the end; the places that grew most between them."""

    def __init__(self, top: int) -> None:
        self.top = top
        self.first: tracemalloc.Snapshot | None = None
        if top:
            tracemalloc.start(4)

    def sample(self, elapsed: float, seconds: float) -> None:
        if self.top and self.first is None and elapsed >= WARM_UP * seconds:
            self.first = tracemalloc.take_snapshot()

    def print(self) -> None:
        if self.first is None:
            return
        grown = tracemalloc.take_snapshot().compare_to(self.first, "traceback")
        print(f"traced Python memory, the {self.top} places that grew most after warm-up:")
        for stat in grown[: self.top]:
            print(f"  {stat.size_diff / 1024:+9.0f} KiB {stat.count_diff:+8d} blocks")
            for line in stat.traceback.format(limit=4, most_recent_first=True):
                print(f"      {line}")


async def soak(broker: Mosquitto, data: Path, seconds: float, rate: float, every: float, growth: Growth) -> Run:
    settings = hub_settings(data, broker.settings("5", "gridhub-soak"), health_check_s=5)
    committed = [0]

    def count(readings: list[Reading], _at: float) -> None:  # the recorder's thread; only it adds
        committed[0] += sum(1 for r in readings if r.device.startswith("SK") and r.quantity in RAW)

    async with make_hub(settings, bench_town()) as hub:
        await wait_for(lambda: hub.ctx.metrics.mqtt_up, what="hub connected")
        hub.ctx.recorder.on_commit(count)
        spawn = multiprocessing.get_context("spawn")
        going, sent, took, acked = spawn.Event(), spawn.Value("q", 0), spawn.Value("d", 0.0), spawn.Value("q", 0)
        publisher = spawn.Process(target=publish, args=(broker.port, rate, seconds, going, sent, took, acked))
        publisher.start()
        await asyncio.to_thread(going.wait, 60)
        samples, started = [], time.monotonic()
        while publisher.is_alive():
            samples.append((time.monotonic() - started, rss_mib()))
            growth.sample(samples[-1][0], seconds)
            await asyncio.sleep(every)
        ended = time.monotonic()
        growth.print()
        await wait_for(lambda: committed[0] >= 2 * acked.value, timeout=600, what="every reading committed")
        # A redelivery (after a reconnect) is committed twice: count distinct readings before the hub stops.
        await until_stored(data, 2 * acked.value, timeout_s=600)
        return Run(took.value, sent.value, acked.value, committed[0], time.monotonic() - ended, samples,
                   len(hub.ctx.alerts.book.open_alerts()), hub.ctx.dead_letters.total())


def stored(data: Path) -> int:
    """Distinct readings of the SK stations' level and battery in the hub's store."""
    with sqlite3.connect(data / "gridhub.sqlite3") as db:
        (n,) = db.execute("SELECT count(*) FROM readings JOIN series ON readings.series = series.id "
                          "WHERE series.device LIKE 'SK%' AND series.quantity IN (?, ?)", RAW).fetchone()
    return int(n)


async def until_stored(data: Path, readings: int, timeout_s: float) -> None:
    """Wait until the store holds *readings* distinct SK readings (or *timeout_s* passed: they are lost)."""
    for _ in range(math.ceil(timeout_s / 5)):  # counted in a thread: the hub is still committing
        if await asyncio.to_thread(stored, data) >= readings:
            return
        await asyncio.sleep(5)


def growth_pct(samples: list[tuple[float, float]], seconds: float) -> tuple[float, float, float]:
    """RSS after warm-up and at the end (medians of their windows), and the growth between them in per cent."""
    after = [rss for t, rss in samples if WARM_UP * seconds <= t < (WARM_UP + WINDOW) * seconds]
    end = [rss for t, rss in samples if t >= (1 - WINDOW) * seconds]
    base, last = statistics.median(after), statistics.median(end)
    return base, last, (last / base - 1) * 100


def report(run: Run, lost: int, rate: float) -> None:
    base, last, growth = growth_pct(run.samples, run.seconds)
    late = [(t, rss) for t, rss in run.samples if t >= WARM_UP * run.seconds]
    slope = statistics.linear_regression([t for t, _ in late], [rss for _, rss in late]).slope * 3600
    peak = max(rss for _, rss in run.samples)
    print(f"load: {run.sent:,} messages in {run.seconds / 60:.1f} min ({run.sent / run.seconds:,.0f}/s of "
          f"{rate:,.0f} asked), {STATIONS} stations, QoS 1; {run.acked:,} acknowledged by the broker; "
          f"the hub had committed all {run.behind_s:.1f} s after the last")
    print(f"readings: {2 * run.acked:,} sent, {run.committed:,} committed, {lost} lost; "
          f"dead letters {run.dead_letters}; open alerts at the end {run.open_alerts}")
    print(f"hub RSS: {run.samples[0][1]:.0f} MiB at the start, {base:.0f} MiB after warm-up, {last:.0f} MiB at "
          f"the end, peak {peak:.0f} MiB; after warm-up {slope:+.1f} MiB/hour ({len(run.samples)} samples)")
    tenths = [[rss for t, rss in run.samples if k / 10 <= t / run.seconds < (k + 1) / 10] for k in range(10)]
    print("hub RSS by tenth of the run (median MiB): " + ", ".join(f"{statistics.median(x):.0f}" for x in tenths if x))
    print(f"soak_rss_growth_pct: {growth:.1f}")


async def main(minutes: float, rate: float, every: float, trace: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        broker = Mosquitto(Path(tmp) / "mosquitto")
        broker.start()
        try:
            run = await soak(broker, Path(tmp) / "hub", minutes * 60, rate, every, Growth(trace))
        finally:
            broker.stop()
        lost = 2 * run.acked - stored(Path(tmp) / "hub")
    report(run, lost, rate)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=5000.0, help="messages/s (two readings each)")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between RSS readings")
    parser.add_argument("--trace", type=int, default=0, metavar="K", help="print the K places that grew most")
    parser.add_argument("--smoke", action="store_true", help="10 s at 500 messages/s: checks the bench runs")
    args = parser.parse_args()
    if args.smoke:
        args.minutes, args.rate, args.every = 10 / 60, 500.0, 0.25
    asyncio.run(main(args.minutes, args.rate, args.every, args.trace))
