"""The flood demo's SL 651 stations dial in to the hub: both encodings, the 5-minute rain series, a hub restart."""

from __future__ import annotations

import asyncio
import dataclasses
from itertools import pairwise
from pathlib import Path

import pytest

from adapters.sim.service import SimulatorService
from adapters.sl651.frame import Encoding
from hub.app import Hub
from hub.store import SeriesQuery
from tests.support import hub_settings, make_hub, sample_town, wait_for

pytestmark = pytest.mark.integration
RIVER, RAIN = "RS04", "RG02"  # the sample town's SL 651 stations: HEX/BCD and ASCII
FIVE_MIN = "rainfall.5m"


def latest(hub: Hub, device: str) -> dict[str, float]:
    return {r.quantity: r.value for r in hub.ctx.store.latest(device)}


def series(hub: Hub, device: str, quantity: str) -> list[tuple[float, float]]:
    now = hub.ctx.clock()
    return [(p.ts, p.mean) for p in hub.ctx.store.series(SeriesQuery(device, quantity, now - 86400, now + 60))]


def simulators(hub: Hub) -> SimulatorService:
    return next(s for s in hub.services if isinstance(s, SimulatorService))


async def test_flood_demo_sl651_stations_report_in_both_encodings_with_the_5_minute_rain(tmp_path: Path) -> None:
    demo = {"scenario": "flood", "interval_s": 60, "speed": 1800, "lead_h": 6}
    async with make_hub(hub_settings(tmp_path, None, demo=demo)) as hub:
        encodings = {s.device.id: s.encoding for s in simulators(hub).sl651.stations}
        assert encodings == {RIVER: Encoding.HEX, RAIN: Encoding.ASCII}

        await wait_for(lambda: {"water_level", "rainfall_total", "battery_voltage"} <= latest(hub, RIVER).keys(),
                       what="level, accumulated rain and voltage from the HEX station")
        await wait_for(lambda: {"rainfall_total", "battery_voltage"} <= latest(hub, RAIN).keys(),
                       what="accumulated rain and voltage from the ASCII station")
        # Two simulated hours of the storm (the clock starts while the hub starts, so the first may be lost):
        # the hourly reports' DRP expanded into a reading every 5 minutes.
        for device in (RIVER, RAIN):
            await wait_for(lambda d=device: len(series(hub, d, FIVE_MIN)) >= 24, timeout=60,  # type: ignore[misc]
                           what=f"two hours of 5-minute rain from {device}")
            points = series(hub, device, FIVE_MIN)
            assert {round(b[0] - a[0]) for a, b in pairwise(points)} == {300}
            assert points[-1][1] > 2.0 > points[0][1]  # the storm builds towards 60 mm/h (5 mm in 5 minutes)
        levels = [v for _, v in series(hub, RIVER, "water_level")]
        assert levels[-1] - levels[0] > 0.5  # the river rises with the rain
        assert hub.ctx.dead_letters.total() == 0
        # The hub ends its confirmations with ESC: each station keeps the one connection.
        assert [s.connections for s in simulators(hub).sl651.stations] == [1, 1]


async def test_sl651_stations_dial_again_when_the_hub_listener_restarts_and_lose_no_report(tmp_path: Path) -> None:
    demo = {"scenario": "flood", "interval_s": 60, "speed": 600, "lead_h": 2}
    async with make_hub(hub_settings(tmp_path, None, demo=demo)) as hub:
        await wait_for(lambda: "battery_voltage" in latest(hub, RAIN), what="a first report over ASCII")
        server = next(s for s in hub.services if s.name == "sl651")
        await server.stop()
        stopped = hub.ctx.clock()
        await asyncio.sleep(1.5)  # 15 simulated minutes: three timed reports wait in each station
        await server.start()

        def reported_since() -> bool:
            return all(any(ts > stopped + 900 for ts, _ in series(hub, d, "battery_voltage")) for d in (RIVER, RAIN))

        await wait_for(reported_since, timeout=30, what="reports from both stations after the restart")
        for device in (RIVER, RAIN):
            stamps = sorted({ts for ts, _ in series(hub, device, "battery_voltage")})
            assert {round(b - a) for a, b in pairwise(stamps)} == {300}, device  # every 5 minutes, none lost


async def test_sl651_stations_hang_up_on_eot_and_dial_again_for_each_report(tmp_path: Path) -> None:
    loaded = sample_town()
    config = loaded.sections["sl651"].model_copy(update={"keep_online": False})  # confirmations end with EOT
    town = dataclasses.replace(loaded, sections={**loaded.sections, "sl651": config})
    demo = {"scenario": "normal", "interval_s": 60, "speed": 1800, "lead_h": 2}
    async with make_hub(hub_settings(tmp_path, None, demo=demo), town) as hub:
        await wait_for(lambda: all(len(series(hub, d, "battery_voltage")) >= 12 for d in (RIVER, RAIN)),
                       what="an hour of reports, each on a connection of its own")
        for device in (RIVER, RAIN):
            stamps = sorted({ts for ts, _ in series(hub, device, "battery_voltage")})
            assert {round(b - a) for a, b in pairwise(stamps)} == {300}, device
        assert hub.ctx.dead_letters.total() == 0
        for station in simulators(hub).sl651.stations:
            assert station.connections >= 12, station.device.id
