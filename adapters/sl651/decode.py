"""A parsed report → readings in canonical units, dead letters, a sign of life, and ZT alarm changes as events.

The observation time is the station's local time (the town's time zone). The
5-minute rain series (DRP) becomes one reading per 5 minutes, each at the end of
its own interval; an evenly spaced series (31H) one reading per step from the
observation time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from adapters.sl651.elements import Element, ElementIndex, ElementKind, raw_key
from adapters.sl651.report import KEEP_ALIVE, MANUAL, Report, Values
from adapters.stations import Collected
from hub.models import DeadLetter, DeviceEvent, DeviceEventKind, DeviceStatusReport, Quality, Reading, RejectReason

EARLIEST = datetime(2000, 1, 2)  # a station whose clock was never set
RAIN_STEP = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Origin:
    """Where the message being decoded came from."""

    device: str
    received: float
    source: str
    raw: bytes

    def letter(self, reason: RejectReason, detail: str) -> DeadLetter:
        return DeadLetter(self.source, self.raw, reason, detail, self.received, self.device)


class StatusBits:
    """The last ZT word of each station, so that only changes of an alarm bit become events."""

    def __init__(self, table: ElementIndex) -> None:
        self._bits = table.status_bits
        self._last: dict[str, int] = {}

    def changes(self, device: str, word: int, ts: float) -> list[DeviceEvent]:
        before = self._last.get(device, 0)
        self._last[device] = word
        out = []
        for b in self._bits:
            now, was = word >> b.bit & 1, before >> b.bit & 1
            if now != was:
                kind = DeviceEventKind.FAULT if now else DeviceEventKind.FAULT_CLEARED
                out.append(DeviceEvent(device, kind, ts, f"sl651 {b.name}", {"bit": b.bit, "label": b.label}))
        return out


class ReportDecoder:
    """Decodes authenticated reports; never raises for bad input."""

    def __init__(self, table: ElementIndex, tz: tzinfo, max_future_s: float) -> None:
        self._table = table
        self._tz = tz
        self._max_future_s = max_future_s
        self.status = StatusBits(table)
        self._last_epoch: tuple[datetime, float, float] = (EARLIEST, 0.0, 0.0)

    def decode(self, report: Report, origin: Origin, out: Collected) -> None:
        """Readings for every good value of *report*; a bad value costs only itself."""
        if report.function == KEEP_ALIVE:  # a sign of life without readings (readings are one of their own)
            out.reports.append(DeviceStatusReport(origin.device, True, origin.received, origin.source, "keep_alive"))
            return
        if report.manual_text is not None:
            out.letters.append(origin.letter(RejectReason.UNSUPPORTED,
                                             f"manual data (人工置数) kept as text: {report.manual_text[:200]}"))
        quality = Quality.MANUAL if report.function == MANUAL else Quality.GOOD
        for values in report.elements:
            if values.problem is not None:
                out.letters.append(origin.letter(RejectReason.WRONG_TYPE, values.problem))
                continue
            try:
                ts = self._epoch(values.observed, origin.received)
            except ValueError as exc:
                out.letters.append(origin.letter(RejectReason.BAD_TIME, f"{values.ident}: {exc}"))
                continue
            self._element(values, ts, quality, origin, out)

    def _element(self, values: Values, ts: float, quality: Quality, origin: Origin, out: Collected) -> None:
        element = self._table.by_name(values.ident) if values.known else None
        if element is not None and element.kind is ElementKind.STATUS:
            word = int(values.values[0] or 0)
            out.readings.append(Reading(origin.device, raw_key(values.ident), float(word), "", ts, quality))
            out.events += self.status.changes(origin.device, word, ts)
            return
        if len(values.values) == 1 and (element is None or element.kind is ElementKind.VALUE):
            if values.values[0] is not None:  # most elements: one value at the observation time
                self._reading(values.ident, element, values.values[0], ts, quality, origin, out)
            return
        step = values.step.total_seconds() if values.step else 0.0
        times = [ts + k * step for k in range(len(values.values))]
        if element is not None and element.kind is ElementKind.RAIN_5M:
            n = len(values.values)
            times = [ts - (n - 1 - k) * RAIN_STEP.total_seconds() for k in range(n)]
        for value, at in zip(values.values, times, strict=True):
            if value is not None:
                self._reading(values.ident, element, value, at, quality, origin, out)

    def _reading(self, ident: str, element: Element | None, value: float, ts: float, quality: Quality,
                 origin: Origin, out: Collected) -> None:
        target = self._table.targets.get(ident) if element is not None else None
        if target is None:
            out.readings.append(Reading(origin.device, raw_key(ident), value, "", ts, quality))
            return
        value = round(value * target.scale + target.offset, 9)
        if not target.low <= value <= target.high:  # NaN compares false: rejected too
            q = target.quantity
            out.letters.append(origin.letter(RejectReason.IMPOSSIBLE_VALUE,
                                             f"{ident}: {q.key} {value:g} {q.unit} outside [{q.low:g}, {q.high:g}]"))
            return
        out.readings.append(Reading(origin.device, target.key, value, target.unit, ts, quality))

    def _epoch(self, local: datetime, received: float) -> float:
        """The station's local time as UTC epoch seconds; ValueError if it cannot be true."""
        if self._last_epoch[0] == local and self._last_epoch[2] == received:
            return self._last_epoch[1]  # the elements of a report share their observation time
        if local < EARLIEST:
            raise ValueError(f"observation time {local:%Y-%m-%d %H:%M} is before 2000")
        ts = local.replace(tzinfo=self._tz).timestamp()
        if ts > received + self._max_future_s:
            raise ValueError(f"observation time {local:%Y-%m-%d %H:%M} is in the future")
        self._last_epoch = (local, ts, received)
        return ts
