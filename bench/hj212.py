"""HJ 212 benchmark: frames parsed per second, and frames ingested end to end over TCP per second.

(a) Parse. N real-time frames (CN 2011, six factors) through a station session:
    scan, CRC, password, decode into readings. Reference in the same run: the
    JSON adapter decoding the same six values as one vendor JSON message.
(b) End to end. The hub with the sample town; its two HJ 212 stations each
    stream N/2 frames over one TCP connection; timed from the first byte to the
    last reading committed to SQLite. Reference in the same run: a bare asyncio
    server that only receives the same bytes.

Prints both figures with their references; last, `hj212_frames_per_s` (end to end).
Run: .venv/bin/python bench/hj212.py [--frames 50000] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.hj212.frame import encode
from adapters.hj212.session import Session, StationBook
from adapters.mqtt.router import BatchBuilder, MqttRouter
from adapters.stations import Collected
from tests.support import Mosquitto, hub_settings, make_hub, sample_town, wait_for

LOADED = sample_town()
TOWN = LOADED.town
HJ212 = LOADED.sections["hj212"]
STATIONS = [(d.address or "", HJ212.password_of(d.id) or "") for d in TOWN.devices if d.adapter == "hj212"]
CHINA = ZoneInfo(TOWN.town.timezone)
FACTORS = ("w01018", "w21003", "w01001", "w01009", "w01010", "w01014")


def frames(n: int, mn: str, pw: str, start: int) -> bytes:
    """N real-time frames of one station, one second apart, no reply wanted (Flag=4)."""
    out = []
    for i in range(n):
        t = datetime.fromtimestamp(start + i, CHINA).strftime("%Y%m%d%H%M%S")
        cp = ";".join(f"{c}-Rtd={7 + (i % 50) / 10:.2f},{c}-Flag=N" for c in FACTORS)
        out.append(encode(f"QN={t}000;ST=21;CN=2011;PW={pw};MN={mn};Flag=4;CP=&&DataTime={t};{cp}&&"))
    return b"".join(out)


def parse_rate(n: int) -> float:
    mn, pw = STATIONS[0]
    data = frames(n, mn, pw, int(time.time()) - n)
    session, out = Session(StationBook(TOWN, HJ212), "bench"), Collected()
    started = time.perf_counter()
    for i in range(0, len(data), 65536):
        session.feed(data[i:i + 65536], time.time(), out)
    elapsed = time.perf_counter() - started
    assert len(out.readings) == n * len(FACTORS) and not out.letters, out.letters[:3]
    return n / elapsed


def json_rate(n: int) -> float:
    """The JSON adapter on the same six values per message (vendor B's nested JSON)."""
    router, out = MqttRouter(TOWN, LOADED.sections["json"], 65536), BatchBuilder()
    device = next(d for d in TOWN.devices if d.id == "RS03")
    now = time.time()
    payloads = [orjson.dumps({"deviceId": device.address,
                              "time": datetime.fromtimestamp(now - n + i, CHINA).isoformat(),
                              "data": {k: {"value": 7 + (i % 50) / 10, "unit": u} for k, u in (
                                  ("cod", "mg/L"), ("nh3n", "mg/L"), ("do", "mg/L"), ("temp", "°C"),
                                  ("waterLevel", "m"), ("rainfall", "mm"))}}) for i in range(n)]
    topic = f"kd/rtu/{device.address}/data"
    started = time.perf_counter()
    for payload in payloads:
        router.handle(topic, payload, now, out)
    elapsed = time.perf_counter() - started
    assert len(out.readings) == n * 6 and not out.letters, out.letters[:3]
    return n / elapsed


async def receive_only(streams: list[bytes]) -> float:
    """Frames/s a bare asyncio server receives the same bytes at."""
    total, done, got = sum(len(s) for s in streams), asyncio.Event(), [0]

    async def sink(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            got[0] += len(data)
            if got[0] >= total:
                done.set()
        writer.close()

    server = await asyncio.start_server(sink, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    started = time.perf_counter()
    await asyncio.gather(*(_stream(port, s) for s in streams))
    await done.wait()
    elapsed = time.perf_counter() - started
    server.close()
    return sum(s.count(b"##") for s in streams) / elapsed


async def _stream(port: int, data: bytes) -> None:
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    writer.close()


async def end_to_end(streams: list[bytes], tmp: Path) -> float:
    n = sum(s.count(b"##") for s in streams)
    broker = Mosquitto(tmp / "mosquitto")
    broker.start()
    try:
        async with make_hub(hub_settings(tmp / "hub", broker.settings(client_id="gridhub-bench"))) as hub:
            port = next(s for s in hub.services if s.name == "hj212").port  # type: ignore[attr-defined]
            started = time.perf_counter()
            await asyncio.gather(*(_stream(port, s) for s in streams))
            await wait_for(lambda: hub.ctx.recorder.committed >= n * len(FACTORS), timeout=600,
                           what="every reading committed")
            elapsed = time.perf_counter() - started
            assert hub.ctx.dead_letters.total() == 0
    finally:
        broker.stop()
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=50000)
    parser.add_argument("--smoke", action="store_true", help="1,000 frames: checks the bench runs")
    args = parser.parse_args()
    n = 1000 if args.smoke else args.frames
    parsed, reference = parse_rate(n), json_rate(n)
    print(f"parse: {parsed:,.0f} HJ 212 frames/s; JSON adapter, same six values: {reference:,.0f} messages/s "
          f"(ratio {parsed / reference:.2f})")
    start = int(time.time()) - n
    streams = [frames(n // len(STATIONS), mn, pw, start) for mn, pw in STATIONS]
    bare = asyncio.run(receive_only(streams))
    with tempfile.TemporaryDirectory() as tmp:
        e2e = asyncio.run(end_to_end(streams, Path(tmp)))
    print(f"tcp: {e2e:,.0f} frames/s end to end ({len(FACTORS)} readings each, committed to SQLite); "
          f"bare asyncio receiving the same bytes: {bare:,.0f} frames/s")
    print(f"hj212_frames_per_s: {e2e:.0f}")


if __name__ == "__main__":
    main()
