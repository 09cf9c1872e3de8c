"""What the centre sends HJ 212 stations, and how their replies read.

Set the time is CN=1012 with `SystemTime=YYYYMMDDhhmmss` (the town's local time), read it CN=1011 (the
station answers with a CN=1011 packet whose CP holds `SystemTime`, and the request's QN in its header or, in
older firmware, in its CP); the current data is asked with CN=2011, which makes the station upload a
real-time data packet. Both go with Flag=5 (HJ 212-2017, reply
wanted) and a QN of the hub's own (its local time to the millisecond). The station answers CN=9011 with
QnRtn=1 when it takes the request, then CN=9012 with ExeRtn=1 when it has done it, both carrying the
request's QN; a data packet carries the data.
"""

from __future__ import annotations

from datetime import datetime

from adapters.hj212.packet import Packet, parse_cp
from hub.station_commands import CommandKind

SET_TIME, REALTIME, REQUEST_REPLY, EXECUTION_REPLY, TIME_ASKED = "1012", "2011", "9011", "9012", "1013"
READ_TIME = "1011"
REPLIES = frozenset({REQUEST_REPLY, EXECUTION_REPLY})
CNS = {CommandKind.QUERY: REALTIME, CommandKind.SET_CLOCK: SET_TIME, CommandKind.READ_CLOCK: READ_TIME}
DONE = "1"  # QnRtn: the request is taken; ExeRtn: it was carried out


def command_frame(kind: CommandKind, qn: str, st: str, pw: str, mn: str, local: datetime) -> str:
    """The data segment of a command; *st* is the station's own system code, as it sent it."""
    cp = f"SystemTime={local:%Y%m%d%H%M%S}" if kind is CommandKind.SET_CLOCK else ""
    return f"QN={qn};ST={st};CN={CNS[kind]};PW={pw};MN={mn};Flag=5;CP=&&{cp}&&"


def qn_time(qn: str) -> datetime | None:
    """The station's clock as its QN (YYYYMMDDhhmmsszzz) gives it; None when the QN is no such time."""
    if len(qn) < 14 or not qn[:14].isdigit():
        return None
    try:
        return datetime.strptime(qn[:14], "%Y%m%d%H%M%S")
    except ValueError:
        return None


def return_code(packet: Packet) -> str:
    """QnRtn of a 9011, ExeRtn of a 9012; '' when it has none that reads."""
    try:
        fields = dict(parse_cp(packet.cp))
    except ValueError:
        return ""
    return fields.get("QnRtn" if packet.cn == REQUEST_REPLY else "ExeRtn", "")


def told_time(packet: Packet) -> tuple[str, datetime | None]:
    """A CN=1011 answer's QN (the request's: in the header, or in the CP as older firmware puts it) and the
    station's clock (`SystemTime`, local time); None when it does not read."""
    try:
        fields = dict(parse_cp(packet.cp))
    except ValueError:
        return packet.qn, None
    qn = fields.get("QN") or packet.qn
    try:
        return qn, datetime.strptime(fields.get("SystemTime", ""), "%Y%m%d%H%M%S")
    except ValueError:
        return qn, None
