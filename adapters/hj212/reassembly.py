"""Split packets (Flag bit D, PNUM/PNO): parts held until all arrive, or given up after a timeout.

Bounded: at most *max_packets* incomplete packets and *max_bytes* of their
bodies; past either, the oldest is given up (and reported) to make room.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from adapters.hj212.packet import Packet

Key = tuple[str, str, str, int]  # MN, QN, CN, PNUM


@dataclass(slots=True)
class _Pending:
    first: Packet
    started: float
    raw: bytes  # the first part's segment, for the dead letter if it never completes
    parts: dict[int, str] = field(default_factory=dict)
    size: int = 0


@dataclass(frozen=True, slots=True)
class GivenUp:
    """An incomplete packet dropped by timeout or for room."""

    mn: str
    raw: bytes
    detail: str


class Reassembler:
    """Joins the CP bodies of a split packet in PNO order."""

    def __init__(self, timeout_s: float, max_packets: int = 64, max_bytes: int = 1 << 20) -> None:
        self._timeout_s = timeout_s
        self._max_packets = max_packets
        self._max_bytes = max_bytes
        self._pending: dict[Key, _Pending] = {}
        self._bytes = 0

    def add(self, packet: Packet, received: float, raw: bytes) -> tuple[Packet | None, list[GivenUp]]:
        """The whole packet once its last part is in (else None), and what had to be given up."""
        key = (packet.mn, packet.qn, packet.cn, packet.pnum)
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = _Pending(packet, received, raw[:256])
        old = pending.parts.get(packet.pno)
        pending.parts[packet.pno] = packet.cp
        grown = len(packet.cp) - (len(old) if old is not None else 0)
        pending.size += grown
        self._bytes += grown
        if len(pending.parts) == packet.pnum:
            self._drop(key)
            body = ";".join(pending.parts[i] for i in range(1, packet.pnum + 1))
            return dataclasses.replace(pending.first, cp=body, pnum=1, pno=1), []
        return None, self._make_room(received)

    def expire(self, now: float) -> list[GivenUp]:
        """Give up the packets older than the timeout."""
        late = [k for k, p in self._pending.items() if now - p.started > self._timeout_s]
        return [self._give_up(k, "timed out") for k in late]

    def __len__(self) -> int:
        return len(self._pending)

    def _make_room(self, now: float) -> list[GivenUp]:
        given = self.expire(now)
        while self._pending and (len(self._pending) > self._max_packets or self._bytes > self._max_bytes):
            given.append(self._give_up(next(iter(self._pending)), "dropped for room"))
        return given

    def _give_up(self, key: Key, why: str) -> GivenUp:
        pending = self._drop(key)
        got = ",".join(str(n) for n in sorted(pending.parts))
        return GivenUp(key[0], pending.raw, f"{why}: parts {got} of {key[3]} (QN={key[1]}, CN={key[2]})")

    def _drop(self, key: Key) -> _Pending:
        pending = self._pending.pop(key)
        self._bytes -= pending.size
        return pending
