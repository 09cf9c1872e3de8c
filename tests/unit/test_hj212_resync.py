"""The scanner resynchronises after a bogus length at once: valid frames behind junk are never held or lost."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.hj212 import frame as framing
from adapters.hj212.frame import Frame, FrameScanner, Junk, Scanned, encode
from hub.models import RejectReason

GOOD = [encode(f"QN={i};ST=21;CN=2011;PW=123456;MN=WQ01;Flag=5;CP=&&DataTime=20261122100000;w01018-Rtd={i}&&")
        for i in range(10)]


def frames(items: list[Scanned]) -> list[bytes]:
    return [encode(x.segment.decode()) for x in items if isinstance(x, Frame) and x.crc_ok]


def junk(items: list[Scanned]) -> list[Junk]:
    return [x for x in items if isinstance(x, Junk)]


def test_a_frame_behind_a_bogus_length_comes_out_with_its_own_read() -> None:
    scanner = FrameScanner()
    assert scanner.feed(b"##9999abc") == []
    items = scanner.feed(GOOD[0])
    assert frames(items) == [GOOD[0]]
    assert [(j.reason, j.raw) for j in junk(items)] == [(RejectReason.BAD_LENGTH, b"##9999abc")]
    assert scanner.pending() == 0


def test_byte_by_byte_each_frame_comes_out_with_its_last_byte() -> None:
    scanner = FrameScanner()
    stream = b"##9999" + GOOD[0] + b"##0500xyz" + GOOD[1]
    out: list[Scanned] = []
    ends = {len(b"##9999" + GOOD[0]), len(stream)}
    for i in range(len(stream)):
        got = scanner.feed(stream[i:i + 1])
        assert (frames(got) != []) == (i + 1 in ends), i
        out += got
    assert frames(out) == GOOD[:2] and len(junk(out)) == 2


def test_a_bogus_length_that_ends_on_a_real_frames_crlf_is_junk() -> None:
    prefix = b"##%04d" % (2 + len(GOOD[0]) - 6)  # header, "xx", GOOD[0]: its CRLF is where this length ends
    items = FrameScanner().feed(prefix + b"xx" + GOOD[0] + GOOD[1])
    assert frames(items) == GOOD[:2]
    assert [j.raw for j in junk(items)] == [prefix + b"xx"]


def test_a_damaged_frame_is_still_a_frame_with_a_bad_crc() -> None:
    damaged = GOOD[0][:-6] + b"0000\r\n"
    items = FrameScanner().feed(damaged + GOOD[1])
    assert items == [Frame(damaged[6:-6], crc_ok=False), Frame(GOOD[1][6:-6])]


def test_flush_gives_up_an_unfinished_frame_as_one_dead_letter() -> None:
    scanner = FrameScanner()
    assert scanner.feed(GOOD[0] + b"##9999 nothing follows") == [Frame(GOOD[0][6:-6])]
    held = scanner.flush()
    assert [(j.reason, j.size) for j in junk(held)] == [(RejectReason.BAD_LENGTH, 22)]
    assert scanner.pending() == 0 and scanner.flush() == []


def test_probing_costs_about_what_arrives(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bad-CRC candidates under a bogus header, one byte per read: each is checked once, not once per read."""
    checked = [0]
    real = framing.crc16

    def counting(data: bytes) -> int:
        checked[0] += len(data)
        return real(data)

    monkeypatch.setattr(framing, "crc16", counting)
    candidate = b"##0100" + b"s" * 100 + b"0000\r\n"
    stream = b"##9999" + candidate * 80
    scanner = FrameScanner()
    for i in range(len(stream)):
        assert frames(scanner.feed(stream[i:i + 1])) == []
    assert checked[0] <= len(stream)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=120) | st.sampled_from([b"##9999", b"##0300", b"#", b"##", b"##00ab", b"\r\n"]),
                min_size=len(GOOD), max_size=len(GOOD)),
       st.integers(min_value=1, max_value=700))
def test_no_valid_frame_is_lost_among_any_junk(junks: list[bytes], chunk: int) -> None:
    stream = b"".join(j + g for j, g in zip(junks, GOOD, strict=True))
    scanner, out = FrameScanner(), []
    for i in range(0, len(stream), chunk):
        out += scanner.feed(stream[i:i + chunk])
    assert frames(out) == GOOD, "all frames come out before the stream ends"
    assert frames(scanner.flush()) == []


def test_a_frame_whose_segment_holds_hashes_is_still_a_frame() -> None:
    odd = encode("QN=1;ST=21;CN=2011;PW=123456;MN=WQ01;Flag=5;CP=&&DataTime=20261122100000;note=##0012&&")
    assert FrameScanner().feed(odd + GOOD[0]) == [Frame(odd[6:-6]), Frame(GOOD[0][6:-6])]
