"""An SL 651 session's replies and refusals, and the town file's checks of the sl651 section."""

from __future__ import annotations

import dataclasses

from hypothesis import example, given, settings
from hypothesis import strategies as st

from adapters.sl651.config import Sl651Config, check_section
from adapters.sl651.decode import Collected
from adapters.sl651.session import Session, StationBook
from hub.models import RejectReason
from hub.town import Device, DeviceKind, Town
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
    fed = s.feed(hex_frame(b"", 0x4A) + hex_frame(hex_body(""), centre=2), 0.0, out)
    assert fed.replies == [] and [d.reason for d in out.letters] == [RejectReason.UNSUPPORTED, RejectReason.BAD_FRAME]
    assert all(d.device == "SL01" for d in out.letters)


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
    assert check_section(dataclasses.replace(sample_town()).town, Sl651Config()) == []


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
