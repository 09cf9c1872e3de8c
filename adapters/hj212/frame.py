"""HJ 212 framing: `##` + 4-digit length + data segment + CRC (4 hex) + CRLF, and a stream scanner.

The scanner keeps at most one frame's worth of bytes (plus one read), so a
client that sends garbage forever costs bounded memory; garbage is reported
once per run, a bad frame once per frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

from hub.models import RejectReason

HEADER = b"##"
TRAILER = b"\r\n"
MAX_SEGMENT = 9999  # four decimal digits
_OVERHEAD = 6 + 4 + 2  # "##" + length, CRC, CRLF
JUNK_KEPT = 256  # bytes of a garbage run kept for diagnosis


def _crc_table() -> tuple[int, ...]:
    table = []
    for start in range(256):
        reg = start
        for _ in range(8):
            reg = (reg >> 1) ^ 0xA001 if reg & 1 else reg >> 1
        table.append(reg)
    return tuple(table)


_TABLE = _crc_table()


def crc16(data: bytes) -> int:
    """HJ 212-2017's CRC-16: register 0xFFFF; per byte reg = (reg >> 8) ^ byte, then 8 shifts with 0xA001.

    After `(reg >> 8) ^ byte` the register holds 8 bits, so the 8 shifts are one table lookup.
    """
    reg = 0xFFFF
    table = _TABLE
    for byte in data:
        reg = table[(reg >> 8) ^ byte]
    return reg


def encode(segment: str) -> bytes:
    """A complete frame around *segment* (ASCII)."""
    data = segment.encode("ascii")
    if len(data) > MAX_SEGMENT:
        raise ValueError(f"data segment of {len(data)} bytes is longer than {MAX_SEGMENT}")
    return b"%s%04d%s%04X%s" % (HEADER, len(data), data, crc16(data), TRAILER)


@dataclass(frozen=True, slots=True)
class Frame:
    """A delimited frame's data segment; *crc_ok* False when the CRC did not match."""

    segment: bytes
    crc_ok: bool = True


@dataclass(frozen=True, slots=True)
class Junk:
    """Bytes that are not a frame, with the reason."""

    raw: bytes  # the first JUNK_KEPT bytes
    reason: RejectReason
    detail: str
    size: int


Scanned = Frame | Junk


