"""Helpers for the alert tests: a clock the test moves, the sample town with basins and rules, readings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hub.alerts.book import AlertBook
from hub.alerts.config import AlertsConfig, Rule
from hub.alerts.defaults import effective_rules
from hub.alerts.escalation import EscalationPolicy
from hub.alerts.evaluators import Signal
from hub.alerts.model import Alert, Severity
from hub.models import Quality, Reading
from hub.town import DeviceKind, Town
from tests.support import ManualClock, sample_town

T0 = 1_750_000_000.0  # 2025-06-15 23:06:40 in Asia/Shanghai
DUTY = {"name": "王值班", "phone": "13800000001"}
LEAD = {"name": "李主任", "phone": "13800000002"}
# Upper river: RS01 and the northern gauge RG01; lower river: RS04 and the southern gauge RG02.
BASINS = {"RS01": "upper", "RG01": "upper", "RS02": "upper", "RS03": "lower", "RS04": "lower", "RG02": "lower"}


class FakeClock(ManualClock):
    """A clock that stands still at T0 until the test moves it."""

    def __init__(self, now: float = T0) -> None:
        super().__init__(now)


def town_with(*rules: Rule, default_rules: bool = True, **alerts: Any) -> Town:
    """The sample town with river basins set and *rules* (plus `alerts:` keys) as its alert config."""
    base = sample_town().town
    devices = [d.model_copy(update={"basin": BASINS.get(d.id)}) for d in base.devices]
    config = AlertsConfig.model_validate({"rules": rules, "default_rules": default_rules, **alerts})
    return base.model_copy(update={"devices": devices, "alerts": config})


def rules_of(town: Town) -> dict[str, Rule]:
    return {r.id: r for r in effective_rules(town.alerts.rules, town.alerts.default_rules)}


def make_book(town: Town, clock: FakeClock, alerts: Iterable[Alert] = (), last_id: int = 0, last_seq: int = 0,
              close_after_s: float = 72 * 3600.0) -> AlertBook:
    return AlertBook(town, rules_of(town), EscalationPolicy(town, town.alerts), clock, alerts, last_id, last_seq,
                     close_after_s)


def reading(device: str, quantity: str, value: float, ts: float, quality: Quality = Quality.GOOD,
            unit: str = "") -> Reading:
    return Reading(device, quantity, value, unit, ts, quality)


def signal(rule: str, source: str, severity: Severity | None, ts: float = T0, value: float | None = None,
           device: str | None = None) -> Signal:
    """A rule's verdict; by default about the device named by *source*."""
    return Signal(rule, source, severity, ts, value, f"{source} {value}", device or source)


def river_stations(town: Town) -> list[str]:
    return [d.id for d in town.devices if d.kind is DeviceKind.RIVER_STATION]
