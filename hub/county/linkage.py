"""Linkage along a river: an upstream town's river alert warns each town below it of the water's arrival (上游来水).

The warning goes to each downstream town as a county directive, with the arrival expected from the alert's time
and the travel times of the county file; when the upstream alert is resolved, a second one lifts it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from hub.county.config import Basin, County
from hub.county.messages import AlertUp, UpstreamSource

WARN_ON = frozenset({"raise", "reopen"})
LIFT_ON = frozenset({"resolve"})


@dataclass(frozen=True, slots=True)
class UpstreamWarning:
    """What the county sends one downstream town about one upstream alert."""

    town: str
    kind: Literal["upstream_water", "upstream_water_lifted"]
    title: str
    text: str
    arrives_at: float | None
    issued_by: str
    upstream: UpstreamSource


def below(basin: Basin, town: str) -> list[tuple[str, float]]:
    """The towns downstream of *town* on *basin*, each with the water's minutes from *town*."""
    towns = [r.town for r in basin.reaches]
    if town not in towns:
        return []
    out, minutes = [], 0.0
    for reach in basin.reaches[towns.index(town) + 1:]:
        minutes += reach.travel_min or 0.0
        out.append((reach.town, minutes))
    return out


def upstream_water(county: County, town: str, alert: AlertUp) -> list[UpstreamWarning]:
    """The warnings (or their lifting) *alert* of *town* gives the towns below it; none for other alerts."""
    if alert.rule not in county.linkage.rules or alert.action not in WARN_ON | LIFT_ON:
        return []
    source = county.town_map()[town].name
    origin = UpstreamSource(town=town, town_name=source, alert_id=alert.alert_id, basin=alert.basin or "",
                            station=alert.device_name or alert.device or f"{alert.basin}流域", severity=alert.severity)
    tz = ZoneInfo(county.county.timezone)
    by = f"{county.county.name}流域联动"
    warnings = []
    for basin in county.basins:
        if basin.name != alert.basin:
            continue
        for below_town, minutes in below(basin, town):
            if alert.action in LIFT_ON:
                warnings.append(UpstreamWarning(below_town, "upstream_water_lifted", f"上游来水预警解除：{source}",
                                        f"{source}（{basin.name}）{alert.title}已解除。", None, by, origin))
                continue
            arrives = alert.at + minutes * 60
            clock = dt.datetime.fromtimestamp(arrives, tz).strftime("%H:%M")
            warnings.append(UpstreamWarning(below_town, "upstream_water", f"上游来水预警：{source}{alert.title}",
                                    f"{source}（{basin.name}上游）{alert.title}，来水预计{clock}到达本镇"
                                    f"（约{minutes:.0f}分钟后），请做好防范。", arrives, by, origin))
    return warnings
