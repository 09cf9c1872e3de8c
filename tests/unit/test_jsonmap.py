"""The generic JSON adapter: field paths, units, and per-field rejection."""

from __future__ import annotations

import pytest

from adapters.jsonmap import CompiledProfile, FieldMap, JsonAdapterConfig, Profile, TimeField, parse_path
from hub.models import Quality, Reading, RejectReason
from tests.support import sample_town

NOW = 1_763_800_000.0  # 2025-11-22T08:26:40Z
SRC = "mqtt:test"


def profiles() -> dict[str, CompiledProfile]:
    section = sample_town().sections["json"]
    assert isinstance(section, JsonAdapterConfig)
    return {name: CompiledProfile(p, section.max_future_s) for name, p in section.profiles.items()}


def test_two_vendors_same_level_become_identical_readings() -> None:
    p = profiles()
    vendor_a = {"sn": "HY100001", "ts": int((NOW - 60) * 1000), "wl": 5432, "rain": 1.5}
    vendor_b = {"deviceId": "KD2300001", "time": "2025-11-22T16:25:40+08:00",
                "data": {"waterLevel": {"value": 54.32, "unit": "m"}, "rainfall": {"value": 15, "unit": "0.1mm"}}}
    a, a_letters = p["hy-level"].decode(vendor_a, "RS01", NOW, SRC, b"")
    b, b_letters = p["kd-telemetry"].decode(vendor_b, "RS01", NOW, SRC, b"")
    assert a_letters == b_letters == []
    assert set(a) == set(b) == {Reading("RS01", "water_level", 54.32, "m", NOW - 60, Quality.GOOD),
                                Reading("RS01", "rainfall", 1.5, "mm", NOW - 60, Quality.GOOD)}


@pytest.mark.parametrize(("payload", "reason"), [
    ({"ts": 1_763_799_000_000, "wl": "high", "rain": 1.0}, RejectReason.WRONG_TYPE),
    ({"ts": 1_763_799_000_000, "wl": True, "rain": 1.0}, RejectReason.WRONG_TYPE),
    ({"ts": 1_763_799_000_000, "wl": 99_000_000, "rain": 1.0}, RejectReason.IMPOSSIBLE_VALUE),
    ({"ts": 1_763_799_000_000, "rain": 1.0}, RejectReason.MISSING_FIELD),
    ({"ts": 1_763_799_000_000, "wl": [1], "rain": 1.0}, RejectReason.WRONG_TYPE),
])
def test_bad_field_costs_only_itself(payload: dict[str, object], reason: RejectReason) -> None:
    readings, letters = profiles()["hy-level"].decode(payload, "RS01", NOW, SRC, b"raw")
    assert [r.quantity for r in readings] == ["rainfall"]
    assert [d.reason for d in letters] == [reason]
    assert letters[0].device == "RS01"
    assert letters[0].detail


@pytest.mark.parametrize(("ts", "why"), [
    (None, "missing"), ("yesterday", "not a number"), (NOW * 1000 + 3_600_000, "future"), (0, "before 2000")])
def test_bad_time_rejects_whole_message(ts: object, why: str) -> None:
    payload = {"wl": 5000} if ts is None else {"ts": ts, "wl": 5000}
    readings, letters = profiles()["hy-level"].decode(payload, "RS01", NOW, SRC, b"")
    assert readings == []
    assert [d.reason for d in letters] == [RejectReason.BAD_TIME]
    assert why in letters[0].detail


def test_unit_from_payload_is_converted_or_rejected() -> None:
    kd = profiles()["kd-telemetry"]
    good = {"time": "2025-11-22T08:00:00Z", "data": {"waterLevel": {"value": 5432, "unit": "cm"}}}
    bad = {"time": "2025-11-22T08:00:00Z", "data": {"waterLevel": {"value": 5432, "unit": "furlong"}}}
    assert kd.decode(good, "RS03", NOW, SRC, b"")[0][0].value == pytest.approx(54.32)
    readings, letters = kd.decode(bad, "RS03", NOW, SRC, b"")
    assert readings == [] and letters[0].reason is RejectReason.UNKNOWN_UNIT


def test_iso_time_without_offset_is_rejected() -> None:
    kd = profiles()["kd-telemetry"]
    _, letters = kd.decode({"time": "2025-11-22T08:00:00", "data": {}}, "RS03", NOW, SRC, b"")
    assert letters[0].reason is RejectReason.BAD_TIME and "UTC offset" in letters[0].detail


def test_scale_and_offset_apply_before_unit_conversion() -> None:
    profile = Profile(time=TimeField(path="t", format="epoch_s"),
                      fields=[FieldMap(path="v[1].x", quantity="water_level", unit="cm", scale=10, offset=5)])
    readings, _ = CompiledProfile(profile, 300).decode({"t": NOW, "v": [{}, {"x": 500}]}, "D", NOW, SRC, b"")
    assert readings[0].value == pytest.approx(50.05)


def test_paths() -> None:
    assert parse_path("data.values[0].v") == ("data", "values", 0, "v")
    for bad in ("", "a..b", "a[x]", "a]"):
        with pytest.raises(ValueError, match="malformed"):
            parse_path(bad)


def test_unknown_quantity_in_profile_is_a_config_error() -> None:
    with pytest.raises(ValueError, match="unknown quantity"):
        FieldMap(path="x", quantity="water_levle")
