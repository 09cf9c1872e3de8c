"""SL 651 stations dial in to the ingest worker holding their share, and follow it when that worker is killed;
commands asked through a console reach them through whichever worker holds their connection.

The sample town's SL 651 stations are the demo's simulated ones (adapters/sim/sl651), run here on an event loop
of their own: they dial the station port, send each report until it is confirmed, dial again when the hub goes
away and answer the centre's commands.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml

from adapters.sim.sl651 import HydroStation, Sl651Simulators
from hub.registry import Registry
from hub.settings import DemoSettings
from hub.shards import SL651_KEY, shard_of, wanted
from hub.townfile import load_town
from tests.cluster.support import Cluster, signed_in, wait_led
from tests.cluster.test_cluster import until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
RIVER, RAIN = "RS04", "RG02"  # SL 651 HEX/BCD and ASCII
REPORTS = 20  # a minute apart, sent late: half before the port's worker is killed, half after


class StationsThread:
    """The simulated SL 651 stations on an event loop in a thread of their own, while the test waits."""

    def __init__(self, town: Path) -> None:
        loaded = load_town(town, Registry.discover())
        self.loop = asyncio.new_event_loop()
        self.sims = Sl651Simulators(loaded.town.devices, loaded.sections["sl651"], DemoSettings(), time.time,
                                    ZoneInfo(loaded.town.town.timezone))
        self._thread = threading.Thread(target=self.loop.run_forever, name="sl651-stations", daemon=True)

    def station(self, device: str) -> HydroStation:
        return next(s for s in self.sims.stations if s.device.id == device)

    def __enter__(self) -> StationsThread:
        self._thread.start()
        self.loop.call_soon_threadsafe(self.sims.start)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()

    async def _stop(self) -> None:
        await self.sims.stop()
        await asyncio.sleep(0.2)  # the stations' closed connections let go of their sockets

    def report(self, device: str, at: float) -> None:
        self.loop.call_soon_threadsafe(self.station(device).report, at)


@pytest.fixture
def town(cluster: Cluster) -> Iterator[Cluster]:
    """The sample town as the cluster runs it, with automatic clock setting off: the reports below are sent late,
    with their old send times, on purpose."""
    assert cluster.town is not None
    doc = yaml.safe_load(cluster.town.read_text(encoding="utf-8"))
    doc["adapters"]["sl651"]["commands"] = {"set_clocks": False, "reply_timeout_s": 5}
    cluster.town.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    yield cluster


def levels(client: httpx.Client, since: float) -> int:
    """River levels stored from the reports sent here (not those of its answers, nor of the demo's own steps)."""
    r = client.get("/api/readings", params={"device": RIVER, "quantity": "water_level", "start": since,
                                            "end": since + REPORTS * 60 - 1})
    return len(r.json()["points"]) if r.status_code == 200 else 0


def command(client: httpx.Client, device: str, kind: str) -> dict[str, Any]:
    response = client.post(f"/api/devices/{device}/commands", json={"kind": kind}, timeout=40)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_sl651_stations_follow_their_share_and_answer_commands_through_a_console(town: Cluster) -> None:
    town.create_admin()
    for role, name in [("ingest", "w1"), ("ingest", "w2"), ("core", "c1"), ("console", "k1")]:
        town.start(role, name)
    town.wait_listening("k1")
    until(lambda: sum(town.shares_held().values()) == town.shards and len(town.shares_held()) == 2, 60,
          "both workers holding every share between them")
    wait_led(town.url("k1"))
    owner = next(w for w in ("w1", "w2") if shard_of(SL651_KEY, town.shards) in wanted(w, ["w1", "w2"], town.shards))
    assert town.town is not None
    client = signed_in(town.url("k1"))
    try:
        with StationsThread(town.town) as stations:
            _through_the_workers(town, client, stations, owner)
    finally:
        client.close()


def _through_the_workers(town: Cluster, client: httpx.Client, stations: StationsThread, owner: str) -> None:
    # A station that has not dialled in: the worker holding the port says so at once.
    offline = command(client, RAIN, "query")
    assert offline["state"] == "not_connected" and "no connection" in offline["detail"], offline
    start = (time.time() // 60 - REPORTS - 10) * 60  # a report a minute over the last half hour, sent now

    def send(first: int, last: int) -> None:
        for i in range(first, last):
            stations.report(RIVER, start + i * 60)

    send(0, REPORTS // 2)
    until(lambda: levels(client, start) == REPORTS // 2, 30, "the first ten levels, through the port's worker")
    answered = command(client, RIVER, "query")
    assert answered["state"] == "answered" and answered["readings"] >= 2, answered
    assert answered["request"].startswith("7E 7E") and answered["reply"].startswith("7E 7E")

    town.kill(owner)  # the station's connection dies with it; the other worker takes the share and the port
    dialled = stations.station(RIVER).connections
    send(REPORTS // 2, REPORTS)
    until(lambda: levels(client, start) == REPORTS, 60, "the next ten levels, through the other worker")
    assert stations.station(RIVER).connections > dialled
    until(lambda: list(town.shares_held()) == [w for w in ("w1", "w2") if w != owner], 15,
          "PostgreSQL letting go of the killed worker's locks")
    again = command(client, RIVER, "query")
    assert again["state"] == "answered", again
    log = client.get(f"/api/devices/{RIVER}/commands").json()
    assert [(c["id"], c["state"], c["by"]) for c in log] == [(again["id"], "answered", "root"),
                                                            (answered["id"], "answered", "root")]
    assert [c["state"] for c in client.get(f"/api/devices/{RAIN}/commands").json()] == ["not_connected"]

    # No worker left to serve the port: the leader gives up after the reply timeout and a margin, and says why.
    town.kill(next(w for w in ("w1", "w2") if w != owner))
    started = time.monotonic()
    unserved = command(client, RIVER, "query")
    assert unserved["state"] == "not_connected" and "no ingest worker" in unserved["detail"], unserved
    assert 5 <= time.monotonic() - started < 20
    assert client.get(f"/api/devices/{RIVER}/commands").json()[0]["id"] == unserved["id"]
