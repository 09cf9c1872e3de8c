"""Rules compiled per device: thresholds, rainfall, silence, device events, matching and the defaults."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hub.alerts.config import DeviceEventRule, Level, Match, NoDataRule, RainfallRule, ThresholdRule
from hub.alerts.defaults import DEFAULT_RULES
from hub.alerts.evaluators import Signal
from hub.alerts.model import Severity
from hub.alerts.rules import RuleSet
from hub.models import DeviceEvent, Quality
from hub.models import DeviceEventKind as K
from hub.town import DeviceKind, RiverLevels
from tests.alert_support import T0, reading, river_stations, town_with

BLUE, YELLOW, ORANGE, RED = Severity
SHANGHAI = ZoneInfo("Asia/Shanghai")


def verdicts(signals: list[Signal]) -> dict[str, Severity | None]:
    return {s.source: s.severity for s in signals}


def only(rule: ThresholdRule | RainfallRule | NoDataRule | DeviceEventRule, started: float = T0) -> RuleSet:
    return RuleSet.for_town(town_with(rule, default_rules=False), started)


# --- thresholds --------------------------------------------------------------------------------------

def test_river_level_default_rule_uses_each_stations_own_flood_levels() -> None:
    rules = RuleSet.for_town(town_with(), T0)
    # RS01: warning 58.0, guarantee 59.5; RS02: warning 57.3, guarantee 58.8
    signals = rules.on_readings([reading("RS01", "water_level", 57.9, T0, unit="m"),
                                 reading("RS02", "water_level", 57.3, T0, unit="m")])
    assert [(s.rule, s.source, s.severity) for s in signals] == [("river-level", "RS02", ORANGE)]
    assert signals[0].message == "清溪河柳湾水位站 水位 57.3 m，达到警戒水位 57.3 m"  # on the line
    signals = rules.on_readings([reading("RS01", "water_level", 59.5, T0 + 60)])
    assert verdicts(signals) == {"RS01": RED}
    assert "保证水位 59.5 m" in signals[0].message


def test_flood_level_with_an_offset_is_resolved_per_device() -> None:
    rule = ThresholdRule(id="near-warning", title="水位接近警戒", match=Match(kinds=("river_station",)),
                         quantity="water_level", levels=(Level(severity=YELLOW, at="warning_level", offset=-0.5),))
    rules = only(rule)
    # RS01 warning 58.0 → 57.5; RS02 warning 57.3 → 56.8
    below = rules.on_readings([reading("RS01", "water_level", 57.49, T0), reading("RS02", "water_level", 56.79, T0)])
    assert below == []
    at = rules.on_readings([reading("RS01", "water_level", 57.5, T0 + 1), reading("RS02", "water_level", 56.8, T0 + 1)])
    assert verdicts(at) == {"RS01": YELLOW, "RS02": YELLOW}
    assert at[0].detail["line"] == 57.5


def test_devices_without_flood_levels_are_skipped_by_a_flood_level_rule() -> None:
    town = town_with()
    devices = [d.model_copy(update={"levels": None}) if d.id == "RS02" else d for d in town.devices]
    rules = RuleSet.for_town(town.model_copy(update={"devices": devices}), T0)
    signals = rules.on_readings([reading(d, "water_level", 99.0, T0) for d in ("RS01", "RS02", "WQ01")])
    assert verdicts([s for s in signals if s.rule == "river-level"]) == {"RS01": RED}


def test_a_numeric_threshold_below_and_with_duration() -> None:
    rule = ThresholdRule(id="low-battery", title="电池电压低", quantity="battery_voltage", direction="below",
                         levels=(Level(severity=YELLOW, at=11.5), Level(severity=ORANGE, at=11.0)), for_s=600,
                         match=Match(devices=("RG01",)))
    rules = only(rule)
    assert rules.on_readings([reading("RG01", "battery_voltage", 11.4, T0)]) == []
    assert rules.on_readings([reading("RG01", "battery_voltage", 11.0, T0 + 599)]) == []
    signals = rules.on_readings([reading("RG01", "battery_voltage", 10.9, T0 + 600)])
    assert verdicts(signals) == {"RG01": ORANGE}
    assert "低于橙色阈值 11 V" in signals[0].message


def test_threshold_ignores_readings_it_cannot_trust() -> None:
    rules = RuleSet.for_town(town_with(), T0)
    assert rules.on_readings([reading("RS01", "water_level", 60.0, T0, Quality.SUSPECT)]) == []


def test_threshold_clear_is_signalled_once() -> None:
    rules = RuleSet.for_town(town_with(), T0)
    rules.on_readings([reading("RS01", "water_level", 58.2, T0)])
    assert verdicts(rules.on_readings([reading("RS01", "water_level", 57.95, T0 + 60)])) == {"RS01": ORANGE}
    assert verdicts(rules.on_readings([reading("RS01", "water_level", 57.9, T0 + 120)])) == {"RS01": None}
    assert rules.on_readings([reading("RS01", "water_level", 57.8, T0 + 180)]) == []


# --- rainfall ------------------------------------------------------------------------------------------

COUNTY = {"rainfall_1h": (35, 45, 60, 80), "rainfall_3h": (55, 75, 100, 120),
          "rainfall_6h": (70, 95, 120, 150), "rainfall_24h": (100, 130, 160, 200)}


@pytest.mark.parametrize("window", COUNTY)
@pytest.mark.parametrize(("index", "severity"), list(enumerate(Severity)))
def test_rainfall_colour_table_at_each_line(window: str, index: int, severity: Severity) -> None:
    line = COUNTY[window][index]
    just_below = RuleSet.for_town(town_with(), T0).on_readings([reading("RG01", window, line - 0.1, T0)])
    assert verdicts(just_below) == ({"RG01": list(Severity)[index - 1]} if index else {})
    at = RuleSet.for_town(town_with(), T0).on_readings([reading("RG01", window, line, T0)])
    assert verdicts(at) == {"RG01": severity}
    assert at[0].detail["window"] == window.removeprefix("rainfall_")


def test_rainfall_worst_window_wins_and_the_message_names_it() -> None:
    rules = RuleSet.for_town(town_with(), T0)
    totals = {"rainfall_1h": 36.0, "rainfall_3h": 101.0, "rainfall_6h": 101.0, "rainfall_24h": 101.0}
    signals = rules.on_readings([reading("RG01", k, v, T0) for k, v in totals.items()])
    assert signals[-1].severity is ORANGE
    assert signals[-1].message == "云岭雨量站 3h累计雨量 101 mm，达橙色等级（≥100 mm）"
    assert signals[-1].value == 101.0
    easing = {"rainfall_1h": 0.0, "rainfall_3h": 76.0, "rainfall_6h": 101.0, "rainfall_24h": 131.0}
    signals = rules.on_readings([reading("RG01", k, v, T0 + 3600) for k, v in easing.items()])
    assert [s.severity for s in signals] == [ORANGE, YELLOW, YELLOW, YELLOW]  # 3 h fell to yellow, 6 h holds it


def test_rainfall_clears_only_when_every_window_is_below_blue() -> None:
    rules = RuleSet.for_town(town_with(), T0)
    rules.on_readings([reading("RG01", "rainfall_1h", 40.0, T0), reading("RG01", "rainfall_24h", 100.0, T0)])
    assert verdicts(rules.on_readings([reading("RG01", "rainfall_1h", 0.0, T0 + 3600)])) == {"RG01": BLUE}
    # The default rule's 2 mm hysteresis: 99 mm still holds blue (≥ 100 − 2), 97.9 mm clears it.
    assert verdicts(rules.on_readings([reading("RG01", "rainfall_24h", 99.0, T0 + 3600)])) == {"RG01": BLUE}
    assert verdicts(rules.on_readings([reading("RG01", "rainfall_24h", 97.9, T0 + 3660)])) == {"RG01": None}


def test_rainfall_rule_with_its_own_table() -> None:
    rule = RainfallRule(id="rain-strict", title="强降雨", table={"h1": (10, 20, 30, 40)},
                        match=Match(devices=("RG02",)))
    rules = only(rule)
    assert verdicts(rules.on_readings([reading("RG02", "rainfall_1h", 30.0, T0)])) == {"RG02": ORANGE}
    assert rules.on_readings([reading("RG02", "rainfall_24h", 500.0, T0)]) == []


# --- no data --------------------------------------------------------------------------------------------

def test_no_data_after_silent_s_then_cleared_by_a_reading() -> None:
    rules = RuleSet.for_town(town_with(), T0)
    assert rules.on_tick(T0 + 1800) == []
    signals = rules.on_tick(T0 + 1801)
    assert verdicts(signals) == dict.fromkeys(river_stations(rules.town), YELLOW)
    assert {s.rule for s in signals} == {"river-level-no-data"}
    assert signals[0].message == "清溪河石门水位站 已 30 分钟没有水位"
    assert rules.on_tick(T0 + 3600) == [], "silence is reported once"
    assert [s for s in rules.on_readings([reading("RS01", "battery_voltage", 12.0, T0 + 3600)])
            if s.rule == "river-level-no-data"] == []
    cleared = [s for s in rules.on_readings([reading("RS01", "water_level", 50.0, T0 + 3601)])
               if s.rule == "river-level-no-data"]
    assert verdicts(cleared) == {"RS01": None}


def test_no_data_counts_from_the_last_reading() -> None:
    rules = RuleSet.for_town(town_with(), T0)
    rules.on_readings([reading("RS01", "water_level", 50.0, T0 + 1000)])
    assert "RS01" not in verdicts(rules.on_tick(T0 + 2000))
    assert verdicts(rules.on_tick(T0 + 2801)).get("RS01") is YELLOW


def test_no_data_of_any_quantity() -> None:
    rule = NoDataRule(id="gauge-silent", title="雨量站无数据", match=Match(kinds=("rain_gauge",)), silent_s=600,
                      severity=ORANGE)
    rules = only(rule)
    rules.on_readings([reading("RG01", "battery_voltage", 12.0, T0 + 300)])
    assert verdicts(rules.on_tick(T0 + 601)) == {"RG02": ORANGE}
    assert verdicts(rules.on_readings([reading("RG02", "battery_voltage", 12.0, T0 + 700)])) == {"RG02": None}


# --- device events ----------------------------------------------------------------------------------

def local(hour: int, minute: int, second: int = 0, day: int = 15) -> float:
    return datetime(2025, 6, day, hour, minute, second, tzinfo=SHANGHAI).timestamp()


NIGHT_MOTION = DeviceEventRule(id="night-motion", title="夜间河道有人", match=Match(devices=("CAM07",)),
                               raise_on=(K.MOTION,), resolve_on=(K.MOTION_END,), hours="22:00-06:00",
                               zones=("riverbank",), severity=ORANGE)


@pytest.mark.parametrize(("ts", "raised"), [
    (local(21, 59, 59), False), (local(22, 0), True), (local(23, 59, 59), True), (local(0, 0, day=16), True),
    (local(5, 59, 59, day=16), True), (local(6, 0, day=16), False), (local(12, 0), False),
])
def test_device_event_hours_wrap_midnight_in_town_time(ts: float, raised: bool) -> None:
    event = DeviceEvent("CAM07", K.MOTION, ts, detail={"zone": "riverbank"})
    signals = only(NIGHT_MOTION).on_event(event)
    assert verdicts(signals) == ({"CAM07": ORANGE} if raised else {})


def test_device_event_hours_are_town_time_not_utc() -> None:
    utc_22 = datetime(2025, 6, 15, 22, 0, tzinfo=ZoneInfo("UTC")).timestamp()  # 06:00 in the town
    assert only(NIGHT_MOTION).on_event(DeviceEvent("CAM07", K.MOTION, utc_22, detail={"zone": "riverbank"})) == []


def test_device_event_zones_and_resolve_at_any_hour() -> None:
    rules = only(NIGHT_MOTION)
    night = local(23, 0)
    assert rules.on_event(DeviceEvent("CAM07", K.MOTION, night, detail={"zone": "road"})) == []
    assert rules.on_event(DeviceEvent("CAM07", K.MOTION, night)) == []
    raised = rules.on_event(DeviceEvent("CAM07", K.MOTION, night, "有人", {"zone": "riverbank"}))
    assert raised[0].message == "清溪河滨河步道天网 河岸 夜间河道有人（有人）"
    assert raised[0].detail == {"event": "motion", "zone": "riverbank"}
    assert verdicts(rules.on_event(DeviceEvent("CAM07", K.MOTION_END, local(12, 0)))) == {"CAM07": None}
    assert rules.on_event(DeviceEvent("CAM01", K.MOTION, night, detail={"zone": "riverbank"})) == []


def test_default_device_rules_offline_tamper_and_speaker_fault() -> None:
    rules = RuleSet.for_town(town_with(), T0)
    assert {(s.rule, s.severity) for s in rules.on_event(DeviceEvent("CAM03", K.TAMPER, T0))} == \
        {("camera-tamper", ORANGE)}
    assert {(s.rule, s.severity) for s in rules.on_event(DeviceEvent("SPK01", K.FAULT, T0))} == \
        {("speaker-fault", YELLOW)}
    assert {(s.rule, s.severity) for s in rules.on_event(DeviceEvent("RS01", K.OFFLINE, T0))} == \
        {("device-offline", YELLOW)}
    assert {(s.rule, s.severity) for s in rules.on_event(DeviceEvent("SPK01", K.ONLINE, T0))} == \
        {("device-offline", None), ("speaker-fault", None)}
    assert rules.on_event(DeviceEvent("RS01", K.TAMPER, T0)) == []


# --- matching and the defaults ----------------------------------------------------------------------

def matched(match: Match) -> set[str]:
    """The devices a rule with *match* reads (everyone reports a value beyond its only line)."""
    rule = ThresholdRule(id="probe", title="探测", quantity="water_level", match=match,
                         levels=(Level(severity=BLUE, at=0.0),))
    rules = only(rule)
    return {s.source for s in rules.on_readings([reading(d.id, "water_level", 1.0, T0) for d in rules.town.devices])}


def test_matching_by_devices_kinds_grids_villages_and_basins() -> None:
    assert matched(Match(devices=("RS01", "CAM01"))) == {"RS01", "CAM01"}
    assert matched(Match(kinds=("rain_gauge",))) == {"RG01", "RG02"}
    assert matched(Match(grids=("G06",))) == {"RS03", "CAM01"}
    assert matched(Match(villages=("shimen",))) >= {"RS01"}
    assert all(d.startswith(("RS01", "CAM", "SPK")) for d in matched(Match(villages=("shimen",))))
    assert matched(Match(basins=("lower",))) == {"RS03", "RS04", "RG02"}


def test_match_fields_combine_with_and() -> None:
    assert matched(Match(kinds=("river_station",), basins=("upper",))) == {"RS01", "RS02"}
    assert matched(Match(kinds=("camera",), grids=("G06", "G19"))) == {"CAM01"}
    assert matched(Match(devices=("RS01",), kinds=("rain_gauge",))) == set()


def test_every_device_is_matched_by_an_empty_match() -> None:
    town = town_with()
    assert matched(Match()) == {d.id for d in town.devices}


def test_a_configured_rule_replaces_the_default_of_the_same_id() -> None:
    mine = ThresholdRule(id="river-level", title="水位超警", quantity="water_level",
                         match=Match(kinds=(DeviceKind.RIVER_STATION.value,)),
                         levels=(Level(severity=YELLOW, at="warning_level", offset=-0.3),))
    extra = NoDataRule(id="quality-silent", title="水质站无数据", match=Match(kinds=("water_quality",)),
                       silent_s=3600)
    rules = RuleSet.for_town(town_with(mine, extra), T0)
    assert list(rules.rules) == [r.id for r in DEFAULT_RULES] + ["quality-silent"]
    assert rules.rules["river-level"] is mine
    assert verdicts(rules.on_readings([reading("RS01", "water_level", 57.7, T0)])) == {"RS01": YELLOW}
    assert verdicts(rules.on_readings([reading("RS01", "water_level", 60.0, T0 + 1)])) == {"RS01": YELLOW}


def test_without_defaults_only_the_configured_rules_run() -> None:
    rules = RuleSet.for_town(town_with(NIGHT_MOTION, default_rules=False), T0)
    assert list(rules.rules) == ["night-motion"]
    assert rules.on_readings([reading("RS01", "water_level", 99.0, T0)]) == []
    assert rules.on_tick(T0 + 86400) == []


def test_river_levels_fixture_is_what_the_tests_assume() -> None:
    devices = town_with().device_map()
    assert devices["RS01"].levels == RiverLevels(warning_level=58.0, guarantee_level=59.5)
    assert devices["RS02"].levels == RiverLevels(warning_level=57.3, guarantee_level=58.8)


def test_motion_ending_in_another_zone_does_not_clear_a_zone_alert() -> None:
    rule = DeviceEventRule(id="bank", title="河岸", match=Match(devices=("CAM07",)), raise_on=(K.MOTION,),
                           resolve_on=(K.MOTION_END,), zones=("riverbank",))
    rules = only(rule)
    assert verdicts(rules.on_event(DeviceEvent("CAM07", K.MOTION, T0, detail={"zone": "riverbank"}))) == \
        {"CAM07": Severity.YELLOW}
    assert rules.on_event(DeviceEvent("CAM07", K.MOTION_END, T0 + 5, detail={"zone": "road"})) == []
    assert verdicts(rules.on_event(DeviceEvent("CAM07", K.MOTION_END, T0 + 9, detail={"zone": "riverbank"}))) == \
        {"CAM07": None}
