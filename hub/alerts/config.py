"""Alert configuration from the town file's `alerts:` section: rules, escalation, channels."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from hub.alerts.model import Severity
from hub.config_base import Strict
from hub.models import DeviceEventKind


class Match(Strict):
    """Which devices a rule reads; every given field must match, any value within one."""

    devices: tuple[str, ...] = ()
    kinds: tuple[str, ...] = Field(default=(), description="device kinds, e.g. river_station")
    grids: tuple[str, ...] = ()
    villages: tuple[str, ...] = ()
    basins: tuple[str, ...] = ()


LevelRef = Literal["warning_level", "guarantee_level"]


class Level(Strict):
    """One step of a threshold: at or beyond *at* (a number or the device's flood level) → *severity*."""

    severity: Severity
    at: float | LevelRef
    offset: float = Field(default=0.0, description="added to a flood level, e.g. -0.5 for 'half a metre below'")


class RuleBase(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="stable id; alerts are per rule and source")
    title: str = Field(min_length=1, description="Chinese title, e.g. 水位超警戒")
    match: Match = Match()
    auto_resolve: bool = Field(default=True, description="resolve by itself when the condition ends")
    clear_for_s: float = Field(default=300.0, ge=0, description="condition must stay clear this long to resolve")
    reopen_within_s: float = Field(default=1800.0, ge=0, description="a recurrence this soon reopens the alert")


class ThresholdRule(RuleBase):
    type: Literal["threshold"] = "threshold"
    quantity: str
    direction: Literal["above", "below"] = "above"
    levels: tuple[Level, ...] = Field(min_length=1)
    hysteresis: float = Field(default=0.0, ge=0, description="clear only past level ∓ hysteresis")
    for_s: float = Field(default=0.0, ge=0, description="condition must hold this long before raising")


class RainfallRule(RuleBase):
    """Accumulated rainfall over 1/3/6/24 h against the colour table; the worst window wins."""

    type: Literal["rainfall"] = "rainfall"
    table: dict[Literal["h1", "h3", "h6", "h24"], tuple[float, float, float, float]] | None = Field(
        default=None, description="mm for blue, yellow, orange, red; default thresholds.rainfall_mm")
    hysteresis: float = Field(default=0.0, ge=0)


class NoDataRule(RuleBase):
    """A device (or one of its quantities) silent for longer than allowed."""

    type: Literal["no_data"] = "no_data"
    quantity: str | None = Field(default=None, description="none: any reading counts")
    silent_s: float = Field(gt=0)
    severity: Severity = Severity.YELLOW


def _check_hours(text: str | None) -> str | None:
    if text is not None:
        hours_window(text)
    return text


class DeviceEventRule(RuleBase):
    """Device events (offline, camera motion or tamper, speaker fault), optionally in hours and zones."""

    type: Literal["device_event"] = "device_event"
    raise_on: tuple[DeviceEventKind, ...] = Field(min_length=1)
    resolve_on: tuple[DeviceEventKind, ...] = ()
    severity: Severity = Severity.YELLOW
    hours: Annotated[str | None, AfterValidator(_check_hours)] = Field(
        default=None, description="town time, e.g. 22:00-06:00")
    zones: tuple[str, ...] = Field(default=(), description="only events whose detail.zone is one of these")


class CombinationRule(RuleBase):
    """Several rules open at once in the same basin (grid, village) → one alert of its own."""

    type: Literal["combination"] = "combination"
    all_of: tuple[str, ...] = Field(min_length=2, description="rule ids that must all have open alerts")
    min_severity: Severity = Field(default=Severity.BLUE, description="each of them at least this")
    within: Literal["basin", "grid", "village", "town"] = "basin"
    severity: Severity = Severity.RED


Rule = Annotated[ThresholdRule | RainfallRule | NoDataRule | DeviceEventRule | CombinationRule,
                 Field(discriminator="type")]


def _after_min_default() -> dict[Severity, float]:
    return {Severity.BLUE: 60, Severity.YELLOW: 30, Severity.ORANGE: 15, Severity.RED: 5}


class Escalation(Strict):
    after_min: dict[Severity, float] = Field(default_factory=_after_min_default,
                                             description="minutes unacknowledged before the next level is told")
    repeat_min: float = Field(default=10.0, gt=0, description="re-notify the last level this often until acknowledged")


class ContactConfig(Strict):
    name: str = Field(min_length=1)
    phone: str = Field(pattern=r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def _unique_ids(rules: tuple[Any, ...]) -> tuple[Any, ...]:
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise ValueError(f"duplicate rule id {rule.id!r}")
        seen.add(rule.id)
    return rules


class AlertsConfig(Strict):
    """The town file's `alerts:` section."""

    default_rules: bool = Field(default=True,
                                description="add the built-in rules; a rule with the same id replaces one")
    rules: Annotated[tuple[Rule, ...], AfterValidator(_unique_ids)] = ()
    escalation: Escalation = Escalation()
    duty_officer: ContactConfig | None = None
    centre_lead: ContactConfig | None = None
    notifiers: tuple[dict[str, Any], ...] = Field(default=(), description="channels; checked by their plugins")


def hours_window(text: str) -> tuple[int, int]:
    """'22:00-06:00' → minutes of the day (start, end); the window may wrap midnight."""
    m = re.fullmatch(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})", text)
    if m is None:
        raise ValueError(f"{text!r}: expected HH:MM-HH:MM")
    h1, m1, h2, m2 = map(int, m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ValueError(f"{text!r}: not a time of day")
    return h1 * 60 + m1, h2 * 60 + m2
