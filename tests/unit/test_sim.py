"""The demo's flood scenario takes every river station past its warning level."""

from __future__ import annotations

from adapters.sim.stations import SimStation, rain_rate, vendor_of
from hub.settings import Scenario
from hub.town import DeviceKind
from tests.support import sample_town


def test_flood_passes_warning_level_within_six_hours() -> None:
    rivers = [d for d in sample_town().town.devices if d.kind is DeviceKind.RIVER_STATION]
    stations = [SimStation.create(d, vendor_of(d), seed=i) for i, d in enumerate(rivers)]  # type: ignore[arg-type]
    for step in range(6 * 12):
        for s in stations:
            s.advance(5 / 60, rain_rate(Scenario.FLOOD, step * 5 / 60, s.rng))
    for s in stations:
        assert s.device.levels is not None
        assert s.level > s.device.levels.warning_level, s.device.id


def test_normal_weather_stays_below_warning() -> None:
    rivers = [d for d in sample_town().town.devices if d.kind is DeviceKind.RIVER_STATION]
    for i, d in enumerate(rivers):
        s = SimStation.create(d, vendor_of(d), seed=i)  # type: ignore[arg-type]
        for step in range(24 * 12):
            s.advance(5 / 60, rain_rate(Scenario.NORMAL, step * 5 / 60, s.rng))
        assert d.levels is not None and s.level < d.levels.warning_level
