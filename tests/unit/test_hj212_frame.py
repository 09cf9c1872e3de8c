"""HJ 212 framing: the CRC of the standard's annex, round trips, and a scanner that survives anything."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.hj212.frame import Frame, FrameScanner, Junk, crc16, encode
from adapters.hj212.packet import parse_cp, parse_segment
from hub.models import RejectReason

ANNEX = "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&"


def test_crc_vector_from_the_standard() -> None:
    assert len(ANNEX) == 101
    assert f"{crc16(ANNEX.encode()):04X}" == "1C80"
    assert encode(ANNEX) == b"##0101" + ANNEX.encode() + b"1C80\r\n"


def test_segment_round_trip() -> None:
    packet = parse_segment(ANNEX)
    assert (packet.qn, packet.st, packet.cn, packet.pw, packet.mn, packet.flag) == (
        "20160801085857223", "32", "1062", "100000", "010000A8900016F000169DC0", 5)
    assert packet.wants_ack and not packet.split
    assert parse_cp(packet.cp) == [("RtdInterval", "30")]
    assert parse_cp("DataTime=20160801085857;a-Rtd=1,a-Flag=N;b-Avg=2,") == [
        ("DataTime", "20160801085857"), ("a-Rtd", "1"), ("a-Flag", "N"), ("b-Avg", "2")]


def test_split_reads_several_frames_and_garbage() -> None:
    one = encode(ANNEX)
    stream = b"noise" + one + one + b"\r\n\r\n" + b"##12ab\r\n" + one
    scanner, items = FrameScanner(), []
    for i in range(0, len(stream), 7):
        items += scanner.feed(stream[i:i + 7])
    frames = [x for x in items if isinstance(x, Frame)]
    junk = [x.reason for x in items if isinstance(x, Junk)]
    assert len(frames) == 3 and all(f.crc_ok and f.segment == ANNEX.encode() for f in frames)
    assert junk == [RejectReason.BAD_FRAME, RejectReason.BAD_LENGTH]
    assert scanner.pending() == 0


def test_bad_crc_wrong_length_and_oversize() -> None:
    good = encode(ANNEX)
    bad_crc = good[:-6] + b"0000\r\n"
    short = b"##0100" + good[6:]  # the length says one byte less than there is
    items = FrameScanner(max_segment=1024).feed(bad_crc + short + b"##5000" + b"x" * 100 + good)
    assert items[0] == Frame(ANNEX.encode(), crc_ok=False)
    assert [type(x).__name__ for x in items] == ["Frame", "Junk", "Junk", "Frame"]
    assert [x.reason for x in items if isinstance(x, Junk)] == [RejectReason.BAD_LENGTH, RejectReason.OVERSIZE]


def test_memory_stays_bounded_under_endless_garbage() -> None:
    scanner = FrameScanner()
    for _ in range(1000):
        scanner.feed(b"#" + b"x" * 4095)
        assert scanner.pending() <= 1
    scanner.feed(b"##9999")
    for _ in range(10):
        scanner.feed(b"y" * 4096)
    assert scanner.pending() < 2 * 10012


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000), st.integers(min_value=1, max_value=64))
def test_random_bytes_never_crash_the_scanner(data: bytes, chunk: int) -> None:
    scanner = FrameScanner()
    for i in range(0, len(data), chunk):
        for item in scanner.feed(data[i:i + chunk]):
            if isinstance(item, Frame) and item.crc_ok:
                with contextlib.suppress(UnicodeDecodeError, ValueError):
                    parse_segment(item.segment.decode("ascii"))
    assert scanner.pending() <= 10012 + chunk


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_mutated_frame_costs_at_most_one_frames_worth_of_good_ones(data: st.DataObject) -> None:
    good = encode(ANNEX)
    mutated = bytearray(good)
    for _ in range(data.draw(st.integers(1, 5))):
        i = data.draw(st.integers(0, len(mutated) - 1))
        mutated[i] = data.draw(st.integers(0, 255))
    # A mutated length field may swallow up to 9999 bytes of what follows, never more.
    following = 10012 // len(good) + 2
    items = FrameScanner().feed(bytes(mutated) + b"\r\n" + good * following)
    assert isinstance(items[-1], Frame) and items[-1].crc_ok and items[-1].segment == ANNEX.encode()
