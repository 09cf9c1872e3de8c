"""The data segment: header fields (QN, ST, CN, PW, MN, Flag, PNUM, PNO) and the CP body.

`QN=…;ST=32;CN=2011;PW=123456;MN=…;Flag=5;CP=&&DataTime=…;w01018-Rtd=12.3,w01018-Flag=N&&`
"""

from __future__ import annotations

from dataclasses import dataclass

FLAG_ACK = 0b01  # A: the station wants a reply
FLAG_SPLIT = 0b10  # D: the packet is one of several (PNUM, PNO)
_CP_OPEN = ";CP=&&"
_CP_CLOSE = "&&"
MAX_PARTS = 999  # PNUM beyond this is not a station's packet but an attack on our memory


class SegmentError(ValueError):
    """A data segment that cannot be parsed; the message says why."""


@dataclass(frozen=True, slots=True)
class Packet:
    """One parsed data segment."""

    qn: str
    st: str
    cn: str
    pw: str
    mn: str
    flag: int
    cp: str  # between the && marks
    pnum: int = 1
    pno: int = 1

    @property
    def wants_ack(self) -> bool:
        return bool(self.flag & FLAG_ACK)

    @property
    def split(self) -> bool:
        return self.pnum > 1


def parse_segment(segment: str) -> Packet:
    """Parse a data segment; SegmentError names the first problem."""
    head, sep, rest = segment.partition(_CP_OPEN)
    if not sep:
        if not segment.startswith("CP=&&"):
            raise SegmentError("no CP=&&…&& body")
        head, rest = "", segment[5:]
    if not rest.endswith(_CP_CLOSE):
        raise SegmentError("CP body does not end with &&")
    fields = _header(head)
    missing = [k for k in ("ST", "CN", "PW", "MN") if not fields.get(k)]
    if missing:
        raise SegmentError(f"missing {', '.join(missing)}")
    pnum, pno = _int(fields, "PNUM", 1), _int(fields, "PNO", 1)
    if not (1 <= pno <= pnum <= MAX_PARTS):
        raise SegmentError(f"PNO={pno} of PNUM={pnum} is not a part of a packet")
    return Packet(fields.get("QN", ""), fields["ST"], fields["CN"], fields["PW"], fields["MN"],
                  _int(fields, "Flag", 0), rest[:-2], pnum, pno)


def _header(head: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in head.split(";") if head else ():
        key, sep, value = item.partition("=")
        if not sep:
            raise SegmentError(f"header field {item[:40]!r} has no '='")
        fields[key] = value
    return fields


def _int(fields: dict[str, str], key: str, default: int) -> int:
    text = fields.get(key)
    if text is None:
        return default
    if not text.isdigit() or len(text) > 6:
        raise SegmentError(f"{key}={text[:20]!r} is not a number")
    return int(text)


def parse_cp(cp: str) -> list[tuple[str, str]]:
    """`DataTime=…;a-Rtd=1,a-Flag=N` → [(DataTime, …), (a-Rtd, 1), (a-Flag, N)]; SegmentError if malformed."""
    pairs: list[tuple[str, str]] = []
    for group in cp.split(";") if cp else ():
        for item in group.split(","):
            if not item:
                continue  # a trailing separator, as some stations send
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise SegmentError(f"CP item {item[:40]!r} is not key=value")
            pairs.append((key, value))
    return pairs


def reply(packet: Packet, cn: str, cp: str = "") -> str:
    """The platform's reply segment to *packet* (ST=91: system interaction; Flag=4: HJ 212-2017, no ack wanted)."""
    return f"QN={packet.qn};ST=91;CN={cn};PW={packet.pw};MN={packet.mn};Flag=4;CP=&&{cp}&&"


def data_ack(packet: Packet) -> str:
    """CN 9014: data received."""
    return reply(packet, "9014")


class QnRtn:
    """Request reply codes of CN 9011 (HJ 212-2017, table of QnRtn)."""

    PW_ERROR = 3
    MN_ERROR = 4
    CRC_ERROR = 9


def refusal(packet: Packet, code: int) -> str:
    """CN 9011 with a QnRtn code: why the station's packet was refused."""
    return reply(packet, "9011", f"QnRtn={code}")