class FrameScanner:
    """Splits a byte stream into frames; feed it reads, take back frames and junk.

    A header whose length does not lead to CRLF and a valid CRC loses only the bytes up to the next
    `##`. While the frame at the start is unfinished, a whole valid frame later in the buffer proves
    that header bogus at once, so a `##9999` never holds back the frames behind it.
    """

    def __init__(self, max_segment: int = MAX_SEGMENT) -> None:
        self._max = min(max_segment, MAX_SEGMENT)
        self._buf = bytearray()
        self._probe = _Probe(self._max)
        self._ending = False

    def pending(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Scanned]:
        """Everything complete after adding *data*."""
        self._buf += data
        return self._drain()

    def flush(self) -> list[Scanned]:
        """The end of the stream: what is held of an unfinished frame becomes junk, the frames after it are read."""
        self._ending = True
        try:
            return self._drain()
        finally:
            self._ending = False

    def _drain(self) -> list[Scanned]:
        out: list[Scanned] = []
        while (item := self._next()) is not None:
            out.append(item)
        return out

    def _next(self) -> Scanned | None:
        buf = self._buf
        start = buf.find(HEADER)
        if start != 0:
            return self._skip_garbage(start)
        if len(buf) < 6:
            return self._resync(RejectReason.BAD_LENGTH, f"{len(buf)} bytes of an unfinished frame") \
                if self._ending else None
        digits = bytes(buf[2:6])
        if not digits.isdigit():
            return self._resync(RejectReason.BAD_LENGTH, f"length {digits!r} is not 4 digits")
        length = int(digits)
        if length > self._max:
            return self._resync(RejectReason.OVERSIZE, f"data segment of {length} bytes > {self._max}")
        return self._frame(length)

    def _frame(self, length: int) -> Scanned | None:
        """The frame at the start of the buffer whose header says *length*, once it is all there."""
        buf = self._buf
        end = length + _OVERHEAD
        if len(buf) < end:
            return self._unfinished(length)
        if buf[end - 2:end] != TRAILER:
            return self._resync(RejectReason.BAD_LENGTH, f"no CRLF where length {length} says the frame ends")
        segment = bytes(buf[6:6 + length])
        if HEADER in segment:  # a station's segment never holds `##`: is this a bogus header over real frames?
            inner = self._probe.first_frame(buf, end)
            if inner is not None:
                return self._cut(inner, RejectReason.BAD_LENGTH, f"length {length} runs over a whole frame")
        crc_ok = _crc_matches(bytes(buf[6 + length:end - 2]), segment)
        self._cut(end)
        return Frame(segment, crc_ok)

    def _unfinished(self, length: int) -> Junk | None:
        inner = self._probe.first_frame(self._buf, len(self._buf))
        if inner is not None:
            return self._cut(inner, RejectReason.BAD_LENGTH, f"length {length} runs over a whole frame")
        if self._ending:
            return self._resync(RejectReason.BAD_LENGTH, f"{len(self._buf)} bytes of an unfinished frame")
        return None

    def _skip_garbage(self, start: int) -> Scanned | None:
        buf = self._buf
        cut = start if start > 0 else len(buf) - (1 if buf.endswith(b"#") and not self._ending else 0)
        garbage = bytes(buf[:cut])
        self._cut(cut)
        if not garbage.strip():  # line noise between frames (stray CR/LF) is not worth a reject
            return None if start < 0 else self._next()
        return Junk(garbage[:JUNK_KEPT], RejectReason.BAD_FRAME, f"{len(garbage)} bytes outside any frame",
                    len(garbage))

    def _resync(self, reason: RejectReason, detail: str) -> Junk:
        """Drop a header that leads nowhere, and what follows it up to the next `##`."""
        buf = self._buf
        header = buf.find(HEADER, 1)
        if header == -1:
            header = len(buf) - (1 if buf.endswith(b"#") and not self._ending else 0)
        return self._cut(max(header, 1), reason, detail)

    @overload
    def _cut(self, n: int) -> None: ...

    @overload
    def _cut(self, n: int, reason: RejectReason, detail: str) -> Junk: ...

    def _cut(self, n: int, reason: RejectReason | None = None, detail: str = "") -> Junk | None:
        """Take *n* bytes off the start (as junk when a reason is given); what the probe knew is moot."""
        raw = bytes(self._buf[:n]) if reason is not None else b""
        del self._buf[:n]
        self._probe.reset()
        return Junk(raw[:JUNK_KEPT], reason, detail, n) if reason is not None else None


class _Probe:
    """The first whole valid frame after the start of the buffer: one at byte k proves bytes 0..k junk.

    Only a frame that ends before the next `##` counts (a station's segment never holds one), so at
    most one candidate, the latest `##`, is ever open: each `##` is parsed once, each candidate's CRC
    computed at most once over a span no other candidate shares, and a read costs what it adds.
    """

    def __init__(self, max_segment: int) -> None:
        self._max = max_segment
        self._seen = 1  # every `##` before this offset has been looked at (1: none)
        self._open: tuple[int, int] | None = None  # start and end of the latest `##`'s candidate frame

    def reset(self) -> None:
        """Forget the buffer, whose start has moved."""
        self._seen, self._open = 1, None

    def first_frame(self, buf: bytearray, before: int) -> int | None:
        """The offset of the first whole valid frame that ends by *before* (and by the next `##`), if any."""
        while (k := buf.find(HEADER, self._seen, before + 1)) != -1 and k + 6 <= len(buf):
            self._seen = k + 1
            if self._open is not None and self._close(buf, k):
                return self._open[0]
            digits = bytes(buf[k + 2:k + 6])
            self._open = (k, k + int(digits) + _OVERHEAD) if digits.isdigit() and int(digits) <= self._max else None
        if k == -1:
            self._seen = max(self._seen, min(before, len(buf) - 1))
        else:
            self._seen = k  # its length has not all arrived: look again
        if self._open is not None and self._open[1] <= min(len(buf), before) and self._close(buf, len(buf)):
            return self._open[0]
        return None

    def _close(self, buf: bytearray, next_header: int) -> bool:
        """Judge the open candidate, which no later `##` can change: True when it is a valid frame."""
        assert self._open is not None
        start, end = self._open
        valid = end <= next_header and buf[end - 2:end] == TRAILER and \
            _crc_matches(bytes(buf[end - 6:end - 2]), bytes(buf[start + 6:end - 6]))
        if not valid:
            self._open = None
        return valid


_HEX = frozenset(b"0123456789ABCDEFabcdef")


def _crc_matches(text: bytes, segment: bytes) -> bool:
    return all(c in _HEX for c in text) and int(text, 16) == crc16(segment)
