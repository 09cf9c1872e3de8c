"""Which teams to send: the nearest available, by their phones' last fix or else their base grid."""

from __future__ import annotations

import math
from dataclasses import dataclass

from hub.dispatch.model import TeamState, TeamStatus
from hub.town import Point, Team, Town

EARTH_KM = 6371.0088


def distance_km(a: Point, b: Point) -> float:
    """Great-circle distance between two lon/lat points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


def centroid(points: list[Point]) -> Point:
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


@dataclass(frozen=True, slots=True)
class Recommendation:
    team: str
    status: TeamStatus
    distance_km: float
    eta_min: float
    basis: str  # "phone": the last fix from a member's phone; "base": the team's base grid


def recommend(town: Town, roster: list[Team], teams: dict[str, TeamState], target: Point, now: float,
              speed_kmh: float, fresh_s: float) -> list[Recommendation]:
    """Available teams first, nearest first; busy ones after them, so the officer sees everyone."""
    grids = town.grids()
    out: list[Recommendation] = []
    for team in roster:
        state = teams[team.id]
        fix = state.location
        if fix is not None and now - fix.ts <= fresh_s:
            where, basis = (fix.lon, fix.lat), "phone"
        else:
            where, basis = centroid(grids[team.base_grid].polygon), "base"
        km = distance_km(where, target)
        out.append(Recommendation(team.id, state.status, round(km, 2), round(km / speed_kmh * 60, 1), basis))
    return sorted(out, key=lambda r: (r.status is not TeamStatus.AVAILABLE, r.distance_km))


def alert_place(town: Town, device: str | None, grid: str | None) -> Point:
    """Where an alert is: its device, else its grid's middle, else the town's centre."""
    if device and (d := town.device_map().get(device)) is not None:
        return d.location
    if grid and (g := town.grids().get(grid)) is not None:
        return centroid(g.polygon)
    return town.town.center
