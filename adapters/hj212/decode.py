"""A packet's CP body → readings with quality, per-field dead letters and status reports.

Real-time values (`-Rtd`) become the canonical quantity (`cod`); minute, hourly
and daily statistics become `cod.avg_1m`, `cod.max_1h` …, so a station's mean and
its real-time value at the same time never overwrite each other. Unknown codes
are kept as `hj212:<code>` (value as sent, no unit, no bounds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Protocol

from adapters.hj212.factors import FACTORS, raw_key
from adapters.hj212.packet import Packet, SegmentError, parse_cp
from hub.models import DeadLetter, DeviceStatusReport, Quality, Reading, RejectReason

WINDOWS = {"2011": "", "2051": "1m", "2061": "1h", "2031": "1d"}  # data commands → statistic window
STATUS_CN = "2021"  # running state of the treatment facilities: `SB1-RS=1`
STATISTICS = frozenset({"Avg", "Min", "Max", "Cou"})
IGNORED_SUFFIXES = frozenset({"SampleTime", "EFlag"})  # times and equipment flags: not values
QUALITY = {"N": Quality.GOOD, "F": Quality.STOPPED, "M": Quality.MAINTENANCE, "S": Quality.MANUAL,
           "D": Quality.FAULT, "C": Quality.CALIBRATION, "T": Quality.OVER_RANGE, "B": Quality.COMM_FAULT}
EARLIEST = 946684800.0  # 2000-01-01: an RTU whose clock was never set


class Sink(Protocol):
    """Where decoded results go: a TCP connection's batch, or the MQTT ingest's."""

    readings: list[Reading]
    letters: list[DeadLetter]
    reports: list[DeviceStatusReport]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where the packet being decoded came from, for readings and dead letters."""

    device: str
    received: float
    source: str
    raw: bytes

    def letter(self, reason: RejectReason, detail: str) -> DeadLetter:
        return DeadLetter(self.source, self.raw, reason, detail, self.received, self.device)


class PacketDecoder:
    """Decodes authenticated, reassembled packets; never raises for bad input."""

    def __init__(self, tz: tzinfo, max_future_s: float) -> None:
        self._tz = tz
        self._max_future_s = max_future_s

    def decode(self, packet: Packet, origin: Origin, out: Sink) -> None:
        """Readings for every good value of *packet*; a bad value costs only itself."""
        window = WINDOWS.get(packet.cn)
        if window is None and packet.cn != STATUS_CN:
            out.letters.append(origin.letter(RejectReason.UNSUPPORTED, f"CN={packet.cn} is not a data upload"))
            return
        try:
            pairs = parse_cp(packet.cp)
            ts = self._time(dict(pairs).get("DataTime"), origin.received)
        except SegmentError as exc:
            out.letters.append(origin.letter(RejectReason.BAD_FRAME, str(exc)))
            return
        except ValueError as exc:
            out.letters.append(origin.letter(RejectReason.BAD_TIME, str(exc)))
            return
        if window is None:
            out.reports.append(DeviceStatusReport(origin.device, True, ts, origin.source))
        flags = {k[:-5]: v for k, v in pairs if k.endswith("-Flag")}
        for key, text in pairs:
            if key != "DataTime" and not key.endswith("-Flag"):
                self._value(key, text, ts, window or "", flags, origin, out)

    def _value(self, key: str, text: str, ts: float, window: str, flags: dict[str, str], origin: Origin,
               out: Sink) -> None:
        code, _, suffix = key.partition("-")
        if suffix in IGNORED_SUFFIXES:
            return
        try:
            value = _number(text, key)
        except ValueError as exc:
            out.letters.append(origin.letter(RejectReason.WRONG_TYPE, str(exc)))
            return
        flag = flags.get(code, "N")
        quality = QUALITY.get(flag, Quality.SUSPECT)  # an unknown flag costs trust, not the value
        factor = FACTORS.get(code)
        if suffix != "Rtd" and suffix not in STATISTICS:  # no statistic we know: keep it under its own name
            out.readings.append(Reading(origin.device, raw_key(key), value, "", ts, quality))
            return
        name = factor.quantity.key if factor is not None else raw_key(code)
        if suffix != "Rtd":
            name += f".{suffix.lower()}_{window}" if window else f".{suffix.lower()}"
        if factor is None or suffix == "Cou":  # raw, or an amount over the window: no bounds apply
            unit = factor.cou_unit if factor is not None else ""
            out.readings.append(Reading(origin.device, name, value, unit, ts, quality))
            return
        q = factor.quantity
        value = round(factor.conversion.apply(value), 9)
        if not q.low <= value <= q.high:
            out.letters.append(origin.letter(RejectReason.IMPOSSIBLE_VALUE,
                                             f"{key}: {q.key} {value:g} {q.unit} outside [{q.low:g}, {q.high:g}]"))
            return
        out.readings.append(Reading(origin.device, name, value, q.unit, ts, quality))

    def _time(self, text: str | None, received: float) -> float:
        """DataTime (YYYYMMDDhhmmss, the station's local time) as UTC epoch seconds; ValueError if unusable."""
        if text is None:
            raise ValueError("DataTime missing")
        if len(text) != 14 or not text.isdigit():
            raise ValueError(f"DataTime={text[:20]!r} is not YYYYMMDDhhmmss")
        ts = datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]), int(text[10:12]),
                      int(text[12:14]), tzinfo=self._tz).timestamp()
        if ts > received + self._max_future_s:
            raise ValueError(f"DataTime={text} is in the future")
        if ts < EARLIEST:
            raise ValueError(f"DataTime={text} is before 2000")
        return ts


def _number(text: str, key: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{key}: {text[:20]!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{key}: {text[:20]!r} is not finite")
    return value
