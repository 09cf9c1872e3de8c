"""How a simulated SL 651 station answers the centre: its clock set (4AH) and read (51H), its current data (37H).

While it is connected the station reads every frame the hub sends: confirmations of its reports go to the
sender waiting for them; commands are answered at once, echoing the command's serial number.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from adapters.sl651.frame import ENQ, ETX, Encoding, Frame, Header, encode
from adapters.sl651.report import ReportError, serial_and_time
from adapters.sl651.scanner import FrameScanner
from adapters.sl651.talk import QUERY_NOW, READ_CLOCK, SET_CLOCK
from hub.clock import Clock

if TYPE_CHECKING:
    from adapters.sim.sl651 import HydroStation


def frames(scanner: FrameScanner) -> Callable[[bytes], list[Frame]]:
    """The hub's frames in each read (junk between them left out)."""
    return lambda data: [f for f in scanner.feed(data) if isinstance(f, Frame)]


def answers(station: HydroStation, clock: Clock) -> Callable[[Frame], list[bytes]]:
    """The station's answer to each command of the centre; none for the hub's other frames."""
    return lambda frame: [a for a in (command_answer(station, frame, clock()),) if a is not None]


def command_answer(station: HydroStation, frame: Frame, now: float) -> bytes | None:
    """The station's answer to a command of the centre; None when *frame* is no command to it."""
    h = frame.header
    if not (frame.crc_ok and h.downlink and h.station == station.header.station and frame.end == ENQ):
        return None
    try:
        serial, told = serial_and_time(frame.encoding, frame.body)
    except ReportError:
        return None
    if h.function == SET_CLOCK:
        station.clock_offset = told.replace(tzinfo=station.tz).timestamp() - now
        body = _clock_body(station, serial, station.local(now))
    elif h.function == READ_CLOCK:
        body = _clock_body(station, serial, station.local(now))
    elif h.function == QUERY_NOW:
        body = station.body(serial, station.local(now), station.values())
    else:
        return None
    up = Header(station.header.centre, station.header.station, station.header.password, h.function)
    return encode(station.encoding, up, body, ETX)


def _clock_body(station: HydroStation, serial: int, local: datetime) -> bytes:
    """Serial, send time (by its clock) and the station identifier."""
    stamp = local.strftime("%y%m%d%H%M%S")
    if station.encoding is Encoding.HEX:
        return serial.to_bytes(2, "big") + bytes.fromhex(stamp) + b"\xf1\xf1" + bytes.fromhex(station.header.station)
    return f"{serial:04X} {stamp} ST {station.header.station}".encode("ascii")
