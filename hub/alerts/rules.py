"""Compile the town's rules into evaluators indexed by what they read, and check them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Protocol
from zoneinfo import ZoneInfo

from hub.alerts.conditions import LevelTracker
from hub.alerts.config import (
    CombinationRule,
    DeviceEventRule,
    Level,
    Match,
    NoDataRule,
    RainfallRule,
    Rule,
    ThresholdRule,
    hours_window,
)
from hub.alerts.defaults import effective_rules
from hub.alerts.evaluators import EventEvaluator, NoDataEvaluator, RainfallEvaluator, Signal, ThresholdEvaluator
from hub.alerts.model import Alert, Severity
from hub.models import DeviceEvent, Reading
from hub.quantities import QUANTITIES, base_quantity
from hub.town import Device, DeviceKind, Problem, Town

ANY_QUANTITY = ""  # index key of evaluators that read every quantity of a device
_LEVEL_NAMES = {"warning_level": "警戒水位", "guarantee_level": "保证水位"}


class ReadingEvaluator(Protocol):
    def on_reading(self, r: Reading) -> Signal | None: ...

    def restore(self, severity: Severity) -> None: ...


def matches(match: Match, device: Device, village: str | None) -> bool:
    return ((not match.devices or device.id in match.devices)
            and (not match.kinds or device.kind.value in match.kinds)
            and (not match.grids or device.grid in match.grids)
            and (not match.villages or village in match.villages)
            and (not match.basins or device.basin in match.basins))


def _line(level: Level, device: Device) -> float | None:
    if isinstance(level.at, float | int):
        return float(level.at)
    if device.levels is None:
        return None
    line: float = getattr(device.levels, level.at)
    return line + level.offset


def _line_name(level: Level, line: float, unit: str) -> str:
    name = _LEVEL_NAMES[level.at] if isinstance(level.at, str) else f"{level.severity.label_zh}阈值"
    return f"{name} {line:g} {unit}"


def _threshold(rule: ThresholdRule, device: Device) -> ThresholdEvaluator | None:
    lines = [_line(level, device) for level in rule.levels]
    if any(line is None for line in lines):
        return None  # e.g. a station without flood levels
    unit = QUANTITIES[rule.quantity].unit if rule.quantity in QUANTITIES else ""
    thresholds = tuple(line for line in lines if line is not None)
    tracker = LevelTracker(thresholds, rule.direction == "above", rule.hysteresis, rule.for_s)
    names = tuple(_line_name(level, line, unit) for level, line in zip(rule.levels, thresholds, strict=True))
    return ThresholdEvaluator(rule.id, device, tracker, tuple(lv.severity for lv in rule.levels), names)


def _rainfall(rule: RainfallRule, device: Device, town: Town) -> RainfallEvaluator | None:
    table = rule.table or (town.thresholds.rainfall_mm.model_dump() if town.thresholds.rainfall_mm else None)
    if table is None:
        return None
    trackers = {f"rainfall_{window[1:]}h": LevelTracker(tuple(table[window]), True, rule.hysteresis)
                for window in ("h1", "h3", "h6", "h24") if window in table}
    return RainfallEvaluator(rule.id, device, trackers)


class RuleSet:
    """Every rule of a town, compiled per device; feed it readings, events and ticks."""

    def __init__(self, town: Town, rules: Iterable[Rule], started: float) -> None:
        self.town = town
        self.rules: dict[str, Rule] = {r.id: r for r in rules}
        self.by_reading: defaultdict[tuple[str, str], list[ReadingEvaluator]] = defaultdict(list)
        self.by_event: defaultdict[str, list[EventEvaluator]] = defaultdict(list)
        self.no_data: list[NoDataEvaluator] = []
        self.combinations = [r for r in self.rules.values() if isinstance(r, CombinationRule)]
        self._restorable: dict[tuple[str, str], ReadingEvaluator | EventEvaluator | NoDataEvaluator] = {}
        villages = {g.id: v.id for v in town.villages for g in v.grids}
        tz = ZoneInfo(town.town.timezone)
        for rule in self.rules.values():
            for device in town.devices:
                if matches(rule.match, device, villages.get(device.grid)):
                    self._compile(rule, device, tz, started)

    @classmethod
    def for_town(cls, town: Town, started: float) -> RuleSet:
        return cls(town, effective_rules(town.alerts.rules, town.alerts.default_rules), started)

    def _compile(self, rule: Rule, device: Device, tz: ZoneInfo, started: float) -> None:
        if isinstance(rule, ThresholdRule):
            if (evaluator := _threshold(rule, device)) is not None:
                self._add_reading(rule.id, device, (rule.quantity,), evaluator)
        elif isinstance(rule, RainfallRule):
            if (rain := _rainfall(rule, device, self.town)) is not None:
                self._add_reading(rule.id, device, tuple(rain.trackers), rain)
        elif isinstance(rule, NoDataRule):
            silence = NoDataEvaluator(rule, device, started)
            self.no_data.append(silence)
            self._add_reading(rule.id, device, (rule.quantity or ANY_QUANTITY,), silence)
        elif isinstance(rule, DeviceEventRule):
            window = hours_window(rule.hours) if rule.hours else None
            event = EventEvaluator(rule, device, tz, window)
            self.by_event[device.id].append(event)
            self._restorable[rule.id, device.id] = event

    def _add_reading(self, rule: str, device: Device, quantities: Sequence[str], ev: ReadingEvaluator) -> None:
        for quantity in quantities:
            self.by_reading[device.id, quantity].append(ev)
        self._restorable[rule, device.id] = ev

    def on_readings(self, readings: Iterable[Reading]) -> list[Signal]:
        signals: list[Signal] = []
        index = self.by_reading
        for r in readings:
            for evaluator in (*index.get((r.device, r.quantity), ()), *index.get((r.device, ANY_QUANTITY), ())):
                if (signal := evaluator.on_reading(r)) is not None:
                    signals.append(signal)
        return signals

    def on_event(self, event: DeviceEvent) -> list[Signal]:
        return [s for ev in self.by_event.get(event.device, ()) if (s := ev.on_event(event)) is not None]

    def on_tick(self, now: float) -> list[Signal]:
        return [s for ev in self.no_data if (s := ev.on_tick(now)) is not None]

    def restore(self, alert: Alert) -> None:
        """Put the evaluator of an alert open before a restart back where the condition stood."""
        if (evaluator := self._restorable.get(alert.key)) is not None and alert.active:
            evaluator.restore(alert.severity)


def rule_problems(town: Town) -> list[Problem]:
    """What a town file's own rules refer to that does not exist."""
    problems: list[Problem] = []
    config = town.alerts
    grids = town.grids()
    villages = {v.id for v in town.villages}
    devices = town.device_map()
    kinds = {k.value for k in DeviceKind}
    basins = {d.basin for d in town.devices}
    known_rules = {r.id for r in effective_rules(config.rules, config.default_rules)}
    for i, rule in enumerate(config.rules):
        key: tuple[str | int, ...] = ("alerts", "rules", i)
        m = rule.match
        problems += [((*key, "match", "devices"), f"unknown device {d!r}") for d in m.devices if d not in devices]
        problems += [((*key, "match", "grids"), f"unknown grid {g!r}") for g in m.grids if g not in grids]
        problems += [((*key, "match", "villages"), f"unknown village {v!r}") for v in m.villages if v not in villages]
        problems += [((*key, "match", "kinds"), f"unknown device kind {k!r}") for k in m.kinds if k not in kinds]
        problems += [((*key, "match", "basins"), f"no device is in basin {b!r}") for b in m.basins if b not in basins]
        quantity = getattr(rule, "quantity", None)
        if quantity and base_quantity(quantity) is None and ":" not in quantity:
            problems.append(((*key, "quantity"), f"unknown quantity {quantity!r}"))
        if isinstance(rule, CombinationRule):
            problems += [((*key, "all_of"), f"unknown rule {r!r}") for r in rule.all_of if r not in known_rules]
        if isinstance(rule, RainfallRule) and rule.table is None and town.thresholds.rainfall_mm is None:
            problems.append((key, "no rainfall table: give one here or in thresholds.rainfall_mm"))
    return problems
