"""How a simulated HJ 212 station answers the centre: set and read the time (CN=1012, CN=1011), upload
real-time data (CN=2011).

While it is connected the station reads every frame the hub sends: the hub's 9014 data replies go to the
sender waiting for them; a command is taken (9011 QnRtn=1), carried out (the clock set, or a real-time data
packet carrying the request's QN) and reported done (9012 ExeRtn=1).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from adapters.hj212.frame import Frame, FrameScanner, encode
from adapters.hj212.packet import Packet, SegmentError, parse_cp, parse_segment
from adapters.hj212.talk import READ_TIME, REALTIME, SET_TIME
from adapters.sim.stations import CHINA

if TYPE_CHECKING:
    from adapters.sim.hj212 import QualityStation


def packets(scanner: FrameScanner) -> Callable[[bytes], list[Packet]]:
    """The hub's packets in each read (frames that do not read left out)."""
    return lambda data: [p for p in map(_packet, scanner.feed(data)) if p is not None]


def _packet(frame: object) -> Packet | None:
    if not isinstance(frame, Frame) or not frame.crc_ok:
        return None
    try:
        return parse_segment(frame.segment.decode("ascii"))
    except (UnicodeDecodeError, SegmentError):
        return None


def command_answers(station: QualityStation, packet: Packet, now: float) -> list[bytes]:
    """The station's frames in answer to a command of the centre; none when *packet* is no command to it."""
    if packet.mn != station.device.address or packet.cn not in (SET_TIME, REALTIME, READ_TIME):
        return []
    taken = _system(packet, "9011", "QnRtn=1")
    if packet.cn == READ_TIME:
        shows = station.local(now).astimezone(CHINA)
        clock = encode(f"QN={packet.qn};ST={packet.st};CN={READ_TIME};PW={packet.pw};MN={packet.mn};Flag=4;"
                       f"CP=&&SystemTime={shows:%Y%m%d%H%M%S}&&")
        return [taken, clock, _system(packet, "9012", "ExeRtn=1")]
    if packet.cn == SET_TIME:
        told = dict(parse_cp(packet.cp)).get("SystemTime", "")
        try:
            local = datetime.strptime(told, "%Y%m%d%H%M%S")
        except ValueError:
            return [taken, _system(packet, "9012", "ExeRtn=3")]  # 3: command error
        station.clock_offset = local.replace(tzinfo=CHINA).timestamp() - now
        return [taken, _system(packet, "9012", "ExeRtn=1")]
    values = station.minute[-1] if station.minute else station.sample(0.0)  # what it measured last
    data = station.realtime(station.local(now), values, packet.qn)
    return [taken, data, _system(packet, "9012", "ExeRtn=1")]


def _system(packet: Packet, cn: str, cp: str) -> bytes:
    """A system-interaction reply (ST=91) carrying the request's QN."""
    return encode(f"QN={packet.qn};ST=91;CN={cn};PW={packet.pw};MN={packet.mn};Flag=4;CP=&&{cp}&&")
