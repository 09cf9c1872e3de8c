"""Combination rules: several rules' alerts open together in one basin, grid or village."""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from hub.alerts.book import AlertBook
from hub.alerts.config import CombinationRule
from hub.alerts.evaluators import Signal
from hub.alerts.model import Alert, AlertEvent
from hub.town import Town

TOWN_WIDE_SOURCE = "town:town"  # the one source of a `within: town` combination's alert (its group is "town")


def basin_of(alert: Alert) -> str | None:
    """The basin a basin-wide combination alert is about (its source is `basin:<name>`); None for others."""
    within, _, group = alert.source.partition(":")
    if within != "basin" or alert.device is not None or not group:
        return None
    return group


def is_town_wide(alert: Alert) -> bool:
    """Whether the alert is a town-wide combination's (`within: town`): of no grid or village."""
    return alert.source == TOWN_WIDE_SOURCE and alert.device is None


def wide_kind(alert: Alert) -> Literal["basin", "town"] | None:
    """What an alert of no village covers: a basin's villages, the whole town, or (None) it is not such."""
    return "basin" if basin_of(alert) else "town" if is_town_wide(alert) else None


def _group(alert: Alert, within: str, basins: dict[str, str | None]) -> str | None:
    if within == "town":
        return "town"
    if within == "basin":
        return basins.get(alert.device or "")
    return alert.grid if within == "grid" else alert.village


def _named(town: Town, within: str, group: str) -> str:
    """The group as the message names it: the town's or the village's name rather than an id."""
    if within == "town":
        return town.town.name
    return next((v.name for v in town.villages if v.id == group), group) if within == "village" else group


def combination_signals(rules: list[CombinationRule], open_alerts: list[Alert], town: Town) -> list[Signal]:
    """For each combination and group: raise where all its rules have active alerts, clear elsewhere."""
    if not rules:
        return []
    basins = {d.id: d.basin for d in town.devices}
    signals: list[Signal] = []
    for rule in rules:
        found: defaultdict[str, dict[str, Alert]] = defaultdict(dict)
        held: set[str] = set()
        for alert in open_alerts:
            if alert.rule == rule.id:
                held.add(alert.source)
            group = _group(alert, rule.within, basins)
            if (group is not None and alert.rule in rule.all_of and alert.active
                    and alert.severity.rank >= rule.min_severity.rank):
                found[group].setdefault(alert.rule, alert)
        for group, by_rule in found.items():
            if len(by_rule) == len(rule.all_of):
                source = f"{rule.within}:{group}"
                parts = "；".join(a.message for a in by_rule.values())
                signals.append(Signal(rule.id, source, rule.severity, max(a.last_seen_at for a in by_rule.values()),
                                      message=f"{_named(town, rule.within, group)} {rule.title}：{parts}",
                                      detail={"alerts": [a.id for a in by_rule.values()]}))
                held.discard(source)
        signals += [Signal(rule.id, source, None, 0.0) for source in held]
    return signals



def applied(book: AlertBook, rules: list[CombinationRule], town: Town, signal: Signal) -> list[AlertEvent]:
    """*signal* applied to *book*, then what it changes in *rules*' combinations.

    Signal by signal, not per batch of them, so that a combination's count and severity do not depend on how
    readings happened to be batched: one process and several, fed the same, tell the same story.
    """
    events = book.apply(signal)
    if any(signal.rule in c.all_of for c in rules):
        events += combined(book, rules, town)
    return events


def combined(book: AlertBook, rules: list[CombinationRule], town: Town) -> list[AlertEvent]:
    """What the alerts open in *book* now make of *rules*' combinations, applied to it."""
    return [e for s in combination_signals(rules, book.open_alerts(), town) for e in book.apply(s)]
