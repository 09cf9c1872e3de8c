"""What alert messages say of a reading and its line: a level equal to the line reaches it, one past it exceeds
it, one held back inside it by hysteresis is near it; numbers carry two decimals at most."""

from __future__ import annotations

from hub.alerts.config import Level, Match, ThresholdRule
from hub.alerts.model import Severity
from hub.alerts.rules import RuleSet
from hub.alerts.wording import comparison, number, reason_name, zone_name
from tests.alert_support import T0, reading, town_with


def test_a_value_on_the_line_reaches_it_and_only_one_past_it_exceeds_it() -> None:
    assert comparison(58.0, 58.0) == "达到"
    assert comparison(58.0 + 1e-12, 58.0) == "达到"
    assert comparison(58.01, 58.0) == "超过"
    assert comparison(57.97, 58.0) == "接近"
    assert comparison(2.0, 2.0, above=False) == "达到"
    assert comparison(1.5, 2.0, above=False) == "低于"
    assert comparison(2.02, 2.0, above=False) == "接近"


def test_numbers_carry_at_most_two_decimals() -> None:
    assert number(0.51234) == "0.51"
    assert number(58.0) == "58"
    assert number(58.4) == "58.4"
    assert number(-0.001) == "0"
    assert number(12.345678) == "12.35"


def test_messages_say_reached_on_the_line_exceeded_past_it_and_near_while_held() -> None:
    rules = RuleSet.for_town(town_with(), T0)  # RS01: warning 58.0, guarantee 59.5
    [on_line] = rules.on_readings([reading("RS01", "water_level", 58.0, T0, unit="m")])
    assert on_line.message.endswith("水位 58 m，达到警戒水位 58 m"), on_line.message
    [past] = rules.on_readings([reading("RS01", "water_level", 58.2, T0 + 60, unit="m")])
    assert past.message.endswith("水位 58.2 m，超过警戒水位 58 m"), past.message
    [held] = rules.on_readings([reading("RS01", "water_level", 57.97, T0 + 120, unit="m")])  # hysteresis 0.05
    assert held.severity is Severity.ORANGE and held.message.endswith("水位 57.97 m，接近警戒水位 58 m")


def test_a_rise_rate_is_said_with_two_decimals() -> None:
    rise = ThresholdRule(id="rise", title="水位快速上涨", match=Match(kinds=("river_station",)),
                         quantity="water_level_rise", levels=(Level(severity=Severity.YELLOW, at=0.3),))
    rules = RuleSet.for_town(town_with(rise, default_rules=False), T0)
    [signal] = rules.on_readings([reading("RS01", "water_level_rise", 0.41237, T0, unit="m/h")])
    assert "水位涨率 0.41 m/h，超过黄色阈值 0.3 m/h" in signal.message, signal.message


def test_reasons_and_zones_read_in_chinese_and_the_whole_picture_is_not_named() -> None:
    assert reason_name("no_frames") == "视频无画面" and reason_name("断电") == "断电"
    assert zone_name("riverbank") == "河岸" and zone_name("all") == "" and zone_name("东门") == "东门"
