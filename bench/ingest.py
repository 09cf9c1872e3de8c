"""Ingest benchmark: gridhub against Mosquitto's own mosquitto_sub, on one broker, in one run.

(a) Throughput. N vendor-A messages (QoS 1) go through `mosquitto_pub -l` twice:
    once drained by `mosquitto_sub -C N` (the reference), once ingested by the
    hub end to end (received, parsed, normalised, committed to SQLite).
(b) Latency. The same publisher fed at a steady pace by this script, each
    payload stamped with its send time; the hub's commit time minus that stamp.

Prints messages/s for both, latency p50/p99, peak RSS and, last, ingest_ratio.
Run: .venv/bin/python bench/ingest.py [--messages 100000] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.app import Hub
from hub.derived import RAIN_WINDOWS, RISE
from hub.models import Reading
from hub.store import SeriesQuery
from tests.support import Mosquitto, hub_settings, make_hub, sample_town, wait_for

TOWN = sample_town().town
TOPIC = TOWN.device_map()["RS01"].topic or ""
READINGS_PER_MESSAGE = 3  # water level, rain, battery voltage


def payloads(n: int, base_ms: int) -> bytes:
    """N distinct readings (one millisecond apart) as mosquitto_pub -l input."""
    return b"".join(b'{"sn":"HY","ts":%d,"wl":%d,"rain":0.5,"volt":12.6}\n' % (base_ms + i, 5000 + i % 500)
                    for i in range(n))


def publisher(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(["mosquitto_pub", "-p", str(port), "-q", "1", "-t", TOPIC, "-l"],
                            stdin=subprocess.PIPE)


def feed(pub: subprocess.Popen[bytes], data: bytes) -> None:
    """Write every line but keep stdin open: at end of input mosquitto_pub exits
    without sending what it still has queued, so it is closed only once all arrived."""
    assert pub.stdin is not None
    pub.stdin.write(data)
    pub.stdin.flush()


def finish(pub: subprocess.Popen[bytes]) -> None:
    assert pub.stdin is not None
    pub.stdin.close()
    pub.wait(timeout=30)


def reference_rate(port: int, data: bytes, n: int) -> float:
    """Messages/s of mosquitto_sub draining n messages published by mosquitto_pub -l."""
    sub = subprocess.Popen(["mosquitto_sub", "-p", str(port), "-q", "1", "-t", TOPIC, "-C", str(n)],
                           stdout=subprocess.DEVNULL)
    time.sleep(1.0)  # subscribed before the first message
    started = time.perf_counter()
    pub = publisher(port)
    writer = threading.Thread(target=feed, args=(pub, data))
    writer.start()
    sub.wait(timeout=600)
    elapsed = time.perf_counter() - started
    writer.join()
    finish(pub)
    return n / elapsed


def raw_committed(hub: Hub) -> int:
    """Readings committed that came from the wire, not derived from them (rain totals, rise rate)."""
    return hub.ctx.recorder.committed - derived_count(hub)


def derived_count(hub: Hub) -> int:
    every = SeriesQuery("RS01", "", 0, 1e11, limit=10**9)
    return sum(len(hub.ctx.store.series(replace(every, quantity=q))) for q in (*RAIN_WINDOWS, RISE))


async def hub_rate(hub: Hub, port: int, data: bytes, n: int) -> float:
    """Messages/s from the first publish to the last commit in the hub's store."""
    before = raw_committed(hub)
    started = time.perf_counter()
    pub = publisher(port)
    await asyncio.to_thread(feed, pub, data)
    expected = READINGS_PER_MESSAGE * n
    await wait_for(lambda: raw_committed(hub) - before >= expected, timeout=600, what="all committed")
    elapsed = time.perf_counter() - started
    await asyncio.to_thread(finish, pub)
    return n / elapsed


async def latencies(hub: Hub, port: int, rate: float, seconds: float) -> list[float]:
    """Publish→commit delays (s) at a steady *rate* of messages/s."""
    delays: list[float] = []
    lock = threading.Lock()

    def on_commit(readings: list[Reading], committed_at: float) -> None:
        with lock:
            delays.extend(committed_at - r.ts for r in readings if r.quantity == "water_level")

    unsubscribe = hub.ctx.recorder.on_commit(on_commit)
    pub = publisher(port)
    assert pub.stdin is not None
    total = int(rate * seconds)
    last_ms = 0
    started = time.perf_counter()
    for i in range(total):
        last_ms = max(int(time.time() * 1000), last_ms + 1)
        pub.stdin.write(b'{"ts":%d,"wl":%d}\n' % (last_ms, 5000 + i % 500))
        pub.stdin.flush()
        ahead = started + (i + 1) / rate - time.perf_counter()
        if ahead > 0:
            await asyncio.sleep(ahead)
    await wait_for(lambda: len(delays) >= total, timeout=120, what="latency probes committed")
    await asyncio.to_thread(finish, pub)
    unsubscribe()
    return delays


async def main(n: int, latency_rate: float, latency_seconds: float, protocol: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        broker = Mosquitto(Path(tmp) / "mosquitto")
        broker.start()
        try:
            base_ms = int(time.time() * 1000) - 10 * n - 86_400_000
            reference = reference_rate(broker.port, payloads(n, base_ms), n)
            settings = hub_settings(Path(tmp) / "hub", broker.settings(protocol, "gridhub-bench"), health_check_s=5)
            async with make_hub(settings) as hub:
                await wait_for(lambda: hub.ctx.metrics.mqtt_up, what="hub connected")
                gridhub = await hub_rate(hub, broker.port, payloads(n, base_ms + n), n)
                delays = sorted(await latencies(hub, broker.port, latency_rate, latency_seconds))
                stored = hub.ctx.store.count_readings() - derived_count(hub)
        finally:
            broker.stop()
    lost = READINGS_PER_MESSAGE * n + len(delays) - stored
    print(f"messages: {n} (QoS 1, {READINGS_PER_MESSAGE} readings each, hub on MQTT {protocol}, one Mosquitto)")
    print(f"mosquitto_sub: {reference:,.0f} msg/s")
    print(f"gridhub: {gridhub:,.0f} msg/s end to end (received, parsed, normalised, committed)")
    print(f"readings lost: {lost}")
    print(f"latency at {latency_rate:,.0f} msg/s: p50 {statistics.median(delays) * 1000:.1f} ms, "
          f"p99 {delays[int(len(delays) * 0.99) - 1] * 1000:.1f} ms")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    print(f"ingest_ratio: {gridhub / reference:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--latency-rate", type=float, default=500.0,
                        help="messages/s in the latency phase (below 1000, so stamps stay 1 ms apart)")
    parser.add_argument("--latency-seconds", type=float, default=10.0)
    parser.add_argument("--protocol", choices=["5", "3.1.1"], default="5", help="the hub's MQTT version")
    parser.add_argument("--smoke", action="store_true", help="2,000 messages, 1 s of latency: checks it runs")
    args = parser.parse_args()
    if args.smoke:
        args.messages, args.latency_seconds = 2000, 1.0
    asyncio.run(main(args.messages, args.latency_rate, args.latency_seconds, args.protocol))
