"""Compiled rules, one evaluator per rule and device: readings and events in, signals out.

An evaluator keeps the state of its condition (levels, pending durations,
silence) and says after each input what severity the condition is at now; the
alert book turns signals into alerts. Pure logic: no I/O, no clock of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.alerts.conditions import LevelTracker
from hub.alerts.config import DeviceEventRule, NoDataRule
from hub.alerts.model import Severity
from hub.alerts.wording import comparison, number, reason_name, zone_name
from hub.derived import TRUSTED
from hub.models import DeviceEvent, Reading
from hub.quantities import QUANTITIES
from hub.town import Device


@dataclass(frozen=True, slots=True)
class Signal:
    """A rule's verdict on one source: the condition's severity now, or None when it does not hold."""

    rule: str
    source: str
    severity: Severity | None
    ts: float
    value: float | None = None
    message: str = ""
    device: str | None = None
    detail: dict[str, object] = field(default_factory=dict)


def describe(device: Device, quantity: str, value: float, unit: str) -> str:
    label = QUANTITIES[quantity].label_zh if quantity in QUANTITIES else quantity
    return f"{device.name} {label} {number(value)} {unit}"


@dataclass(slots=True)
class ThresholdEvaluator:
    """One device's series against a rule's levels (already resolved to numbers for it)."""

    rule: str
    device: Device
    tracker: LevelTracker
    severities: tuple[Severity, ...]
    names: tuple[str, ...]  # how each line is called in messages, e.g. "警戒水位 58 m"

    def on_reading(self, r: Reading) -> Signal | None:
        if r.quality not in TRUSTED:
            return None
        before = self.tracker.current
        level = self.tracker.update(r.value, r.ts)
        if level < 0:
            return self._cleared(r) if before >= 0 else None
        verb = comparison(r.value, self.tracker.thresholds[level], self.tracker.above)
        message = f"{describe(self.device, r.quantity, r.value, r.unit)}，{verb}{self.names[level]}"
        return Signal(self.rule, self.device.id, self.severities[level], r.ts, r.value, message, self.device.id,
                      {"quantity": r.quantity, "line": self.tracker.thresholds[level]})

    def _cleared(self, r: Reading) -> Signal:
        return Signal(self.rule, self.device.id, None, r.ts, r.value, device=self.device.id)

    def restore(self, severity: Severity) -> None:
        """After a restart: the open alert's severity is where the condition stood."""
        if severity in self.severities:
            self.tracker.current = self.severities.index(severity)


@dataclass(slots=True)
class RainfallEvaluator:
    """One gauge's four accumulation windows; the worst window gives the severity."""

    rule: str
    device: Device
    trackers: dict[str, LevelTracker]  # by derived quantity, e.g. rainfall_3h
    latest: dict[str, float] = field(default_factory=dict)

    def on_reading(self, r: Reading) -> Signal | None:
        tracker = self.trackers[r.quantity]
        before = max(t.current for t in self.trackers.values())
        tracker.update(r.value, r.ts)
        self.latest[r.quantity] = r.value
        worst_key = max(self.trackers, key=lambda k: self.trackers[k].current)
        worst = self.trackers[worst_key].current
        if worst < 0:
            return self._cleared(r) if before >= 0 else None
        severity = list(Severity)[worst]
        mm = self.latest.get(worst_key, 0.0)
        window = worst_key.removeprefix("rainfall_")
        message = (f"{self.device.name} {window}累计雨量 {number(mm)} mm，"
                   f"达{severity.label_zh}等级（≥{self.trackers[worst_key].thresholds[worst]:g} mm）")
        return Signal(self.rule, self.device.id, severity, r.ts, mm, message, self.device.id,
                      {"window": window, "totals": dict(self.latest)})

    def _cleared(self, r: Reading) -> Signal:
        return Signal(self.rule, self.device.id, None, r.ts, r.value, device=self.device.id)

    def restore(self, severity: Severity) -> None:
        for tracker in self.trackers.values():
            tracker.current = min(severity.rank - 1, len(tracker.thresholds) - 1)


@dataclass(slots=True)
class NoDataEvaluator:
    """Silence of a device (or of one quantity of it) for longer than the rule allows."""

    rule: NoDataRule
    device: Device
    last_seen: float
    silent: bool = False

    def on_reading(self, r: Reading) -> Signal | None:
        self.last_seen = max(self.last_seen, r.ts)
        if not self.silent:
            return None
        self.silent = False
        return Signal(self.rule.id, self.device.id, None, r.ts, device=self.device.id)

    def on_tick(self, now: float) -> Signal | None:
        quiet = now - self.last_seen
        if self.silent or quiet <= self.rule.silent_s:
            return None
        self.silent = True
        known = QUANTITIES.get(self.rule.quantity or "")
        what = known.label_zh if known else "数据"
        message = f"{self.device.name} 已 {quiet / 60:.0f} 分钟没有{what}"
        return Signal(self.rule.id, self.device.id, self.rule.severity, now, quiet, message, self.device.id)

    def restore(self, severity: Severity) -> None:
        self.silent = True


@dataclass(slots=True)
class EventEvaluator:
    """Device events that raise (offline, tamper, motion in a zone at night) and those that clear."""

    rule: DeviceEventRule
    device: Device
    tz: ZoneInfo
    window: tuple[int, int] | None  # minutes of the day, town time

    def on_event(self, event: DeviceEvent) -> Signal | None:
        if event.kind in self.rule.resolve_on:
            zone = event.detail.get("zone")
            if self.rule.zones and zone is not None and zone not in self.rule.zones:
                return None  # motion ending in another zone says nothing of this rule's zones
            return Signal(self.rule.id, self.device.id, None, event.ts, device=self.device.id)
        if event.kind not in self.rule.raise_on or not self._in_hours(event.ts) or not self._in_zone(event):
            return None
        reason = f"（{reason_name(event.reason)}）" if event.reason else ""
        zone = zone_name(str(event.detail.get("zone") or ""))
        where = f" {zone}" if zone else ""
        message = f"{self.device.name}{where} {self.rule.title}{reason}"
        return Signal(self.rule.id, self.device.id, self.rule.severity, event.ts, None, message, self.device.id,
                      {"event": event.kind.value, **event.detail})

    def _in_hours(self, ts: float) -> bool:
        if self.window is None:
            return True
        local = datetime.fromtimestamp(ts, self.tz)
        minute = local.hour * 60 + local.minute
        start, end = self.window
        return start <= minute < end if start <= end else (minute >= start or minute < end)

    def _in_zone(self, event: DeviceEvent) -> bool:
        return not self.rule.zones or event.detail.get("zone") in self.rule.zones

    def restore(self, severity: Severity) -> None:
        """Events carry no state to restore."""
