"""SL 651 frames assembled by hand from the standard's layout, with a CRC written apart from the parser's.

Nothing here imports adapters.sl651: a frame the parser reads must have been built
without it.
"""

from __future__ import annotations

STATION, STATION2 = "0012345678", "0012345679"
PASSWORD, PASSWORD2 = "1234", "ABCD"
CENTRE = 0x01


def ref_crc(data: bytes) -> int:
    """CRC-16/MODBUS bit by bit: reflected, polynomial 0x8005, register 0xFFFF."""
    reg = 0xFFFF
    for byte in data:
        for bit in range(8):
            feed = (byte >> bit) & 1
            top = reg & 1
            reg >>= 1
            if top ^ feed:
                reg ^= 0xA001
    return reg


def hex_frame(body: bytes, function: int = 0x32, *, station: str = STATION, password: str = PASSWORD,
              centre: int = CENTRE, end: int = 0x03, packets: tuple[int, int] | None = None) -> bytes:
    """7E 7E, centre, station (5), password (2), function, 0 + 12-bit length, STX|SYN [+ count], body, end, CRC."""
    info = (packets[0] * 4096 + packets[1]).to_bytes(3, "big") if packets else b""
    length = len(info) + len(body)
    out = bytes([0x7E, 0x7E, centre]) + bytes.fromhex(station) + bytes.fromhex(password) + bytes([function])
    out += bytes([length >> 8, length & 0xFF]) + bytes([0x16 if packets else 0x02]) + info + body + bytes([end])
    crc = ref_crc(out)
    return out + bytes([crc >> 8, crc & 0xFF])


def ascii_frame(body: str, function: int = 0x32, *, station: str = STATION, password: str = PASSWORD,
                centre: int = CENTRE, end: int = 0x03, packets: tuple[int, int] | None = None) -> bytes:
    """SOH, then the same header as hex digits, STX|SYN [+ 6 hex digits], body text, end, CRC as 4 hex digits."""
    info = f"{packets[0]:03X}{packets[1]:03X}" if packets else ""
    length = len(info) + len(body)
    text = f"{centre:02X}{station}{password}{function:02X}0{length:03X}"
    out = b"\x01" + text.encode() + bytes([0x16 if packets else 0x02]) + (info + body).encode() + bytes([end])
    return out + f"{ref_crc(out):04X}".encode()


def hex_body(elements: str, *, serial: int = 1, sent: str = "250601100005", station: str = STATION,
             category: str = "P", observed: str = "2506011000") -> bytes:
    """Serial (2), send time (BCD), F1F1 station (5) category, F0F0 observation time (BCD), then *elements* (hex)."""
    return (serial.to_bytes(2, "big") + bytes.fromhex(sent) + b"\xf1\xf1" + bytes.fromhex(station)
            + category.encode() + b"\xf0\xf0" + bytes.fromhex(observed) + bytes.fromhex(elements))


def ascii_body(elements: str, *, serial: int = 1, sent: str = "250601100005", station: str = STATION,
               category: str = "P", observed: str = "2506011000") -> str:
    return f"{serial:04X} {sent} ST {station} {category} TT {observed} {elements}"
