"""Derived series: rain over 1/3/6/24 h from amounts or counters, and the river's rise in m/h."""

from __future__ import annotations

import logging

import pytest

from hub.derived import RISE, Deriver, RainAccumulator, RiseRate
from hub.models import Quality
from tests.alert_support import T0, reading

H = 3600.0


def totals(acc: RainAccumulator) -> tuple[float, float, float, float]:
    t = acc.totals()
    return t["rainfall_1h"], t["rainfall_3h"], t["rainfall_6h"], t["rainfall_24h"]


def test_no_rain_yet_is_zero_in_every_window() -> None:
    assert totals(RainAccumulator()) == (0.0, 0.0, 0.0, 0.0)


def test_each_amount_counts_in_the_windows_that_hold_its_time() -> None:
    acc = RainAccumulator()
    for hours_ago, mm in ((23.5, 1.0), (5.5, 2.0), (2.5, 4.0), (0.5, 8.0), (0.0, 16.0)):
        acc.add_amount(T0 - hours_ago * H, mm)
    assert totals(acc) == (24.0, 28.0, 30.0, 31.0)


def test_windows_exclude_an_amount_exactly_one_width_old_and_include_one_just_younger() -> None:
    # An amount stamped at t is the rain of the interval ending at t: one stamped exactly 1 h
    # before the newest fell before the last hour began.
    acc = RainAccumulator()
    acc.add_amount(T0 - H, 5.0)
    acc.add_amount(T0 - H + 1, 7.0)
    acc.add_amount(T0 - 3 * H, 11.0)
    acc.add_amount(T0 - 24 * H, 13.0)
    acc.add_amount(T0, 1.0)
    assert totals(acc) == (8.0, 13.0, 24.0, 24.0)


def test_amounts_older_than_a_day_are_forgotten() -> None:
    acc = RainAccumulator()
    acc.add_amount(T0, 10.0)
    acc.add_amount(T0 + 24 * H, 1.0)
    assert acc.times == [T0 + 24 * H]
    assert totals(acc) == (1.0, 1.0, 1.0, 1.0)


def test_an_amount_arriving_out_of_order_is_counted_in_its_own_time() -> None:
    acc = RainAccumulator()
    acc.add_amount(T0, 3.0)
    acc.add_amount(T0 - 2 * H, 5.0)  # late: from two hours before the newest
    assert totals(acc) == (3.0, 8.0, 8.0, 8.0)
    assert acc.times == [T0 - 2 * H, T0]


def test_a_counter_gives_the_rain_between_reports() -> None:
    acc = RainAccumulator()
    for i, total in enumerate((120.0, 125.0, 125.0, 131.5)):
        acc.add_counter(T0 + i * 600, total)
    assert totals(acc) == (11.5, 11.5, 11.5, 11.5)


def test_a_counter_reset_counts_the_rain_since_the_restart() -> None:
    acc = RainAccumulator()
    acc.add_counter(T0, 250.0)
    acc.add_counter(T0 + 600, 254.0)
    acc.add_counter(T0 + 1200, 3.0)  # the logger restarted and has counted 3 mm since
    assert totals(acc)[0] == 7.0


def test_a_big_counter_jump_is_a_replaced_logger_not_rain(caplog: pytest.LogCaptureFixture) -> None:
    acc = RainAccumulator()
    acc.add_counter(T0, 10.0)
    with caplog.at_level(logging.WARNING, "hub.derived"):
        acc.add_counter(T0 + 600, 910.0)
    acc.add_counter(T0 + 1200, 912.0)  # counting goes on from the new counter
    assert totals(acc) == (2.0, 2.0, 2.0, 2.0)
    assert "taken as a reset" in caplog.text


def test_a_late_counter_report_adds_no_rain() -> None:
    acc = RainAccumulator()
    acc.add_counter(T0, 10.0)
    acc.add_counter(T0 + 600, 15.0)
    acc.add_counter(T0 + 300, 12.0)  # delayed report from between the two
    acc.add_counter(T0 + 900, 16.0)
    assert totals(acc)[3] == 6.0


def test_rise_rate_of_a_straight_line_is_its_slope_per_hour() -> None:
    rise = RiseRate(window_s=H)
    rates = [rise.add(T0 + i * 300, 50.0 + 0.25 * i * 300 / H) for i in range(13)]
    assert rates[-1] == pytest.approx(0.25, abs=1e-9)


