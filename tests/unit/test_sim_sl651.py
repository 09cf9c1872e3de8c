"""The demo's SL 651 stations: the flood takes RS04 past its warning level; their frames are what the hub reads."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from adapters.sim.sl651 import QUEUE_MAX, HydroStation
from adapters.sim.stations import rain_rate
from adapters.sl651.frame import Encoding
from adapters.sl651.session import Session, StationBook
from adapters.stations import Collected
from hub.settings import Scenario
from tests.support import sample_town

TZ = ZoneInfo("Asia/Shanghai")
HOUR = 1_796_659_200.0  # a whole hour


def station(device_id: str) -> HydroStation:
    loaded = sample_town()
    device = next(d for d in loaded.town.devices if d.id == device_id)
    return HydroStation.create(device, loaded.sections["sl651"], TZ, seed=1)


def test_flood_takes_the_sl651_river_station_past_its_warning_level_within_six_hours() -> None:
    s = station("RS04")
    for step in range(6 * 12):
        s.advance(rain_rate(Scenario.FLOOD, step * 5 / 60, s.rng))
    assert s.device.levels is not None and s.level > s.device.levels.warning_level


def test_an_hour_of_reports_decodes_with_the_5_minute_rain_in_both_encodings() -> None:
    loaded = sample_town()
    book = StationBook(loaded.town, loaded.sections["sl651"])
    for device_id, encoding in (("RS04", Encoding.HEX), ("RG02", Encoding.ASCII)):
        s = station(device_id)
        assert s.encoding is encoding
        for k in range(12):
            s.advance(6.0 * (k + 1))  # 0.5 mm in the first 5 minutes … 6 mm in the last
            s.report(HOUR - 3300 + 300 * k)
        out = Collected()
        fed = Session(book, "test").feed(b"".join(frame for _, frame in s.queue), HOUR + 10, out)
        assert not out.letters and fed.accepted == len(fed.replies) == 12  # 11 timed, then the hourly
        rain = sorted((r.ts, r.value) for r in out.readings if r.quantity == "rainfall.5m")
        assert rain == [(HOUR - 3300 + 300 * k, round(0.5 * (k + 1), 1)) for k in range(12)]
        totals = [r.value for r in out.readings if r.quantity == "rainfall_total"]
        assert round(totals[-1] - totals[0], 1) == round(sum(0.5 * (k + 1) for k in range(1, 12)), 1)
        assert any(r.quantity == "water_level" for r in out.readings) is (device_id == "RS04")


def test_a_station_that_cannot_reach_the_hub_keeps_a_day_of_reports_and_counts_what_it_drops() -> None:
    s = station("RG02")
    for k in range(QUEUE_MAX + 3):
        s.advance(1.0)
        s.report(HOUR + 300 * k)
    assert len(s.queue) == QUEUE_MAX and s.dropped == 3 and s.queue[0][0] == 4  # the oldest three went
