"""The county file and a town file's county section: every mistake reported with its file and line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.configfile import ConfigError
from hub.county.config import inside, load_county
from hub.privacy import mask_name
from hub.registry import Registry
from hub.settings import DEFAULT_TOWN
from hub.townfile import load_town
from tests.support import line_of

SAMPLE = DEFAULT_TOWN.parent / "county.yaml"
GRIDHUB = str(Path(sys.executable).parent / "gridhub")
WIDE = {**os.environ, "COLUMNS": "500"}  # rich wraps its output at the terminal's width, 80 without one


def broken(tmp_path: Path, change: str, replacement: str) -> Path:
    text = SAMPLE.read_text(encoding="utf-8")
    assert change in text, change
    path = tmp_path / "county.yaml"
    path.write_text(text.replace(change, replacement, 1), encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_county(path)
    return [str(p) for p in info.value.problems]


def test_the_sample_county_loads() -> None:
    county = load_county(SAMPLE)
    assert [t.id for t in county.towns] == ["shangyuan", "qingxi", "hekou"]
    assert [r.town for r in county.basins[0].reaches] == ["shangyuan", "qingxi", "hekou"]
    assert county.basins[0].reaches[2].travel_min == 150


def test_an_unknown_key_names_its_line(tmp_path: Path) -> None:
    path = broken(tmp_path, "  timezone: Asia/Shanghai", "  timezone: Asia/Shanghai\n  timzone: x")
    assert problems(path) == [f"{path}:{line_of(path, 'timzone')}: county.timzone: unknown key"]


def test_a_river_town_the_county_lacks_names_its_line(tmp_path: Path) -> None:
    path = broken(tmp_path, "      - town: hekou", "      - town: hekuo")
    found = problems(path)
    assert len(found) == 1
    assert found[0].startswith(f"{path}:{line_of(path, 'town: hekuo')}: basins[0].reaches[2].town: unknown town")


def test_a_downstream_town_without_travel_time_names_its_line(tmp_path: Path) -> None:
    path = broken(tmp_path, "        travel_min: 150\n", "")
    assert problems(path) == [f"{path}:{line_of(path, '- town: hekou')}: basins[0].reaches[2].travel_min: "
                              "missing: minutes the water takes from the town above"]


def test_a_duplicate_town_names_its_line(tmp_path: Path) -> None:
    path = broken(tmp_path, "  - id: hekou", "  - id: qingxi  # twice")
    assert f"{path}:{line_of(path, 'qingxi  # twice')}: towns[2].id: duplicate town 'qingxi'" in problems(path)


def test_a_bad_admin_code_names_its_line(tmp_path: Path) -> None:
    path = broken(tmp_path, 'admin_code: "430499106000"', 'admin_code: "4304"')
    code_line = line_of(path, 'admin_code: "4304"')
    assert [p.split(": ")[0:2] for p in problems(path)] == [[f"{path}:{code_line}", "towns[2].admin_code"]]


def test_a_town_outline_names_its_line(tmp_path: Path) -> None:
    path = broken(tmp_path, "    outline: [[113.18, 27.17]", "    outline: [[113.18, 91.0]")
    [found] = problems(path)
    assert found == f"{path}:{line_of(path, '[[113.18, 91.0]')}: towns[2].outline[0][1]: " \
        "Input should be less than or equal to 54"
    path = broken(tmp_path, "    center: [113.26, 27.17]", "    center: [113.50, 27.17]")
    assert problems(path) == [f"{path}:{line_of(path, '[113.50, 27.17]')}: towns[2].center: "
                              "not inside the town's outline"]
    path = broken(tmp_path, "    outline: [[113.18, 27.17], [113.24, 27.12], [113.33, 27.13], [113.34, 27.20], "
                  "[113.20, 27.22]]", "    outline: [[113.18, 27.17], [113.24, 27.12]]")
    assert problems(path)[0].startswith(f"{path}:{line_of(path, '[113.24, 27.12]]')}: towns[2].outline: ")


def test_the_sample_towns_have_outlines_around_their_centers() -> None:
    for town in load_county(SAMPLE).towns:
        assert town.outline is not None and inside(town.center, town.outline), town.id


def test_gridhub_run_county_reports_the_line_and_exits(tmp_path: Path) -> None:
    path = broken(tmp_path, "  port: 8443", "  port: 99999")
    done = subprocess.run([GRIDHUB, "run", "--county", str(path), "--data-dir", str(tmp_path / "data")],
                          check=False, capture_output=True, text=True, timeout=60, env=WIDE)
    assert done.returncode == 1
    assert f"{path}:{line_of(path, 'port: 99999')}: link.port: Input should be less than or equal to 65535" \
        in done.stderr


def test_a_town_files_county_section_is_checked(tmp_path: Path) -> None:
    text = DEFAULT_TOWN.read_text(encoding="utf-8")
    path = tmp_path / "town.yaml"
    path.write_text(text + "\ncounty:\n  url: https://127.0.0.1:8443\n  ca_file: nowhere/county-ca.pem\n"
                    "  cert_file: nowhere/qingxi.pem\n  key_file: nowhere/qingxi.key\n  send: [alerts, weather]\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_town(path, Registry.discover())
    found = [str(p) for p in info.value.problems]
    assert any(p.startswith(f"{path}:{line_of(path, 'send:')}: county.send[1]:") for p in found), found
    path.write_text(text + "\ncounty:\n  url: https://127.0.0.1:8443\n  ca_file: nowhere/county-ca.pem\n"
                    "  cert_file: nowhere/qingxi.pem\n  key_file: nowhere/qingxi.key\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_town(path, Registry.discover())
    assert [str(p) for p in info.value.problems] == [
        f"{path}:{line_of(path, 'ca_file')}: county.ca_file: cannot read nowhere/county-ca.pem",
        f"{path}:{line_of(path, 'cert_file')}: county.cert_file: cannot read nowhere/qingxi.pem",
        f"{path}:{line_of(path, 'key_file')}: county.key_file: cannot read nowhere/qingxi.key"]


def test_names_leave_as_the_family_name_only() -> None:
    assert mask_name("王秀英") == "王**"
    assert mask_name("李") == "李*"


def test_gridhub_county_check_prints_the_rivers() -> None:
    done = subprocess.run([GRIDHUB, "county", "check", str(SAMPLE)], check=False, capture_output=True, text=True,
                          timeout=60, env=WIDE)
    assert done.returncode == 0, done.stderr
    assert "清溪河: shangyuan → qingxi → hekou" in done.stdout and "3 towns, 1 rivers, no errors" in done.stdout


def test_a_certificate_is_issued_only_to_a_town_of_the_county(tmp_path: Path) -> None:
    done = subprocess.run([GRIDHUB, "county", "issue-cert", "nowhere", "--county", str(SAMPLE), "--data-dir",
                           str(tmp_path / "county"), "--out", str(tmp_path / "certs")], check=False,
                          capture_output=True, text=True, timeout=60, env=WIDE)
    assert done.returncode == 2
    assert "no town 'nowhere' in the county file" in done.stderr
    assert not (tmp_path / "certs").exists()
