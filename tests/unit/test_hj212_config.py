"""The adapters.hj212 section: MNs, passwords and station names are checked against the town."""

from __future__ import annotations

from adapters.hj212.config import Hj212Config, check_section
from tests.support import sample_town

TOWN = sample_town().town


def with_devices(**changes: dict[str, object]) -> object:
    devices = [d.model_copy(update=changes[d.id]) if d.id in changes else d for d in TOWN.devices]
    return TOWN.model_copy(update={"devices": devices})


def test_sample_town_section_is_valid() -> None:
    assert check_section(TOWN, sample_town().sections["hj212"]) == []


def test_missing_password_duplicate_mn_and_unknown_station() -> None:
    town = with_devices(WQ02={"address": TOWN.device_map()["WQ01"].address}, RS01={"adapter": "hj212",
                                                                                    "address": "bad MN!"})
    problems = check_section(town, Hj212Config(stations={"WQ01": {"password": "1"}, "XX": {"password": "2"}}))
    reasons = sorted(reason for _, reason in problems)
    assert any("already used by device 'WQ01'" in r for r in reasons)
    assert any("needs its MN" in r for r in reasons)
    assert sum("no PW" in r for r in reasons) == 2  # RS01 and WQ02
    assert "no hj212 device 'XX'" in reasons
