"""Splits a station's byte stream into SL 651 frames (either encoding) and junk, resynchronising at a start of frame.

Memory is bounded: at most one frame (the length field's 4095 bytes plus overhead)
and one read are held. A header whose length does not lead to an end character
and a right CRC costs only the bytes up to the next start of frame; while a frame
is unfinished, a whole valid frame later in the buffer proves its header bogus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

from adapters.sl651 import frame as fr
from adapters.sl651.frame import LAYOUTS, SOH_ASCII, SOH_HEX, Encoding, Frame, Header, HeaderError, crc16, parse_header
from hub.models import RejectReason

ENDS = fr.UPLINK_ENDS | {fr.EOT, fr.ACK, fr.NAK, fr.ESC}
JUNK_KEPT = 256  # bytes of a junk run kept for diagnosis


@dataclass(frozen=True, slots=True)
class Junk:
    """Bytes that are not a frame, with the reason; *station* when a readable header named one."""

    raw: bytes
    reason: RejectReason
    detail: str
    size: int
    station: str | None = None


Scanned = Frame | Junk


def _starts(buf: bytearray, begin: int) -> int:
    """The first offset from *begin* where a frame may start, or -1.

    HEX frames hold 01 and 7E bytes of their own (a centre address of 1 is common): only a
    start whose header, as far as it has arrived, could be one counts.
    """
    while True:
        hexed, ascii_ = buf.find(SOH_HEX, begin), buf.find(SOH_ASCII, begin)
        found = [k for k in (hexed, ascii_) if k != -1]
        if not found:
            return -1
        k = min(found)
        if _plausible(buf, k):
            return k
        begin = k + 1


def _plausible(buf: bytearray, k: int) -> bool:
    if buf.startswith(SOH_HEX, k):
        return len(buf) <= k + 11 or buf[k + 11] >> 4 in (0, fr.DOWN)
    head = bytes(buf[k + 1:k + LAYOUTS[Encoding.ASCII].header])
    return all(c in _HEX_DIGITS for c in head) and (len(head) < 19 or head[18] in b"08")


_HEX_DIGITS = frozenset(b"0123456789ABCDEFabcdef")


class FrameScanner:
    """Feed it reads, take back frames and junk."""

    def __init__(self, max_length: int = fr.MAX_LENGTH) -> None:
        self._max = min(max_length, fr.MAX_LENGTH)
        self._buf = bytearray()
        self._ending = False
        self._probe = _Probe(self._max)

    def pending(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Scanned]:
        """Everything complete after adding *data*."""
        self._buf += data
        return self._drain()

    def flush(self) -> list[Scanned]:
        """The end of the stream: an unfinished frame becomes junk ("truncated"), what follows it is read."""
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
        start = _starts(buf, 0)
        if start != 0:
            return self._skip(start)
        encoding = Encoding.HEX if buf.startswith(SOH_HEX) else Encoding.ASCII
        layout = LAYOUTS[encoding]
        if len(buf) < layout.header:
            return self._truncated(None) if self._ending else None
        try:
            header, length = parse_header(encoding, bytes(buf[:layout.header]))
        except HeaderError as exc:
            return self._resync(RejectReason.BAD_FRAME, str(exc))
        if length > self._max:
            return self._resync(RejectReason.OVERSIZE, f"length {length} > {self._max}", header.station)
        total = length + layout.overhead()
        if len(buf) < total:
            return self._unfinished(header)
        return self._complete(encoding, header, length, total)

    def _unfinished(self, header: Header) -> Junk | None:
        inner = self._later_frame(len(self._buf))
        if inner is not None:
            return self._cut(inner, RejectReason.BAD_LENGTH, "truncated: a whole frame follows", header.station)
        return self._truncated(header) if self._ending else None

    def _complete(self, encoding: Encoding, header: Header, length: int, total: int) -> Scanned:
        frame = _frame(encoding, header, length, bytes(self._buf[:total]))
        if isinstance(frame, Frame) and frame.crc_ok:
            self._cut(total)
            return frame
        inner = self._later_frame(len(self._buf), before=total)  # a cut-off frame whose length ran into the next
        if inner is not None:
            return self._cut(inner, RejectReason.BAD_LENGTH, "truncated: a whole frame follows", header.station)
        if isinstance(frame, Junk):
            return self._resync(frame.reason, frame.detail, header.station)
        self._cut(total)
        return frame

    def _later_frame(self, limit: int, before: int | None = None) -> int | None:
        """The offset of the first whole frame with a right CRC that starts after 0 (and before *before*) and
        ends by *limit* (the end of the buffer)."""
        return self._probe.first_frame(self._buf, min(limit, before or limit))

    def _skip(self, start: int) -> Scanned | None:
        buf = self._buf
        keep_tail = 1 if buf.endswith(b"\x7e") and not self._ending else 0  # the first half of a 7E 7E
        cut = start if start > 0 else len(buf) - keep_tail
        garbage = bytes(buf[:cut])
        self._cut(cut)
        if not garbage.strip():  # line noise between frames is not worth a reject
            return None if start < 0 else self._next()
        return Junk(garbage[:JUNK_KEPT], RejectReason.BAD_FRAME, f"{len(garbage)} bytes outside any frame",
                    len(garbage))

    def _truncated(self, header: Header | None) -> Junk:
        return self._resync(RejectReason.BAD_LENGTH, f"truncated: {len(self._buf)} bytes of an unfinished frame",
                            header.station if header else None, whole=True)

    def _resync(self, reason: RejectReason, detail: str, station: str | None = None, whole: bool = False) -> Junk:
        """Drop a start of frame that leads nowhere, and what follows it up to the next one."""
        nxt = -1
        if not whole:  # a HEX frame's bytes hold 01s: skip to a whole valid frame when one is there
            later = self._later_frame(len(self._buf))
            nxt = later if later is not None else _starts(self._buf, 1)
        if nxt == -1:
            nxt = len(self._buf)
        return self._cut(max(nxt, 1), reason, detail, station)

    @overload
    def _cut(self, n: int) -> None: ...

    @overload
    def _cut(self, n: int, reason: RejectReason, detail: str, station: str | None = None) -> Junk: ...

    def _cut(self, n: int, reason: RejectReason | None = None, detail: str = "",
             station: str | None = None) -> Junk | None:
        raw = bytes(self._buf[:n]) if reason is not None else b""
        del self._buf[:n]
        self._probe.reset()  # what it knew was about offsets that have moved
        return Junk(raw[:JUNK_KEPT], reason, detail, n, station) if reason is not None else None


class _Probe:
    """Candidate frames after the start of the buffer: each start parsed once, each frame judged once it is whole.

    Without it a frame dribbled in one byte per read, its body full of plausible starts,
    would be re-parsed on every read (quadratic: seconds of CPU for one 4 KB frame).
    """

    def __init__(self, max_length: int) -> None:
        self._max = max_length
        self.reset()

    def reset(self) -> None:
        self._seen = 1  # every start before this offset has been parsed
        self._open: list[tuple[int, int]] = []  # (start, end) of candidates not judged yet, in order

    def first_frame(self, buf: bytearray, before: int) -> int | None:
        """The first candidate starting before *before* that is a whole valid frame by the end of *buf*."""
        self._parse_new(buf)
        waiting: list[tuple[int, int]] = []
        found = None
        for i, (k, end) in enumerate(self._open):
            if k >= before or end > len(buf):  # not whole yet: judged on a later read
                waiting.append((k, end))
            elif _valid_at(buf, k, end):
                found = k
                waiting += self._open[i:]
                break
        self._open = waiting
        return found

    def _parse_new(self, buf: bytearray) -> None:
        while (k := _starts(buf, self._seen)) != -1:
            encoding = Encoding.HEX if buf.startswith(SOH_HEX, k) else Encoding.ASCII
            layout = LAYOUTS[encoding]
            if k + layout.header > len(buf):
                self._seen = k  # its header has not all arrived
                return
            self._seen = k + 1
            try:
                _, length = parse_header(encoding, bytes(buf[k:k + layout.header]))
            except HeaderError:
                continue
            if length <= self._max:
                self._open.append((k, k + length + layout.overhead()))
        self._seen = max(self._seen, len(buf) - 1)  # a trailing 7E may be half of a start


def _valid_at(buf: bytearray, k: int, end: int) -> bool:
    encoding = Encoding.HEX if buf.startswith(SOH_HEX, k) else Encoding.ASCII
    layout = LAYOUTS[encoding]
    try:
        header, length = parse_header(encoding, bytes(buf[k:k + layout.header]))
    except HeaderError:
        return False
    frame = _frame(encoding, header, length, bytes(buf[k:end]))
    return isinstance(frame, Frame) and frame.crc_ok


def _frame(encoding: Encoding, header: Header, length: int, raw: bytes) -> Frame | Junk:
    """The frame in *raw*, whose header and length have been read; Junk when its delimiters are wrong."""
    layout = LAYOUTS[encoding]
    start, end_at = raw[layout.header], len(raw) - layout.crc - 1
    if start not in (fr.STX, fr.SYN):
        return Junk(b"", RejectReason.BAD_FRAME, f"start character {start:02X} is neither STX nor SYN", 0)
    if raw[end_at] not in ENDS:
        return Junk(b"", RejectReason.BAD_LENGTH, f"no end character where length {length} says", 0)
    body_at = layout.header + 1
    packets = None
    if start == fr.SYN:
        info = raw[body_at:body_at + layout.packets]
        body_at += layout.packets
        packets = _packets(encoding, info)
        if packets is None or body_at > end_at:
            return Junk(b"", RejectReason.BAD_FRAME, "the packet count and serial are unreadable", 0)
    crc_text = raw[end_at + 1:]
    if encoding is Encoding.HEX:
        crc_ok = int.from_bytes(crc_text, "big") == crc16(raw[:end_at + 1])
    else:
        crc_ok = crc_text.upper() == b"%04X" % crc16(raw[:end_at + 1])
    return Frame(encoding, header, raw[body_at:end_at], raw[end_at], packets, raw, crc_ok)


def _packets(encoding: Encoding, info: bytes) -> tuple[int, int] | None:
    if encoding is Encoding.HEX:
        word = int.from_bytes(info, "big")
    elif len(info) == 6 and all(c in _HEX_DIGITS for c in info):
        word = int(info, 16)
    else:
        return None
    count, serial = word >> 12, word & 0xFFF
    return (count, serial) if 1 <= serial <= count else None
