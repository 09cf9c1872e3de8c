"""Alert latency under load: a threshold-crossing reading on MQTT → the alert on a console's WebSocket.

The bench town is the sample town plus 50 river stations (BG01…) whose levels stay far below their
warning lines. A separate publisher process sends their reports (level and battery voltage: two
readings each) at 5,000 messages/s, i.e. 10,000 readings/s through ingest, recorder and rules.
Meanwhile this script publishes a probe on RS01 every 0.3 s, alternating between the guarantee
level (red) and the warning level (orange): each probe changes the open alert's severity, which a
WebSocket client of /ws/alerts receives. The same probes are first measured with no load, as the
reference of this run.

Prints the background rate achieved, p50/p99 idle and under load, and last alert_latency_p99_ms.
Run: .venv/bin/python bench/alert_latency.py [--probes 200] [--rate 5000] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from multiprocessing.synchronize import Event
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson
import paho.mqtt.client as mqtt
import websockets
from paho.mqtt.enums import CallbackAPIVersion

from hub.app import Hub
from hub.town import Device, RiverLevels
from hub.townfile import LoadedTown
from tests.support import Mosquitto, Publisher, console_url, hub_settings, make_hub, sample_town, signed_in, wait_for

STATIONS = 50
PROBE_TOPIC = sample_town().town.device_map()["RS01"].topic or ""
RED_CM, ORANGE_CM = 5960, 5850  # RS01: guarantee level 59.5 m, warning level 58.0 m


def bench_town() -> LoadedTown:
    sample = sample_town()
    rs01 = sample.town.device_map()["RS01"]
    extra = [Device(id=f"BG{i:02d}", name=f"压测水位站{i:02d}", kind=rs01.kind, adapter="json", profile="hy-level",
                    address=f"BG{i:04d}", topic=f"bench/BG{i:02d}/up", location=rs01.location, grid=rs01.grid,
                    levels=RiverLevels(warning_level=90.0, guarantee_level=95.0)) for i in range(1, STATIONS + 1)]
    town = sample.town.model_copy(update={"devices": [*sample.town.devices, *extra]})
    return replace(sample, town=town, notifiers=[])


def background(port: int, rate: float, going: Event, stop: Event,
               sent: multiprocessing.sharedctypes.Synchronized[int]) -> None:
    """Publisher process: level + battery reports of the BG stations at *rate* messages/s (QoS 0), connected
    (*going*) until *stop*."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-bg-{uuid.uuid4().hex[:6]}")
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    topics = [f"bench/BG{i:02d}/up" for i in range(1, STATIONS + 1)]
    going.set()
    started, n = time.perf_counter(), 0
    while not stop.is_set():
        for _ in range(50):  # a burst per 10 ms keeps the pace without a sleep per message
            body = b'{"ts":%d,"wl":%d,"volt":12.6}' % (int(time.time() * 1000), 5000 + n % 300)
            client.publish(topics[n % STATIONS], body, qos=0)
            n += 1
        ahead = started + n / rate - time.perf_counter()
        if ahead > 0:
            time.sleep(ahead)
    sent.value = n
    client.loop_stop()
    client.disconnect()


async def probes(hub: Hub, port: int, numbers: range, interval: float) -> list[float]:
    """Seconds from publishing each probe to its alert message arriving on /ws/alerts.

    Probes alternate red and orange by their number, which runs on across phases: each changes the severity.
    """
    url = console_url(hub).replace("http", "ws", 1) + "ws/alerts"
    auth = await signed_in(hub)  # the duty officer's session, as the console's own page has
    publisher = await Publisher.open(port, f"probe-{uuid.uuid4().hex[:6]}")
    delays: list[float] = []
    async with websockets.connect(url, additional_headers=auth) as ws:
        await ws.recv()  # the snapshot
        for i in numbers:
            level_cm = (RED_CM if i % 2 == 0 else ORANGE_CM) + i % 30
            sent = time.perf_counter()
            publisher.publish(PROBE_TOPIC, orjson.dumps({"ts": int(time.time() * 1000), "wl": level_cm}))
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if message["type"] == "alert" and message["alert"]["value"] == level_cm / 100:
                    delays.append(time.perf_counter() - sent)
                    break
            await asyncio.sleep(interval)
    await publisher.aclose()
    return delays


def quantiles(delays: list[float]) -> tuple[float, float]:
    ordered = sorted(delays)
    return statistics.median(ordered) * 1000, ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000


async def main(count: int, rate: float, interval: float, settle: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        broker = Mosquitto(Path(tmp) / "mosquitto")
        broker.start()
        try:
            settings = hub_settings(Path(tmp) / "hub", broker.settings("5", "gridhub-bench"), health_check_s=5)
            async with make_hub(settings, bench_town()) as hub:
                await wait_for(lambda: hub.ctx.metrics.mqtt_up, what="hub connected")
                idle = await probes(hub, broker.port, range(count), interval)
                spawn = multiprocessing.get_context("spawn")
                sent, going, stop = spawn.Value("q", 0), spawn.Event(), spawn.Event()
                load = spawn.Process(target=background, args=(broker.port, rate, going, stop, sent))
                load.start()
                try:
                    await asyncio.to_thread(going.wait, 60)
                    await asyncio.sleep(settle)  # let the load settle
                    readings_before, started = hub.ctx.recorder.committed, time.perf_counter()
                    busy = await probes(hub, broker.port, range(count, 2 * count), interval)
                    achieved = (hub.ctx.recorder.committed - readings_before) / (time.perf_counter() - started)
                finally:
                    stop.set()
                    await asyncio.to_thread(load.join)
        finally:
            broker.stop()
    (idle50, idle99), (busy50, busy99) = quantiles(idle), quantiles(busy)
    print(f"probes: {count} each phase, one every {interval} s; background: {STATIONS} stations")
    print(f"background: {sent.value:,} messages sent, {achieved:,.0f} readings/s committed during the probes")
    print(f"idle: p50 {idle50:.1f} ms, p99 {idle99:.1f} ms")
    print(f"under load: p50 {busy50:.1f} ms, p99 {busy99:.1f} ms")
    print(f"alert_latency_p99_ms: {busy99:.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--rate", type=float, default=5000.0, help="background messages/s (two readings each)")
    parser.add_argument("--interval", type=float, default=0.3, help="seconds between probes")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds of load before the probes")
    parser.add_argument("--smoke", action="store_true", help="5 probes a phase at 500 messages/s: checks it runs")
    args = parser.parse_args()
    if args.smoke:
        args.probes, args.rate, args.interval, args.settle = 5, 500.0, 0.1, 0.5
    asyncio.run(main(args.probes, args.rate, args.interval, args.settle))
