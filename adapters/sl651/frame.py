"""SL 651-2014 framing, both encodings: the header, the packet count, the end character and the CRC.

HEX/BCD frames start with 7E 7E; ASCII frames with SOH (01) and carry every
header field as hex digits. Upstream the header holds the centre's address first,
downstream the station's. The length (12 bits) counts what lies between the start
character (STX, or SYN and the 3-byte packet count/serial) and the end character,
the packet count included. The CRC (CRC-16/MODBUS, sent high byte first; as 4 hex
digits in ASCII) covers everything from the first byte through the end character.
"""

from __future__ import annotations

import re
import sys
from array import array
from dataclasses import dataclass
from enum import Enum

SOH_HEX = b"\x7e\x7e"
SOH_ASCII = b"\x01"
STX, SYN = 0x02, 0x16
ETX, ETB, ENQ, EOT, ACK, NAK, ESC = 0x03, 0x17, 0x05, 0x04, 0x06, 0x15, 0x1B
UPLINK_ENDS = frozenset({ETX, ETB, ENQ})  # what a station may end a frame with
MAX_LENGTH = 0xFFF  # the length field's 12 bits
DOWN = 0x8  # the up/down flag of a centre's frame
_HEX_DIGITS = re.compile(rb"[0-9A-Fa-f]+")


class Encoding(Enum):
    HEX = "hex"
    ASCII = "ascii"


@dataclass(frozen=True, slots=True)
class Layout:
    """Where an encoding puts its fields: sizes in bytes on the wire."""

    soh: bytes
    header: int  # start of frame through the up/down flag and length
    packets: int  # the packet count and serial after SYN
    crc: int

    def overhead(self) -> int:
        """Bytes of a frame besides what its length counts: header, start and end characters, CRC."""
        return self.header + 2 + self.crc


LAYOUTS = {Encoding.HEX: Layout(SOH_HEX, 13, 3, 2), Encoding.ASCII: Layout(SOH_ASCII, 23, 6, 4)}


def crc16(data: bytes) -> int:
    """The standard's CRC-16: register 0xFFFF, reflected polynomial 0xA001, no final XOR (CRC-16/MODBUS).

    Two bytes a step: the register is 16 bits wide, so a little-endian word XORed into it and two bytes'
    shifts give the same register as two one-byte steps, with half the Python loop (a frame's CRC is the
    costliest line of its checks)."""
    reg = 0xFFFF
    even = len(data) & ~1
    words = array("H", data[:even])
    if sys.byteorder == "big":
        words.byteswap()
    for word in words:
        reg = _TABLE2[reg ^ word]
    if even != len(data):
        reg = _TABLE[(reg ^ data[-1]) & 0xFF] ^ (reg >> 8)
    return reg


def _crc_table() -> tuple[int, ...]:
    table = []
    for start in range(256):
        reg = start
        for _ in range(8):
            reg = (reg >> 1) ^ 0xA001 if reg & 1 else reg >> 1
        table.append(reg)
    return tuple(table)


def _crc_table2(table: tuple[int, ...]) -> tuple[int, ...]:
    """The register after two zero bytes, for each register: the two-byte step's table."""
    def twice(reg: int) -> int:
        reg = table[reg & 0xFF] ^ (reg >> 8)
        return table[reg & 0xFF] ^ (reg >> 8)

    return tuple(twice(reg) for reg in range(0x10000))


_TABLE = _crc_table()
_TABLE2 = _crc_table2(_TABLE)


@dataclass(frozen=True, slots=True)
class Header:
    """A frame's addressing: who sent it to whom, with which password and function code."""

    centre: int  # 1..255
    station: str  # 10 hex digits (BCD digits for hydrological stations)
    password: str  # 4 hex digits
    function: int
    downlink: bool = False


@dataclass(frozen=True, slots=True)
class Frame:
    """One delimited frame; *crc_ok* False when the CRC did not match (the fields are then untrusted)."""

    encoding: Encoding
    header: Header
    body: bytes  # after the start character and packet count, before the end character
    end: int
    packets: tuple[int, int] | None  # (count, serial from 1) when the frame starts with SYN
    raw: bytes
    crc_ok: bool = True


def encode(encoding: Encoding, header: Header, body: bytes, end: int = ETX,
           packets: tuple[int, int] | None = None) -> bytes:
    """A complete frame (tests, replies and simulated stations build theirs with it)."""
    layout = LAYOUTS[encoding]
    length = len(body) + (layout.packets if packets else 0)
    if length > MAX_LENGTH:
        raise ValueError(f"body of {length} bytes is longer than {MAX_LENGTH}")
    if encoding is Encoding.HEX:
        data = _hex_header(header, length) + bytes([SYN if packets else STX])
        data += _hex_packets(*packets) if packets else b""
        data += body + bytes([end])
        return data + crc16(data).to_bytes(2, "big")
    data = _ascii_header(header, length) + bytes([SYN if packets else STX])
    data += b"%03X%03X" % packets if packets else b""
    data += body + bytes([end])
    return data + b"%04X" % crc16(data)


def _hex_header(h: Header, length: int) -> bytes:
    centre, station = bytes([h.centre]), bytes.fromhex(h.station)
    addresses = station + centre if h.downlink else centre + station
    flag = (DOWN if h.downlink else 0) << 12
    return SOH_HEX + addresses + bytes.fromhex(h.password) + bytes([h.function]) + (flag | length).to_bytes(2, "big")


def _hex_packets(count: int, serial: int) -> bytes:
    return ((count << 12) | serial).to_bytes(3, "big")


def _ascii_header(h: Header, length: int) -> bytes:
    centre, station = b"%02X" % h.centre, h.station.upper().encode("ascii")
    addresses = station + centre if h.downlink else centre + station
    flag = b"8" if h.downlink else b"0"
    return SOH_ASCII + addresses + h.password.upper().encode("ascii") + b"%02X" % h.function + flag + b"%03X" % length


class HeaderError(ValueError):
    """The bytes at a start of frame are no SL 651 header."""


def parse_header(encoding: Encoding, head: bytes) -> tuple[Header, int]:
    """The header and the length field of the first `LAYOUTS[encoding].header` bytes of a frame."""
    text = head[2:].hex().upper() if encoding is Encoding.HEX else _ascii_text(head)
    # Both encodings now read alike as hex digits: addresses (12), password (4), function (2), flag+length (4).
    flag, length, function = int(text[18], 16), int(text[19:22], 16), int(text[16:18], 16)
    if flag not in (0, DOWN):
        raise HeaderError(f"up/down flag {flag:X} is neither 0 nor 8")
    down = flag == DOWN
    centre, station = (text[10:12], text[0:10]) if down else (text[0:2], text[2:12])
    return Header(int(centre, 16), station, text[12:16], function, down), length


def _ascii_text(head: bytes) -> str:
    if not _HEX_DIGITS.fullmatch(head[1:]):
        raise HeaderError("ASCII header holds a character that is not a hex digit")
    return head[1:].decode("ascii").upper()
