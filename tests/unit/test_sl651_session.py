"""An SL 651 session's replies and refusals, and the town file's checks of the sl651 section."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from adapters.sl651.config import Sl651Config, check_section
from adapters.sl651.session import Session, StationBook
from adapters.stations import Collected
from hub.configfile import ConfigError
from hub.models import RejectReason
from hub.registry import Registry
from hub.settings import DEFAULT_TOWN
from hub.town import Device, DeviceKind, Town
from hub.townfile import load_town
from tests.sl651_support import STATION, hex_body, hex_frame
from tests.support import sample_town

EOT, ESC, ACK = 0x04, 0x1B, 0x06


def town(*addresses: str) -> Town:
    base = sample_town().town
    near = base.devices[0]
    added = [Device(id=f"SL{i:02d}", name="站", kind=DeviceKind.RAIN_GAUGE, adapter="sl651", address=a,
                    location=near.location, grid=near.grid) for i, a in enumerate(addresses, 1)]
    return base.model_copy(update={"devices": [*base.devices, *added]})


def session(**config: object) -> Session:
    return Session(StationBook(town(STATION), Sl651Config.model_validate({"password": "1234", **config})), "test")


def test_keep_alive_is_not_answered_and_reports_end_with_esc_or_eot() -> None:
    out = Collected()
    fed = session().feed(hex_frame(bytes.fromhex("0001 250601100005"), 0x2F) + hex_frame(hex_body("")), 0.0, out)
    assert fed.frames == 2 and fed.accepted == 2 and [r[-3] for r in fed.replies] == [ESC]
    fed = session(keep_online=False).feed(hex_frame(hex_body("")), 0.0, Collected())
    assert [r[-3] for r in fed.replies] == [EOT]


def test_other_function_codes_and_centres_are_rejected() -> None:
    out = Collected()
    s = session()
    fed = s.feed(hex_frame(b"", 0x40) + hex_frame(hex_body(""), centre=2), 0.0, out)
    assert fed.replies == [] and [d.reason for d in out.letters] == [RejectReason.UNSUPPORTED, RejectReason.BAD_FRAME]
    assert all(d.device == "SL01" for d in out.letters)


def test_a_reply_to_a_command_that_does_not_read_is_a_dead_letter_and_gets_no_reply() -> None:
    out = Collected()
    fed = session().feed(hex_frame(b"", 0x4A) + hex_frame(b"\x00\x01", 0x37), 0.0, out)
    assert fed.replies == [] and [d.reason for d in out.letters] == [RejectReason.BAD_FRAME] * 2
    assert "serial number and send time" in out.letters[0].detail


def test_a_body_naming_another_station_is_rejected() -> None:
    out = Collected()
    fed = session().feed(hex_frame(hex_body("26 19 00 12 34", station="0012345670")), 0.0, out)
    assert fed.accepted == 1 and not out.readings
    assert [(d.reason, d.device) for d in out.letters] == [(RejectReason.BAD_FRAME, "SL01")]
    assert "names station 0012345670" in out.letters[0].detail


def test_a_message_missing_packets_is_given_up() -> None:
    out = Collected()
    s = session(reassembly_timeout_s=10)
    fed = s.feed(hex_frame(hex_body("")[:10], end=0x17, packets=(2, 1)), 0.0, out)
    assert [r[-3] for r in fed.replies] == [ACK] and not out.letters
    s.expire(11.0, out)
    assert [(d.reason, d.device) for d in out.letters] == [(RejectReason.INCOMPLETE, "SL01")]


def test_section_checks() -> None:
    t = town(STATION, STATION, "12")
    problems = [p for _, p in check_section(t, Sl651Config(stations={"NOPE": {"password": "1111"}}))]  # type: ignore[dict-item]
    assert any("already used" in p for p in problems) and any("10 hex digits" in p for p in problems)
    assert any("no password" in p for p in problems) and any("no sl651 device 'NOPE'" in p for p in problems)
    sample = sample_town()
    assert check_section(sample.town, sample.sections["sl651"]) == []  # its SL 651 stations (RS04, RG02)
    others = sample.town.model_copy(update={"devices": [d for d in sample.town.devices if d.adapter != "sl651"]})
    assert check_section(others, Sl651Config()) == []  # a town without sl651 devices needs no section


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.integers(0, 400), st.integers(0, 255), st.sampled_from([0x31, 0x32, 0x35]))
@example(b"", 12, 0x44, 0x31)  # a longer length whose end falls on an ACK byte of the next frame: kept that frame
def test_a_session_never_raises_and_loses_no_later_frame(noise: bytes, at: int, byte: int, function: int) -> None:
    """Any corruption of a report costs at most that report: the good frame after it is still read."""
    report = bytearray(hex_frame(hex_body("04 18 00 00 05 39 23 00 01 00 00 F4 60" + " 00" * 12), function))
    report[at % len(report)] = byte
    good = hex_frame(hex_body("26 19 00 12 34"))
    out = Collected()
    s = session()
    fed = s.feed(noise + bytes(report) + good, 1.8e9, out)
    s.flush(1.8e9, out)
    assert fed.replies, "the good frame was not confirmed"
    assert any(r.quantity == "rainfall_total" and r.value == 123.4 for r in out.readings)


def _town_file(tmp_path: Path, section: dict[str, object], address: str = STATION) -> Path:
    doc = yaml.safe_load(DEFAULT_TOWN.read_text(encoding="utf-8"))
    near = next(d for d in doc["devices"] if d["id"] == "RG01")
    doc["devices"].append({"id": "SL01", "name": "站", "kind": "rain_gauge", "adapter": "sl651", "address": address,
                           "location": near["location"], "grid": near["grid"]})
    doc["adapters"]["sl651"] = section
    path = tmp_path / "town.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_a_town_file_with_sl651_stations_loads_and_typos_are_named(tmp_path: Path) -> None:
    loaded = load_town(_town_file(tmp_path, {"password": "1234", "listen": {"port": 9651}}), Registry.discover())
    assert isinstance(loaded.sections["sl651"], Sl651Config) and loaded.sections["sl651"].centre == 1
    with pytest.raises(ConfigError, match="passwrd"):
        load_town(_town_file(tmp_path, {"passwrd": "1234"}), Registry.discover())
    with pytest.raises(ConfigError, match="10 hex digits"):
        load_town(_town_file(tmp_path, {"password": "1234"}, address="RIVER-1"), Registry.discover())
