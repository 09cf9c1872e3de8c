"""From alert to broadcast: which alert transitions propose which broadcast job."""

from __future__ import annotations

import string
from dataclasses import dataclass

from hub.alerts.model import Action, AlertEvent
from hub.broadcast.config import Proposal, Target
from hub.town import Town

_PROPOSING = (Action.RAISE, Action.SEVERITY, Action.REOPEN)


@dataclass(frozen=True, slots=True)
class ProposedJob:
    """A job an alert calls for, before it is a job."""

    origin: str  # "alert:<id>/<proposal index>": at most one job per alert and proposal rule
    text: str
    target: Target
    proposal: Proposal


class _Lenient(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"  # a typo in a template shows up in the message instead of losing it


def proposals_for(event: AlertEvent, proposals: tuple[Proposal, ...], town: Town) -> list[ProposedJob]:
    """The jobs this alert transition proposes (an alert reaching a proposal's severity)."""
    t, alert = event.transition, event.alert
    if t is None or t.action not in _PROPOSING:
        return []
    found = []
    for i, p in enumerate(proposals):
        if p.rule == alert.rule and alert.severity.rank >= p.min_severity.rank:
            found.append(ProposedJob(f"alert:{alert.id}/{i}", render(p.template, event, town),
                                     _target(p, alert.grid, alert.village), p))
    return found


def render(template: str, event: AlertEvent, town: Town) -> str:
    alert = event.alert
    device = town.device_map().get(alert.device or "")
    village = next((v for v in town.villages if v.id == alert.village), None)
    grid = town.grids().get(alert.grid or "")
    values = _Lenient(title=alert.title, device=device.name if device else (alert.device or ""),
                      village=village.name if village else "", grid=grid.name if grid else "",
                      value="" if alert.value is None else f"{alert.value:g}", severity=alert.severity.label_zh)
    return string.Formatter().vformat(template, (), values)


def _target(p: Proposal, grid: str | None, village: str | None) -> Target:
    if p.alert_area == "grid" and grid:
        return p.target.model_copy(update={"grids": (*p.target.grids, grid)})
    if p.alert_area == "village" and village:
        return p.target.model_copy(update={"villages": (*p.target.villages, village)})
    return p.target
