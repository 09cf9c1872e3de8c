"""What a telemetry station connection's reads give, whichever its protocol (HJ 212, SL 651)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.models import DeadLetter, DeviceEvent, DeviceStatusReport, Reading


@dataclass(slots=True)
class Collected:
    """What frames decoded into, until it is handed in as one batch."""

    readings: list[Reading] = field(default_factory=list)
    letters: list[DeadLetter] = field(default_factory=list)
    reports: list[DeviceStatusReport] = field(default_factory=list)
    events: list[DeviceEvent] = field(default_factory=list)  # e.g. SL 651's alarm bits as they change
    messages: int = 0


@dataclass(frozen=True, slots=True)
class Fed:
    """What one read (or message) gave: frames seen, how many were the station's own, and the replies owed."""

    frames: int
    replies: list[bytes]
    accepted: int = 0  # frames a known station sent with its right password: the connection is a station's