def test_rise_rate_of_a_falling_river_is_negative() -> None:
    rise = RiseRate(window_s=H)
    rates = [rise.add(T0 + i * 600, 60.0 - 0.6 * i * 600 / H) for i in range(7)]
    assert rates[-1] == pytest.approx(-0.6, abs=1e-9)


def test_no_rise_rate_until_half_the_window_is_covered() -> None:
    rise = RiseRate(window_s=H)
    assert rise.add(T0, 50.0) is None
    assert rise.add(T0 + 900, 50.1) is None
    assert rise.add(T0 + 1785, 50.2) is None  # levels closer than window/240 (15 s) share one point
    assert rise.add(T0 + 1800, 50.2) is not None


def test_levels_reported_many_times_a_second_share_one_point() -> None:
    rise = RiseRate(window_s=H)
    for i in range(1000):
        rise.add(T0 + i * 0.01, 50.0 + (i % 2) * 0.02)
    assert rise.times == [T0] and rise.counts == [1000]
    assert rise.levels[0] == pytest.approx(50.01)


def test_rise_rate_forgets_points_older_than_the_window() -> None:
    rise = RiseRate(window_s=H)
    rise.add(T0, 40.0)  # a step long ago must not bend the slope of the last hour
    rates = [rise.add(T0 + 2 * H + i * 600, 50.0 + 0.1 * i * 600 / H) for i in range(7)]
    assert rise.times[0] > T0 + H
    assert rates[-1] == pytest.approx(0.1, abs=1e-9)


def test_rise_rate_takes_out_of_order_levels_in_their_time() -> None:
    rise = RiseRate(window_s=H)
    points = [(T0 + i * 600, 50.0 + 0.3 * i * 600 / H) for i in range(7)]
    for ts, level in (points[0], points[6], points[3], points[1], points[5], points[2]):
        rise.add(ts, level)
    assert rise.add(*points[4]) == pytest.approx(0.3, abs=1e-9)


def test_deriver_emits_the_four_windows_and_the_rise() -> None:
    deriver = Deriver(rise_window_s=H)
    out = deriver.feed([reading("RG01", "rainfall", 12.0, T0), reading("RG01", "rainfall", 30.0, T0 + 600)])
    assert [(r.quantity, r.value, r.ts) for r in out[-4:]] == [
        ("rainfall_1h", 42.0, T0 + 600), ("rainfall_3h", 42.0, T0 + 600),
        ("rainfall_6h", 42.0, T0 + 600), ("rainfall_24h", 42.0, T0 + 600)]
    levels = [reading("RS01", "water_level", 57.0 + 0.5 * i / 6, T0 + i * 600) for i in range(7)]
    rises = [r for r in deriver.feed(levels) if r.quantity == RISE]
    assert rises[-1].value == pytest.approx(0.5, abs=1e-9) and rises[-1].unit == "m/h"
    assert rises[-1].device == "RS01" and rises[-1].ts == T0 + 3600


def test_deriver_ignores_readings_it_cannot_trust() -> None:
    deriver = Deriver(rise_window_s=H)
    deriver.feed([reading("RG01", "rainfall", 5.0, T0)])
    suspect = deriver.feed([reading("RG01", "rainfall", 500.0, T0 + 60, Quality.SUSPECT),
                            reading("RG01", "rainfall", 80.0, T0 + 120, Quality.FAULT)])
    assert suspect == []
    manual = deriver.feed([reading("RG01", "rainfall", 1.0, T0 + 180, Quality.MANUAL)])
    assert manual[0].value == 6.0
    levels = [reading("RS01", "water_level", 57.0 + (5.0 if i == 3 else 0.0), T0 + i * 600,
                      Quality.OVER_RANGE if i == 3 else Quality.GOOD) for i in range(7)]
    assert [r.value for r in deriver.feed(levels) if r.quantity == RISE][-1] == 0.0


def test_each_reading_is_followed_by_what_it_derives_however_they_are_batched() -> None:
    feed = tuple(r for i in range(7) for r in (reading("RS01", "water_level", 57.0 + 0.3 * i, T0 + i * 600),
                                                reading("RG01", "rainfall", 5.0 * i, T0 + i * 600)))
    whole = Deriver(rise_window_s=H).interleave(feed)
    one_by_one = Deriver(rise_window_s=H)
    assert [r for single in feed for r in one_by_one.interleave((single,))] == list(whole)
    assert [r.quantity for r in whole[:7]] == ["water_level", "rainfall", "rainfall_1h", "rainfall_3h", "rainfall_6h",
                                              "rainfall_24h", "water_level"]
