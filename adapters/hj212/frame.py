"""HJ 212 framing: `##` + 4-digit length + data segment + CRC (4 hex) + CRLF, and a stream scanner.

The scanner keeps at most one frame's worth of bytes (plus one read), so a
client that sends garbage forever costs bounded memory; garbage is reported
once per run, a bad frame once per frame.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """Splits a byte stream into frames; feed it reads, take back frames and junk."""

    def __init__(self, max_segment: int = MAX_SEGMENT) -> None:
        self._max = min(max_segment, MAX_SEGMENT)
        self._buf = bytearray()

    def pending(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Scanned]:
        """Everything complete after adding *data*."""
        self._buf += data
        out: list[Scanned] = []
        while True:
            item = self._next()
            if item is None:
                return out
            out.append(item)

    def _next(self) -> Scanned | None:
        buf = self._buf
        start = buf.find(HEADER)
        if start != 0:
            return self._skip_garbage(start)
        if len(buf) < 6:
            return None
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
        end = 6 + length + 6
        if len(buf) < end:
            return None
        if buf[end - 2:end] != TRAILER:
            return self._resync(RejectReason.BAD_LENGTH, f"no CRLF where length {length} says the frame ends")
        segment = bytes(buf[6:6 + length])
        crc = bytes(buf[6 + length:end - 2])
        del buf[:end]
        return Frame(segment, _crc_matches(crc, segment))

    def _skip_garbage(self, start: int) -> Scanned | None:
        buf = self._buf
        cut = start if start > 0 else len(buf) - (1 if buf.endswith(b"#") else 0)
        garbage = bytes(buf[:cut])
        del buf[:cut]
        if not garbage.strip():  # line noise between frames (stray CR/LF) is not worth a reject
            return None if start < 0 else self._next()
        return Junk(garbage[:JUNK_KEPT], RejectReason.BAD_FRAME, f"{len(garbage)} bytes outside any frame",
                    len(garbage))

    def _resync(self, reason: RejectReason, detail: str) -> Junk:
        """Drop a frame whose header is wrong: through its CRLF if one comes before the next `##`."""
        buf = self._buf
        crlf, header = buf.find(TRAILER, 2), buf.find(HEADER, 2)
        if crlf != -1 and (header == -1 or crlf < header):
            cut = crlf + 2
        elif header != -1:
            cut = header
        else:
            cut = len(buf)
        raw = bytes(buf[:cut])
        del buf[:cut]
        return Junk(raw[:JUNK_KEPT], reason, detail, len(raw))

    def drop_partial(self) -> Junk | None:
        """What is held of an unfinished frame, given up (a message that must be whole, as on MQTT)."""
        raw = bytes(self._buf)
        self._buf.clear()
        if not raw.strip():
            return None
        return Junk(raw[:JUNK_KEPT], RejectReason.BAD_LENGTH, f"{len(raw)} bytes of an unfinished frame", len(raw))


_HEX = frozenset(b"0123456789ABCDEFabcdef")


def _crc_matches(text: bytes, segment: bytes) -> bool:
    return all(c in _HEX for c in text) and int(text, 16) == crc16(segment)
