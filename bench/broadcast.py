"""A broadcast to 1,000 simulated speakers: time from creating the job until every receipt is final.

The bench town is the sample town plus 1,000 speakers (BX0001…) with built-in TTS. The speakers
run in a separate process (10 gmqtt clients of 100 speakers each) on a Mosquitto of this run's
own; each acknowledges its play, plays for the text's estimated length (1 s for this short text),
reports done. The hub runs whole (ingest, recorder, alerts, console, broadcast store in SQLite).
Also printed: the time until every speaker had accepted (was playing), and the play length, the
floor under the final figure.

Run: .venv/bin/python bench/broadcast.py [--speakers 1000] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from multiprocessing.synchronize import Event
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.speakers.sim import SpeakerFleet
from hub.broadcast.config import JobCreate, Target
from hub.broadcast.model import BroadcastUpdate
from hub.settings import MqttSettings
from hub.town import Device, DeviceKind
from hub.townfile import LoadedTown
from tests.support import Mosquitto, hub_settings, make_hub, sample_town, wait_for

TEXT = "请注意"  # 3 characters: 1 s, the shortest play


def bench_town(count: int, prefix: str) -> LoadedTown:
    sample = sample_town()
    spk = sample.town.device_map()["SPK01"]
    extra = [Device(id=f"BX{i:04d}", name=f"压测广播{i:04d}", kind=DeviceKind.SPEAKER, adapter="speaker-mqtt",
                    address=f"bx-{i:04d}", location=spk.location, grid=spk.grid) for i in range(1, count + 1)]
    town = sample.town.model_copy(update={"devices": [*sample.town.devices, *extra]})
    section = sample.sections["speaker-mqtt"].model_copy(update={"topic_prefix": prefix})
    return replace(sample, town=town, notifiers=[], sections={**sample.sections, "speaker-mqtt": section})


def fleet_process(port: int, prefix: str, addresses: list[str], ready: Event, stop: Event) -> None:
    async def run() -> None:
        fleet = SpeakerFleet(MqttSettings(host="127.0.0.1", port=port, keepalive_s=30), addresses, prefix,
                             per_client=100, heartbeat_s=300.0, client_prefix=f"bench-{uuid.uuid4().hex[:4]}")
        await fleet.start()
        ready.set()
        await asyncio.to_thread(stop.wait)
        await fleet.stop()

    asyncio.run(run())


async def measure(port: int, tmp: Path, count: int) -> tuple[float, float, float]:
    prefix = f"bench{uuid.uuid4().hex[:6]}/speakers"
    town = bench_town(count, prefix)
    spawn = multiprocessing.get_context("spawn")
    ready, stop = spawn.Event(), spawn.Event()
    addresses = [f"bx-{i:04d}" for i in range(1, count + 1)]
    process = spawn.Process(target=fleet_process, args=(port, prefix, addresses, ready, stop))
    process.start()
    await asyncio.to_thread(ready.wait, 60)
    broker = {"host": "127.0.0.1", "port": port, "client_id": "gridhub-bench"}
    try:
        async with make_hub(hub_settings(tmp, broker, http_port=0), town) as hub:
            service = hub.ctx.broadcast
            assert service is not None
            await asyncio.sleep(1.0)  # the link subscribes
            accepted: list[float] = []
            hub.ctx.bus.subscribe(BroadcastUpdate, lambda u: accepted.append(time.perf_counter())
                                  if u.summary.playing + u.summary.played == count and not accepted else None)
            started = time.perf_counter()
            job = await service.create(JobCreate(text=TEXT, target=Target(speakers=tuple(
                f"BX{i:04d}" for i in range(1, count + 1)))), "bench")

            async def final() -> bool:
                # A finished job leaves the engine once stored: get() reads it from either.
                found = await service.get(job.id)
                assert found is not None
                s = found[1]
                return s.played + s.failed + s.offline + s.cancelled == count

            await wait_for(final, 120, "every receipt final")
            elapsed = time.perf_counter() - started
            found = await service.get(job.id)
            assert found is not None
            summary = found[1]
            print(f"played {summary.played}, failed {summary.failed}, offline {summary.offline}")
            return elapsed, (accepted[0] - started) if accepted else float("nan"), job.duration_s
    finally:
        stop.set()
        process.join(30)


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        broker = Mosquitto(Path(tmp) / "mosquitto")
        broker.start()
        try:
            final, accepted, play = await measure(broker.port, Path(tmp) / "hub", count)
        finally:
            broker.stop()
    print(f"speakers: {count}; every speaker playing after {accepted:.2f} s; play length {play:.1f} s")
    print(f"broadcast_{count}_s: {final:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speakers", type=int, default=1000)
    parser.add_argument("--smoke", action="store_true", help="20 speakers: checks the bench runs")
    args = parser.parse_args()
    asyncio.run(main(20 if args.smoke else args.speakers))
