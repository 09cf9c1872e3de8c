"""Resolve a target to speakers: by id, village, grid, named zone or administrative area code."""

from __future__ import annotations

from hub.broadcast.config import Target, Zone
from hub.town import DeviceKind, Town

_LEVELS = (2, 4, 6, 9, 12)  # province, prefecture, county, township, village digits


class UnknownTarget(ValueError):
    """A target names a speaker, village, grid or zone the town does not have."""


def area_prefix(code: str) -> str:
    """The significant prefix of an area code: 430499105000 → 430499105 (the township)."""
    if len(code) != 12:
        return code
    return next(code[:n] for n in _LEVELS if set(code[n:]) <= {"0"})


def speaker_areas(town: Town) -> dict[str, str]:
    """Each speaker's 12-digit area code: its village's."""
    grid_village = {g.id: v for v in town.villages for g in v.grids}
    return {d.id: grid_village[d.grid].admin_code for d in town.devices
            if d.kind is DeviceKind.SPEAKER and d.grid in grid_village}


def resolve(town: Town, zones: dict[str, Zone], target: Target) -> tuple[str, ...]:
    """Every speaker the target names, in town-file order; UnknownTarget for names the town lacks."""
    speakers = [d for d in town.devices if d.kind is DeviceKind.SPEAKER]
    _check(town, zones, target, {d.id for d in speakers})
    picked = set(target.speakers)
    grids = set(target.grids)
    villages = set(target.villages)
    for name in target.zones:
        zone = zones[name]
        picked.update(zone.speakers)
        grids.update(zone.grids)
        villages.update(zone.villages)
    grids.update(g.id for v in town.villages if v.id in villages for g in v.grids)
    picked.update(d.id for d in speakers if d.grid in grids)
    areas = speaker_areas(town)
    prefixes = [area_prefix(code) for code in target.area_codes]
    picked.update(s for s, code in areas.items() if any(code.startswith(p) for p in prefixes))
    return tuple(d.id for d in speakers if d.id in picked)


def _check(town: Town, zones: dict[str, Zone], target: Target, speakers: set[str]) -> None:
    grids = set(town.grids())
    villages = {v.id for v in town.villages}
    unknown = [f"speaker {s!r}" for s in target.speakers if s not in speakers]
    unknown += [f"village {v!r}" for v in target.villages if v not in villages]
    unknown += [f"grid {g!r}" for g in target.grids if g not in grids]
    unknown += [f"zone {z!r}" for z in target.zones if z not in zones]
    if unknown:
        raise UnknownTarget("unknown " + ", ".join(unknown))


def zone_problems(town: Town, zones: dict[str, Zone]) -> list[tuple[str, str]]:
    """(zone name, reason) for every zone entry the town does not have."""
    speakers = {d.id for d in town.devices if d.kind is DeviceKind.SPEAKER}
    grids = set(town.grids())
    villages = {v.id for v in town.villages}
    problems = [(name, f"unknown speaker {s!r}") for name, z in zones.items() for s in z.speakers if s not in speakers]
    problems += [(name, f"unknown grid {g!r}") for name, z in zones.items() for g in z.grids if g not in grids]
    problems += [(name, f"unknown village {v!r}") for name, z in zones.items() for v in z.villages
                 if v not in villages]
    return problems
