"""Who may hold a connection to a TCP station port (HJ 212, SL 651): no flood of silent sockets shuts stations out.

A connection first *waits*: it has `first_frame_s` to send a valid frame (one whose
station signed in), and each IP address may have `max_waiting_per_address` waiting at
once; a newcomer past that evicts the oldest waiting one of its address. A connection
that sent a valid frame is a *station's*: it no longer counts against its address
(several stations may share a NAT) and is closed after `idle_timeout_s` without one.
When `max_connections` are held, a newcomer evicts the oldest waiting connection, else
the station connection idle longest if it has been idle longer than the first-frame
wait; if every station has just spoken, the newcomer is refused. Evicting the oldest
waiting connection rather than refusing the newest means an attacker cycles only his
own sockets: a station's connection is new, and proves itself with its first read.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from pydantic import Field

from hub.config_base import Strict

log = logging.getLogger(__name__)
LOG_EVERY_S = 60.0  # a flood evicts thousands: say so once a minute, with the counts, not once per socket


class ConnectionLimits(Strict):
    """The connection settings of a station port; a protocol's config section inherits them."""

    max_connections: int = Field(default=512, ge=1, le=65536,
                                 description="connections held at once; when full, the idlest gives way")
    max_waiting_per_address: int = Field(
        default=16, ge=1, le=65536,
        description="connections from one IP address that have not sent a valid frame yet; past it the oldest goes")
    first_frame_s: float = Field(default=60.0, gt=0, le=3600,
                                 description="close a connection that sends no valid frame this long after opening")
    idle_timeout_s: float = Field(default=900.0, gt=0, le=86400,
                                  description="close a station's connection after this long without a valid frame")


@dataclass(eq=False, slots=True)
class Admitted:
    """One connection the guard let in."""

    address: str
    opened: float
    abort: Callable[[], None]  # drops the connection at once (its handler then sees the end of the stream)
    last_frame: float | None = None  # when it last sent a valid frame; None while it waits for its first

    @property
    def station(self) -> bool:
        return self.last_frame is not None


class ConnectionGuard:
    """Admits, evicts and times out the connections of one station port (event loop only)."""

    def __init__(self, protocol: str, limits: ConnectionLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.protocol = protocol
        self._limits = limits
        self._clock = clock
        self._waiting: dict[Admitted, None] = {}  # in the order they opened: the first is the oldest
        self._waiting_at: dict[str, dict[Admitted, None]] = {}
        self._stations: set[Admitted] = set()
        self.counts: Counter[tuple[str, str]] = Counter()  # (refused | evicted | closed, why)
        self._logged = -LOG_EVERY_S

    def __len__(self) -> int:
        return len(self._waiting) + len(self._stations)

    def held(self) -> tuple[int, int]:
        """Connections waiting for their first valid frame, and stations' connections."""
        return len(self._waiting), len(self._stations)

    def admit(self, address: str, abort: Callable[[], None]) -> Admitted | None:
        """A new connection from *address*, after making room for it; None when it is refused."""
        here = self._waiting_at.get(address, {})
        if len(here) >= self._limits.max_waiting_per_address:
            self._evict(next(iter(here)), "per_address")
        if len(self) >= self._limits.max_connections:
            victim = self._idlest()
            if victim is None:
                self._count("refused", "full")
                return None
            self._evict(victim, "full")
        conn = Admitted(address, self._clock(), abort)
        self._waiting[conn] = None
        self._waiting_at.setdefault(address, {})[conn] = None
        return conn

    def valid_frame(self, conn: Admitted) -> None:
        """*conn* sent a frame whose station signed in."""
        if not conn.station and conn in self._waiting:
            self._forget(conn)
            self._stations.add(conn)
        conn.last_frame = self._clock()

    def read_timeout(self, conn: Admitted) -> float:
        """How long the next read of *conn* may wait before the connection is closed."""
        if conn.last_frame is None:
            wait = min(self._limits.first_frame_s, self._limits.idle_timeout_s)  # never longer than silence may last
            return max(0.0, conn.opened + wait - self._clock())
        return max(0.0, conn.last_frame + self._limits.idle_timeout_s - self._clock())

    def timed_out(self, conn: Admitted) -> str:
        """Count *conn* closed for its read timeout; why, for the log."""
        why = "idle" if conn.station else "no_valid_frame"
        self._count("closed", why)
        return why

    def closed(self, conn: Admitted, why: str) -> None:
        """Count *conn* closed by its handler for *why* (e.g. junk)."""
        self._count("closed", why)

    def release(self, conn: Admitted) -> None:
        """*conn* has ended (idempotent: an evicted one is already gone)."""
        self._forget(conn)
        self._stations.discard(conn)

    def _idlest(self) -> Admitted | None:
        if self._waiting:
            return next(iter(self._waiting))
        if not self._stations:
            return None
        idlest = min(self._stations, key=lambda c: c.last_frame or 0.0)
        quiet = self._clock() - (idlest.last_frame or 0.0)
        return idlest if quiet >= self._limits.first_frame_s else None

    def _evict(self, conn: Admitted, why: str) -> None:
        self.release(conn)
        conn.abort()
        self._count("evicted", why)

    def _forget(self, conn: Admitted) -> None:
        if conn not in self._waiting:
            return
        del self._waiting[conn]
        here = self._waiting_at[conn.address]
        del here[conn]
        if not here:
            del self._waiting_at[conn.address]

    def _count(self, what: str, why: str) -> None:
        self.counts[what, why] += 1
        now = self._clock()
        if what != "closed" and now - self._logged >= LOG_EVERY_S:
            self._logged = now
            log.warning("%s: %d connections held (%d waiting for a first frame); so far %s", self.protocol, len(self),
                        len(self._waiting), ", ".join(f"{w} {y}: {n}" for (w, y), n in sorted(self.counts.items())))

    def collector(self) -> Collector:
        """Its metrics, for the hub's registry."""
        return _GuardCollector(self)


class _GuardCollector(Collector):
    def __init__(self, guard: ConnectionGuard) -> None:
        self._guard = guard

    def collect(self) -> Iterable[GaugeMetricFamily | CounterMetricFamily]:
        g = self._guard
        held = GaugeMetricFamily("gridhub_station_connections", "Connections held by a station port",
                                 labels=["protocol", "state"])
        waiting, stations = g.held()
        held.add_metric([g.protocol, "waiting"], waiting)
        held.add_metric([g.protocol, "station"], stations)
        yield held
        for what, text in (("refused", "Connections refused because every held one is a busy station"),
                           ("evicted", "Connections dropped to make room for a newcomer"),
                           ("closed", "Connections closed: no valid frame in time, idle, or junk")):
            family = CounterMetricFamily(f"gridhub_station_connections_{what}", text, labels=["protocol", "why"])
            for (w, why), n in sorted(g.counts.items()):
                if w == what:
                    family.add_metric([g.protocol, why], n)
            yield family
