"""The town file's `alerts:` section: every mistake is named with file, line and key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub.alerts.config import hours_window
from hub.registry import Registry
from hub.settings import DEFAULT_TOWN
from hub.townfile import load_town
from tests.support import line_of, problems


def town_file(tmp_path: Path, alerts: str) -> Path:
    """The sample town with *alerts* (YAML, indented under `alerts:`) appended."""
    path = tmp_path / "town.yaml"
    sample = re.sub(r"^alerts:\n(?:[ #].*\n|\n)*", "", DEFAULT_TOWN.read_text(encoding="utf-8"), flags=re.M)
    path.write_text(sample + "\nalerts:\n" + alerts, encoding="utf-8")
    return path



GOOD = """\
  duty_officer: {name: 王值班, phone: "13800000001"}
  escalation: {after_min: {red: 2}, repeat_min: 5}
  rules:
    - id: river-level
      type: threshold
      title: 水位接近警戒
      quantity: water_level
      match: {kinds: [river_station]}
      levels: [{severity: yellow, at: warning_level, offset: -0.5}]
    - id: night-motion
      type: device_event
      title: 夜间河道有人
      raise_on: [motion]
      hours: "22:00-06:00"
      zones: [riverbank]
    - id: level-and-rain
      type: combination
      title: 水位叠加降雨
      all_of: [river-level, rainfall]
      within: village
"""


def test_a_good_alerts_section_loads(tmp_path: Path) -> None:
    alerts = load_town(town_file(tmp_path, GOOD), Registry.discover()).town.alerts
    assert [r.id for r in alerts.rules] == ["river-level", "night-motion", "level-and-rain"]
    assert alerts.escalation.after_min == {"red": 2}
    assert alerts.duty_officer is not None and alerts.duty_officer.name == "王值班"


def test_unknown_grid_device_and_village_in_a_match(tmp_path: Path) -> None:
    path = town_file(tmp_path, """\
  rules:
    - id: probe
      type: threshold
      title: 测试
      quantity: water_level
      match:
        devices: [RS01, RS99]
        grids: [G99]
        villages: [nowhere]
      levels: [{severity: red, at: 1.0}]
""")
    assert problems(path) == [
        f"{path}:{line_of(path, 'RS99')}: alerts.rules[0].match.devices: unknown device 'RS99'",
        f"{path}:{line_of(path, 'G99')}: alerts.rules[0].match.grids: unknown grid 'G99'",
        f"{path}:{line_of(path, 'nowhere')}: alerts.rules[0].match.villages: unknown village 'nowhere'",
    ]


def test_unknown_device_kind_and_basin_in_a_match(tmp_path: Path) -> None:
    path = town_file(tmp_path, """\
  rules:
    - id: probe
      type: no_data
      title: 测试
      silent_s: 60
      match:
        kinds: [river_statoin]
        basins: [yangtze]
""")
    assert problems(path) == [
        f"{path}:{line_of(path, 'river_statoin')}: alerts.rules[0].match.kinds: unknown device kind 'river_statoin'",
        f"{path}:{line_of(path, 'yangtze')}: alerts.rules[0].match.basins: no device is in basin 'yangtze'",
    ]


def test_unknown_quantity(tmp_path: Path) -> None:
    path = town_file(tmp_path, """\
  rules:
    - id: probe
      type: threshold
      title: 测试
      quantity: water_lvl
      levels: [{severity: red, at: 1.0}]
""")
    assert problems(path) == [f"{path}:{line_of(path, 'water_lvl')}: alerts.rules[0].quantity: "
                              "unknown quantity 'water_lvl'"]


def test_derived_quantities_are_known(tmp_path: Path) -> None:
    path = town_file(tmp_path, """\
  rules:
    - id: rise-fast
      type: threshold
      title: 涨得快
      quantity: water_level_rise
      levels: [{severity: red, at: 1.0}]
    - id: rain-day
      type: threshold
      title: 日雨量
      quantity: rainfall_24h
      levels: [{severity: red, at: 250}]
""")
    assert [r.id for r in load_town(path, Registry.discover()).town.alerts.rules] == ["rise-fast", "rain-day"]


def test_unknown_rule_in_a_combination(tmp_path: Path) -> None:
    path = town_file(tmp_path, """\
  rules:
    - id: combo
      type: combination
      title: 组合
      all_of: [river-rise, no-such-rule]
""")
    assert problems(path) == [f"{path}:{line_of(path, 'all_of')}: alerts.rules[0].all_of: unknown rule 'no-such-rule'"]


def test_a_combination_cannot_name_defaults_that_are_switched_off(tmp_path: Path) -> None:
    path = town_file(tmp_path, """\
  default_rules: false
  rules:
    - id: combo
      type: combination
      title: 组合
      all_of: [river-rise, rainfall]
""")
    assert len(problems(path)) == 2


def test_duplicate_rule_ids(tmp_path: Path) -> None:
    path = town_file(tmp_path, """\
  rules:
    - {id: same, type: no_data, title: 甲, silent_s: 60}
    - {id: same, type: no_data, title: 乙, silent_s: 120}
""")
    assert problems(path) == [f"{path}:{line_of(path, '  rules:')}: alerts.rules: "
                              "Value error, duplicate rule id 'same'"]


@pytest.mark.parametrize(("hours", "reason"), [
    ("25:00-06:00", "'25:00-06:00': not a time of day"),
    ("22:00-06:60", "'22:00-06:60': not a time of day"),
    ("22-6", "'22-6': expected HH:MM-HH:MM"),
])
def test_bad_hours_are_reported(tmp_path: Path, hours: str, reason: str) -> None:
    path = town_file(tmp_path, f"""\
  rules:
    - id: night
      type: device_event
      title: 夜间
      raise_on: [motion]
      hours: "{hours}"
""")
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:")
    assert problem.endswith(f"Value error, {reason}")


def test_bad_hours_point_at_the_hours_line(tmp_path: Path) -> None:
    path = town_file(tmp_path, """\
  rules:
    - id: night
      type: device_event
      title: 夜间
      raise_on: [motion]
      hours: "25:00-06:00"
""")
    (problem,) = problems(path)
    line = line_of(path, '"25:00-06:00"')  # not just 'hours': the cases section has office hours too
    assert problem.startswith(f"{path}:{line}: alerts.rules[0].hours: ")


def test_unknown_key_in_a_rule(tmp_path: Path) -> None:
    path = town_file(tmp_path, """\
  rules:
    - id: probe
      type: threshold
      title: 测试
      quantity: water_level
      level: [{severity: red, at: 1.0}]
      levels: [{severity: red, at: 1.0}]
""")
    (problem,) = problems(path)
    assert problem.endswith("level: unknown key")


def test_hours_window_wraps_midnight_as_minutes() -> None:
    assert hours_window("22:00-06:00") == (22 * 60, 6 * 60)
    assert hours_window("00:00-23:59") == (0, 23 * 60 + 59)
