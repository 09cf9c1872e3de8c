"""Town files: the sample town is valid; every mistake is named with file, line and key."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hub.cli import app
from hub.registry import Registry
from hub.settings import DEFAULT_TOWN
from hub.townfile import load_town
from tests.support import broken_town, line_of, problems


def test_sample_town_has_the_seeds_shape() -> None:
    town = load_town(DEFAULT_TOWN, Registry.discover()).town
    assert Counter(v.kind.value for v in town.villages) == {"village": 11, "community": 1}
    assert sum(len(v.grids) for v in town.villages) == 43
    kinds = Counter(d.kind.value for d in town.devices)
    assert kinds["river_station"] + kinds["rain_gauge"] == 6
    assert kinds["water_quality"] == 2 and kinds["camera"] == 24 and kinds["speaker"] == 30
    assert Counter(t.kind.value for t in town.teams) == {"patrol": 12, "service": 1}


def test_unknown_key_is_named_with_its_line(tmp_path: Path) -> None:
    path = broken_town(tmp_path, "  timezone: Asia/Shanghai", "  timezone: Asia/Shanghai\n  mayor: 张三")
    assert problems(path) == [f"{path}:{line_of(path, 'mayor')}: town.mayor: unknown key"]


def test_bad_value_names_key_path_and_reason(tmp_path: Path) -> None:
    first_phone = yaml.safe_load(DEFAULT_TOWN.read_text(encoding="utf-8"))["villages"][0]["cadre"]["phone"]
    path = broken_town(tmp_path, f'phone: "{first_phone}"', 'phone: "12345"')
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:{line_of(path, '12345')}: villages[0].cadre.phone: String should match")


def test_unknown_grid_reference(tmp_path: Path) -> None:
    path = broken_town(tmp_path, "grid: G19", "grid: G99")
    (problem,) = problems(path)
    assert "devices[0].grid: unknown grid 'G99'" in problem


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    path = broken_town(tmp_path, "  timezone: Asia/Shanghai", "  timezone: Asia/Shanghai\n  timezone: UTC")
    assert any("town.timezone: duplicate key" in p for p in problems(path))


def test_adapter_section_is_validated(tmp_path: Path) -> None:
    path = broken_town(tmp_path, "profile: kd-telemetry", "profile: kd-telemetri")
    assert any("adapters.json.routes[0].profile: unknown profile 'kd-telemetri'" in p for p in problems(path))


def test_check_config_command(tmp_path: Path) -> None:
    runner = CliRunner()
    good = runner.invoke(app, ["check-config", str(DEFAULT_TOWN)])
    assert good.exit_code == 0, good.output
    assert "43" in good.output and "no errors" in good.output
    bad = runner.invoke(app, ["check-config", str(broken_town(tmp_path, "grid: G19", "grid: G99"))])
    assert bad.exit_code == 1
    assert "unknown grid 'G99'" in bad.output


def test_bad_broker_url_and_bad_setting_are_reported_not_raised() -> None:
    runner = CliRunner()
    url = runner.invoke(app, ["run", "--mqtt", "http://broker:1883"])
    assert url.exit_code == 2 and "scheme must be mqtt://" in url.output
    port = runner.invoke(app, ["run", "--http-port", "70000"])
    assert port.exit_code == 2 and "http_port" in port.output


def test_unknown_time_zone(tmp_path: Path) -> None:
    path = broken_town(tmp_path, "timezone: Asia/Shanghai", "timezone: Asia/Shangai")
    assert problems(path) == [f"{path}:{line_of(path, 'Shangai')}: town.timezone: "
                              "Value error, unknown time zone 'Asia/Shangai' (e.g. Asia/Shanghai)"]


def test_a_topic_or_address_used_twice_is_an_error(tmp_path: Path) -> None:
    town = yaml.safe_load(DEFAULT_TOWN.read_text(encoding="utf-8"))
    rs01, rs02 = town["devices"][0], town["devices"][1]
    path = broken_town(tmp_path, f'topic: "{rs02["topic"]}"', f'topic: "{rs01["topic"]}"')
    assert any(f"devices[1].topic: '{rs01['topic']}' is already used by device 'RS01'" in p for p in problems(path))
    path = broken_town(tmp_path, f'address: "{rs02["address"]}"', 'address: "RS01"')
    assert any("devices[1].address: 'RS01' is already used by device 'RS01'" in p for p in problems(path))


def test_mqtt_url_leaves_other_broker_settings_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.cli import _given, _settings
    from hub.settings import MqttSettings

    monkeypatch.setenv("GRIDHUB_MQTT__KEEPALIVE_S", "45")
    settings = _settings(mqtt=_given(MqttSettings.from_url("mqtt://hub:pw@10.0.0.5:1884")))
    assert settings.mqtt is not None
    assert (settings.mqtt.host, settings.mqtt.port, settings.mqtt.username) == ("10.0.0.5", 1884, "hub")
    assert settings.mqtt.keepalive_s == 45
