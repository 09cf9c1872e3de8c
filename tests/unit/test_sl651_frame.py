"""SL 651 framing: the CRC, both encodings read from hand-assembled frames, the encoder, the scanner's resync."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.sl651.frame import ETB, ETX, Encoding, Frame, Header, crc16, encode
from adapters.sl651.scanner import FrameScanner, Junk
from hub.models import RejectReason
from tests.sl651_support import PASSWORD, STATION, ascii_frame, hex_frame, ref_crc

HEADER = Header(1, STATION, PASSWORD, 0x32)


def test_crc_is_crc16_modbus() -> None:
    assert crc16(b"123456789") == ref_crc(b"123456789") == 0x4B37  # the catalogue's check value


def test_reads_a_hand_assembled_hex_frame() -> None:
    raw = hex_frame(b"\x00\x01abc", 0x34)
    [frame] = FrameScanner().feed(raw)
    assert isinstance(frame, Frame) and frame.crc_ok
    assert frame.encoding is Encoding.HEX and frame.header == Header(1, STATION, PASSWORD, 0x34)
    assert (frame.body, frame.end, frame.packets) == (b"\x00\x01abc", ETX, None)


def test_reads_a_hand_assembled_ascii_frame_and_multi_packet() -> None:
    raw = ascii_frame("0001 X", 0x31, end=ETB, packets=(3, 2), password="ABCD")
    [frame] = FrameScanner().feed(raw)
    assert isinstance(frame, Frame) and frame.crc_ok and frame.encoding is Encoding.ASCII
    assert (frame.header.password, frame.header.function, frame.body, frame.end, frame.packets) == (
        "ABCD", 0x31, b"0001 X", ETB, (3, 2))


def test_encoder_matches_the_hand_assembled_frames() -> None:
    assert encode(Encoding.HEX, HEADER, b"xyz") == hex_frame(b"xyz")
    assert encode(Encoding.ASCII, HEADER, b"xyz", ETB, (2, 1)) == ascii_frame("xyz", end=ETB, packets=(2, 1))


def test_downlink_header_puts_the_station_first() -> None:
    raw = encode(Encoding.HEX, Header(1, STATION, PASSWORD, 0x32, downlink=True), b"")
    assert raw[2:8] == bytes.fromhex(STATION + "01") and raw[11] >> 4 == 8
    [frame] = FrameScanner().feed(raw)
    assert isinstance(frame, Frame) and frame.header.downlink and frame.header.station == STATION


def _kinds(items: list[Frame | Junk]) -> list[str]:
    return [f"frame:{x.crc_ok}" if isinstance(x, Frame) else f"junk:{x.reason}" for x in items]


def test_bad_crc_is_a_frame_marked_bad() -> None:
    raw = bytearray(hex_frame(b"abc"))
    raw[-1] ^= 0xFF
    assert _kinds(FrameScanner().feed(bytes(raw))) == ["frame:False"]


def test_resynchronises_after_junk_truncation_and_oversize() -> None:
    good_h, good_a = hex_frame(b"abc"), ascii_frame("abc")
    oversize = bytearray(hex_frame(b"abc"))
    oversize[11:13] = b"\x0f\xff"
    stream = b"noise" + good_h + good_h[:16] + good_a + bytes(oversize) + good_a + b"\r\n" + good_h
    scanner = FrameScanner(max_length=1024)
    items = scanner.feed(stream) + scanner.flush()
    assert _kinds(items) == ["junk:bad_frame", "frame:True", "junk:bad_length", "frame:True", "junk:oversize",
                             "frame:True", "frame:True"]
    scanner, items = FrameScanner(max_length=1024), []
    for i in range(0, len(stream), 5):  # the same, read by read
        items += scanner.feed(stream[i:i + 5])
    items += scanner.flush()
    assert [x for x in _kinds(items) if x.startswith("frame")] == ["frame:True"] * 4
    assert scanner.pending() == 0


def test_truncated_at_the_end_of_the_stream() -> None:
    scanner = FrameScanner()
    assert scanner.feed(hex_frame(b"abcdef")[:-4]) == []
    [junk] = scanner.flush()
    assert isinstance(junk, Junk) and junk.reason is RejectReason.BAD_LENGTH and junk.station == STATION
    assert "truncated" in junk.detail


def test_a_frame_dribbled_byte_by_byte_costs_linear_time() -> None:
    """Its body full of plausible starts, each read must not re-parse them all (that took 8 s for 4 KB)."""
    for fake in (b"\x01" + b"0" * 22, b"\x01" + b"0" * 19 + b"3FF"):
        raw = hex_frame((fake * 200)[:4000])
        scanner, items = FrameScanner(), []
        started = time.perf_counter()
        for i in range(len(raw)):
            items += scanner.feed(raw[i:i + 1])
        assert time.perf_counter() - started < 3.0
        assert _kinds(items) == ["frame:True"]


def test_memory_stays_bounded_under_endless_garbage() -> None:
    scanner = FrameScanner()
    for _ in range(200):
        scanner.feed(b"x" * 4095 + b"\x7e")
        assert scanner.pending() <= 1


_NO_START = st.binary(max_size=40).map(lambda b: b.replace(b"\x01", b"").replace(b"\x7e", b""))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), _NO_START, st.sampled_from(list(Encoding)))
def test_round_trip_with_garbage_between(body: bytes, garbage: bytes, encoding: Encoding) -> None:
    if encoding is Encoding.ASCII:
        body = body.hex().encode()
    raw = encode(encoding, HEADER, body)
    scanner = FrameScanner()
    items = scanner.feed(garbage + raw + garbage + raw + garbage) + scanner.flush()
    assert sum(isinstance(x, Frame) and x.crc_ok and x.body == body for x in items) == 2
    assert all(isinstance(x, Frame) for x in items) or garbage.strip()
