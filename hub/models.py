"""Canonical models that cross the hub: readings, device events, dead letters.

They are frozen slotted dataclasses rather than pydantic models because every
MQTT message creates one on the ingest hot path; validation happens in the
adapters that build them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Quality(StrEnum):
    """How far a reading can be trusted (HJ 212 data flags map onto these)."""

    GOOD = "good"
    SUSPECT = "suspect"
    MANUAL = "manual"
    MAINTENANCE = "maintenance"
    CALIBRATION = "calibration"
    STOPPED = "stopped"
    FAULT = "fault"
    OVER_RANGE = "over_range"
    COMM_FAULT = "comm_fault"


@dataclass(frozen=True, slots=True)
class Reading:
    """One measured value of one quantity at one device, in canonical units."""

    device: str
    quantity: str
    value: float
    unit: str
    ts: float  # UTC, seconds since the epoch
    quality: Quality = Quality.GOOD


class DeviceEventKind(StrEnum):
    """What happened to a device: its link, and what cameras and speakers report of themselves."""

    ONLINE = "online"
    OFFLINE = "offline"
    MOTION = "motion"  # detail: zone
    MOTION_END = "motion_end"
    TAMPER = "tamper"  # detail: what (covered, defocus, moved, frozen)
    TAMPER_END = "tamper_end"
    FAULT = "fault"  # e.g. a loudspeaker's amplifier
    FAULT_CLEARED = "fault_cleared"


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    """A change in a device's state, e.g. it went silent or came back."""

    device: str
    kind: DeviceEventKind
    ts: float
    reason: str = ""
    detail: dict[str, object] = field(default_factory=dict)


class RejectReason(StrEnum):
    """Why an incoming payload (or part of it) was not turned into readings."""

    NOT_JSON = "not_json"
    NOT_OBJECT = "not_object"
    OVERSIZE = "oversize"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    IMPOSSIBLE_VALUE = "impossible_value"
    UNKNOWN_UNIT = "unknown_unit"
    UNKNOWN_DEVICE = "unknown_device"
    BAD_TIME = "bad_time"
    NO_ROUTE = "no_route"
    DECODE_ERROR = "decode_error"  # the decoder itself failed: a bug, kept for diagnosis
    # Framed station protocols (HJ 212):
    BAD_FRAME = "bad_frame"  # bytes outside any frame, or a data segment that does not parse
    BAD_LENGTH = "bad_length"  # the frame's length field is not where the frame ends
    BAD_CRC = "bad_crc"
    WRONG_PASSWORD = "wrong_password"
    UNSUPPORTED = "unsupported"  # a well-formed command the hub does not take in
    INCOMPLETE = "incomplete"  # parts of a split packet that never completed


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A payload, or one field of it, that was rejected, kept with its reason."""

    source: str  # where it came from, e.g. "mqtt:vendorA/RS01/up"
    raw: bytes
    reason: RejectReason
    detail: str
    ts: float
    device: str | None = None


@dataclass(frozen=True, slots=True)
class DeviceStatusReport:
    """A device's own statement that it is on- or offline (e.g. its MQTT last will)."""

    device: str
    online: bool
    ts: float
    source: str
    reason: str = "last_will"  # why it is offline, e.g. no_frames from a camera's stream


@dataclass(frozen=True, slots=True)
class IngestBatch:
    """What an edge hands in at once: readings and the rejects found beside them."""

    readings: tuple[Reading, ...]
    dead_letters: tuple[DeadLetter, ...] = ()
    status_reports: tuple[DeviceStatusReport, ...] = ()
    messages: int = 0
    received: float = 0.0  # when the edge handed the batch in (UTC epoch seconds)
    # Called from the recorder's thread once the batch is committed: an edge acknowledges its messages then.
    committed: Callable[[], None] | None = field(default=None, compare=False, repr=False)

    def devices_heard(self) -> set[str]:
        """Devices that spoke in this batch, even those whose every value was rejected."""
        heard = {r.device for r in self.readings}
        heard.update(d.device for d in self.dead_letters if d.device is not None)
        return heard
