"""What the centre sends SL 651 stations, and how their replies read.

Set the clock (4AH), read it (51H) and query the current data (37H) are downlink frames whose body is the
centre's serial number and its time (the time the clock is set to), ending with ENQ. The station answers with
an uplink frame of the same function: 37H with the body of a timed report (serial, send time, station,
category, observation time, elements), 4AH and 51H with the serial, send time (its clock) and station
identifier.
"""

from __future__ import annotations

from datetime import datetime

from adapters.sl651.frame import ENQ, Encoding, Header, encode
from hub.station_commands import CommandKind

QUERY_NOW, SET_CLOCK, READ_CLOCK = 0x37, 0x4A, 0x51
FUNCTIONS = {CommandKind.QUERY: QUERY_NOW, CommandKind.SET_CLOCK: SET_CLOCK, CommandKind.READ_CLOCK: READ_CLOCK}
KINDS = {function: kind for kind, function in FUNCTIONS.items()}


def command_frame(encoding: Encoding, header: Header, kind: CommandKind, serial: int, local: datetime) -> bytes:
    """The downlink frame asking *kind* of the station *header* names (its centre, address and password)."""
    stamp = local.strftime("%y%m%d%H%M%S")
    body = serial.to_bytes(2, "big") + bytes.fromhex(stamp) if encoding is Encoding.HEX \
        else f"{serial:04X} {stamp}".encode("ascii")
    down = Header(header.centre, header.station, header.password, FUNCTIONS[kind], downlink=True)
    return encode(encoding, down, body, ENQ)


def shown(raw: bytes) -> str:
    """A frame as the command log shows it: ASCII frames as text, HEX/BCD ones as spaced hex."""
    if raw[:1] == b"\x01":
        return raw.decode("ascii", "replace")
    return raw.hex(" ").upper()
